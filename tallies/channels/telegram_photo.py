"""Protocol photos sent to the Telegram bot, stored as evidence of a copy (the web's path).

A photo alone (or captioned with a station number) goes with the observer's latest copy (of
that station); a photo captioned with a protocol in the SMS format goes with the copy those
figures store. Of the sizes Telegram sends, the largest is fetched (getFile) and stored through
tallies.services.photos.add_copy_photos: checked like an upload, EXIF/GPS stripped by the
sanitising task, and stored once per copy (by SHA-256), so a resent photo adds nothing.
A photo with no copy to go with (and no guided entry open) becomes a photo-only copy
(tallies.services.photos.submit_photo_only_copy), transcribed at the desk.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from elections.models import PollingStation
from observers.models import Observer
from observers.services import evidence
from observers.services.visits import live_stations
from tallies.channels import sms, sms_figures, telegram_api
from tallies.channels.telegram_api import Incoming
from tallies.errors import FieldError, IdempotencyConflict
from tallies.models import ChannelMessage, ProtocolCopy, TelegramBot
from tallies.services import photos

Outcome = ChannelMessage.Outcome


def to_latest_copy(
    bot: TelegramBot, incoming: Incoming, observer: Observer, number: str, photo_only: bool
) -> sms.Handled:
    """Store the photo with the observer's latest copy (of station `number` if the caption names
    one). With no such copy it becomes a photo-only copy if `photo_only` (no guided entry open),
    else nothing is stored and the reply says to send the figures first."""
    copies = ProtocolCopy.objects.sent_by(observer).select_related("station")
    if number:
        station = sms_figures.find_station(observer, number)
        copies = copies.filter(station=station) if station is not None else copies.none()
    copy = copies.order_by("-submitted_at", "-id").first()
    if copy is not None:
        return attach(bot, incoming, observer, copy)
    if photo_only:
        return photo_only_copy(bot, incoming, observer, number)
    return _no_copy()


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
        return _no_copy()
    upload = _download(bot, incoming)
    if upload is None:
        return _not_fetched()
    try:
        added = photos.add_copy_photos(copy=copy, uploads=[upload], user=observer.user)
    except evidence.EvidenceRefused as error:
        return sms.Handled(Outcome.REFUSED, error.message, copy=copy)
    return _photo_stored(copy, copy.station, bool(added))


def photo_only_client_uuid(bot: TelegramBot, incoming: Incoming) -> uuid.UUID:
    """The photo-only copy's key: the album (media_group_id) or else the message, so a retry, a
    resend or the album's other photos add to one copy."""
    sent = f"album:{incoming.media_group_id}" if incoming.media_group_id else f"message:{incoming.message_id}"
    return uuid.uuid5(sms.NAMESPACE, f"tg-photo:{bot.public_id}:{incoming.chat_id}:{sent}")


def photo_only_copy(bot: TelegramBot, incoming: Incoming, observer: Observer, number: str) -> sms.Handled:
    """A photo with no copy to go with: a photo-only copy of the station the caption names, or
    of the observer's only live station, through tallies.services.photos.submit_photo_only_copy
    (the mandate rule, the evidence path); coordinators transcribe it at the desk."""
    station = _station(observer, number)
    if isinstance(station, sms.Handled):
        return station
    upload = _download(bot, incoming)
    if upload is None:
        return _not_fetched()
    try:
        submitted, added = photos.submit_photo_only_copy(
            observer=observer,
            station=station,
            uploads=[upload],
            client_uuid=photo_only_client_uuid(bot, incoming),
            channel=ProtocolCopy.Channel.TELEGRAM,
        )
    except (FieldError, IdempotencyConflict, evidence.EvidenceRefused, PermissionDenied) as error:
        return sms.Handled(Outcome.REFUSED, str(getattr(error, "message", error)))
    if not submitted.created:
        return _photo_stored(submitted.copy, station, bool(added))
    text = _(
        "Stored as copy no. %(copy)s of station %(station)s, photos only: coordinators will "
        "transcribe the figures. More photos of this protocol: send them now."
    ) % {"copy": submitted.copy.pk, "station": station.number}
    return sms.Handled(Outcome.STORED, text, copy=submitted.copy)


def _station(observer: Observer, number: str) -> PollingStation | sms.Handled:
    """The station named in the caption, or the observer's only live one; else the refusal."""
    if number:
        station = sms_figures.find_station(observer, number)
        if station is not None:
            return station
        text = _("You have no live mandate for polling station %(number)s, so you cannot send its copy.")
        return sms.Handled(Outcome.REFUSED, text % {"number": number[:40]})
    stations = list(live_stations(observer)[:2])
    if len(stations) == 1:
        return stations[0]
    if not stations:
        text = _("You have no live mandate for any polling station, so you cannot send a copy.")
        return sms.Handled(Outcome.REFUSED, text)
    return sms.Handled(
        Outcome.INCOMPLETE,
        _("Which station is this protocol of? Send the photo again with its number as the caption."),
    )


def _download(bot: TelegramBot, incoming: Incoming) -> SimpleUploadedFile | None:
    """The photo's largest size as an upload, or None when Telegram could not give it."""
    data = telegram_api.download_file(bot, incoming.photo_file_id, evidence.MAX_UPLOAD_BYTES)
    if data is None:
        return None
    return SimpleUploadedFile(f"telegram-{incoming.photo_unique_id}.jpg", data)


def _photo_stored(copy: ProtocolCopy, station: PollingStation, added: bool) -> sms.Handled:
    values = {"copy": copy.pk, "station": station.number}
    if added:
        text = _("Photo stored with copy no. %(copy)s, station %(station)s.") % values
        return sms.Handled(Outcome.STORED, text, copy=copy)
    text = _("This photo is already stored with copy no. %(copy)s, station %(station)s.") % values
    return sms.Handled(Outcome.DUPLICATE, text, copy=copy)


def _no_copy() -> sms.Handled:
    return sms.Handled(
        Outcome.INCOMPLETE, _("No copy of yours to add this photo to: send the figures first.")
    )


def _not_fetched() -> sms.Handled:
    return sms.Handled(Outcome.INCOMPLETE, _("The photo could not be fetched from Telegram: send it again."))
