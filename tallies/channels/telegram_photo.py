"""Protocol photos sent to the Telegram bot, stored as evidence of a copy (the web's path).

A photo alone (or captioned with a station number) goes with the observer's latest copy (of
that station); a photo captioned with a protocol in the SMS format goes with the copy those
figures store. Of the sizes Telegram sends, the largest is fetched (getFile) and stored through
tallies.services.photos.add_copy_photos: checked like an upload, EXIF/GPS stripped by the
sanitising task, and stored once per copy (by SHA-256), so a resent photo adds nothing.
A photo with no copy to go with (and no guided entry open) becomes a photo-only copy
(tallies/channels/telegram_photo_only.py), transcribed at the desk.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from elections.models import PollingStation
from observers.models import Observer
from observers.services import evidence
from tallies.channels import sms, sms_figures, telegram_api
from tallies.channels.telegram_api import Incoming
from tallies.models import ChannelMessage, ProtocolCopy, TelegramBot
from tallies.services import photos

Outcome = ChannelMessage.Outcome


def to_latest_copy(
    bot: TelegramBot, incoming: Incoming, observer: Observer, number: str
) -> sms.Handled | None:
    """Store the photo with the observer's latest copy (of station `number` if the caption names
    one); None when there is no such copy (the caller decides: a photo-only copy, or no_copy)."""
    copies = ProtocolCopy.objects.sent_by(observer).select_related("station")
    if number:
        station = sms_figures.find_station(observer, number)
        copies = copies.filter(station=station) if station is not None else copies.none()
    copy = copies.order_by("-submitted_at", "-id").first()
    return attach(bot, incoming, observer, copy) if copy is not None else None


def with_figures(
    bot: TelegramBot, incoming: Incoming, observer: Observer, figures: sms.Handled
) -> sms.Handled:
    """A photo whose caption carried a protocol: `figures` is what became of the figures; the
    photo is stored with their copy (new, or the one they repeat), else not kept (said so).

    The outcome is STORED when either the figures or the photo were new, DUPLICATE when both
    were already stored; the reply is the figures' receipt, then the photo's line.
    """
    if figures.copy is None:
        figures.reply = _("The photo was not kept: send it again with the figures.") + " " + figures.reply
        return figures
    photo = attach(bot, incoming, observer, figures.copy)
    if photo.outcome == Outcome.STORED:
        figures.outcome = Outcome.STORED
    figures.reply = f"{figures.reply}\n{photo.reply}"
    return figures


def attach(bot: TelegramBot, incoming: Incoming, observer: Observer, copy: ProtocolCopy) -> sms.Handled:
    """Fetch the photo's largest size and store it with `copy`; STORED, DUPLICATE (this photo is
    already with the copy), INCOMPLETE (not fetched) or REFUSED (not an image we accept)."""
    if observer.user is None:
        return no_copy()
    upload = download(bot, incoming.photo_file_id, incoming.photo_unique_id)
    if upload is None:
        return not_fetched()
    try:
        added = photos.add_copy_photos(copy=copy, uploads=[upload], user=observer.user)
    except evidence.EvidenceRefused as error:
        return sms.Handled(Outcome.REFUSED, error.message, copy=copy)
    return photo_stored(copy, copy.station, bool(added))


def download(bot: TelegramBot, file_id: str, unique_id: str) -> SimpleUploadedFile | None:
    """The photo size `file_id` as an upload, or None when Telegram could not give it."""
    data = telegram_api.download_file(bot, file_id, evidence.MAX_UPLOAD_BYTES)
    if data is None:
        return None
    return SimpleUploadedFile(f"telegram-{unique_id}.jpg", data)


def photo_stored(copy: ProtocolCopy, station: PollingStation, added: bool) -> sms.Handled:
    values = {"copy": copy.pk, "station": station.number}
    if added:
        text = _("Photo stored with copy no. %(copy)s, station %(station)s.") % values
        return sms.Handled(Outcome.STORED, text, copy=copy)
    text = _("This photo is already stored with copy no. %(copy)s, station %(station)s.") % values
    return sms.Handled(Outcome.DUPLICATE, text, copy=copy)


def no_copy() -> sms.Handled:
    return sms.Handled(
        Outcome.INCOMPLETE, _("No copy of yours to add this photo to: send the figures first.")
    )


def not_fetched() -> sms.Handled:
    return sms.Handled(Outcome.INCOMPLETE, _("The photo could not be fetched from Telegram: send it again."))
