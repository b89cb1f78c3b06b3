"""Protocol photos sent to the Telegram bot, stored as evidence of a copy (the web's path).

A photo alone (or captioned with a station number) goes with the observer's latest copy at a
station: the one the caption names, else the station of their latest copy. Where their copies
there are of several contests (a party list and a district, both protocols handed over) the
bot does not guess: it keeps the photo waiting in a TelegramEntry (`photos_for` "latest_copy",
the photo-only flow's mechanism, tallies/channels/telegram_photo_only.py) and asks with a
button per contest they sent a copy of there; the pressed one's latest copy gets the photo.
A photo captioned with a protocol in the SMS format goes with the copy those figures store.
Of the sizes Telegram sends, the largest is fetched (getFile) and stored through
tallies.services.photos.add_copy_photos: checked like an upload, EXIF/GPS stripped by the
sanitising task, and stored once per copy (by SHA-256), so a resent photo adds nothing.
A photo with no copy to go with (and no guided entry open) becomes a photo-only copy
(tallies/channels/telegram_photo_only.py), transcribed at the desk.
"""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.models import Observer
from observers.services import evidence
from tallies.channels import guided_text as say
from tallies.channels import sms, sms_figures, telegram_api
from tallies.channels.telegram_api import Answer, Incoming
from tallies.models import ChannelMessage, ProtocolCopy, TelegramBot, TelegramEntry
from tallies.services import photos

Outcome = ChannelMessage.Outcome
LATEST_COPY = TelegramEntry.PhotosFor.LATEST_COPY
# The outcome of several photos stored at once: the first of these any of them had.
PRECEDENCE: list[str] = [Outcome.STORED, Outcome.INCOMPLETE, Outcome.REFUSED, Outcome.DUPLICATE]


def to_latest_copy(bot: TelegramBot, incoming: Incoming, observer: Observer, number: str) -> Answer | None:
    """Store the photo with the observer's latest copy at the station (`number`'s if the caption
    names one, else their latest copy's); where their copies there are of several contests, the
    question which (buttons), the photo kept until it is pressed. None when there is no such
    copy (the caller decides: a photo-only copy, or no_copy)."""
    latest = latest_copies(observer, number)
    if len(latest) == 1:
        return _as_answer(attach(bot, observer, latest[0], incoming.photo_file_id, incoming.photo_unique_id))
    if not latest:
        return None
    from tallies.channels import telegram_photo_only  # it imports this module: import here

    station = latest[0].station
    contests = sorted((copy.contest for copy in latest), key=lambda contest: contest.pk)
    return telegram_photo_only.ask_contest(bot, incoming, observer, station, contests, LATEST_COPY)


def latest_copies(observer: Observer, number: str) -> list[ProtocolCopy]:
    """The observer's latest copy of each contest at the station `number` names (or, with no
    number, at the station of their latest copy), newest first; [] when they have none there."""
    if number:
        station = sms_figures.find_station(observer, number)
    else:
        newest = (
            ProtocolCopy.objects.sent_by(observer)
            .select_related("station")
            .order_by("-submitted_at", "-id")
            .first()
        )
        station = newest.station if newest else None
    return latest_at(observer, station) if station is not None else []


def latest_at(observer: Observer, station: PollingStation) -> list[ProtocolCopy]:
    """The observer's latest copy of each contest at `station`, newest first."""
    copies = ProtocolCopy.objects.sent_by(observer).filter(station=station)
    latest: dict[int, ProtocolCopy] = {}
    for copy in copies.select_related("station", "contest").order_by("-submitted_at", "-id"):
        latest.setdefault(copy.contest_id, copy)
    return list(latest.values())


def to_contest_copy(entry: TelegramEntry, contest: Contest) -> Answer:
    """The contest pressed for photos waiting for it (`photos_for` "latest_copy"): each is
    stored with the observer's latest copy of `contest` at the entry's station, and the entry is
    closed. When a photo cannot be fetched the entry stays open, to press again (the photos
    already stored are then duplicates, which add nothing)."""
    assert entry.station is not None
    copy = next((c for c in latest_at(entry.observer, entry.station) if c.contest_id == contest.pk), None)
    if copy is None:  # not one of the buttons sent: nothing to add the photos to
        return _as_answer(no_copy())
    stored = [
        attach(entry.bot, entry.observer, copy, kept["file_id"], kept["unique_id"]) for kept in entry.photos
    ]
    if all(handled.outcome != Outcome.INCOMPLETE for handled in stored):
        entry.contest, entry.copy, entry.status = contest, copy, TelegramEntry.Status.STORED
        say.save(entry)
    outcome = min((handled.outcome for handled in stored), key=PRECEDENCE.index)
    replies = dict.fromkeys(handled.reply for handled in stored)  # an album's lines, once each
    return Answer(outcome, "\n".join(replies), copy=copy)


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
    photo = attach(bot, observer, figures.copy, incoming.photo_file_id, incoming.photo_unique_id)
    if photo.outcome == Outcome.STORED:
        figures.outcome = Outcome.STORED
    figures.reply = f"{figures.reply}\n{photo.reply}"
    return figures


def attach(
    bot: TelegramBot, observer: Observer, copy: ProtocolCopy, file_id: str, unique_id: str
) -> sms.Handled:
    """Fetch the photo (`file_id`, its largest size) and store it with `copy`; STORED, DUPLICATE
    (this photo is already with the copy), INCOMPLETE (not fetched) or REFUSED (not an image we
    accept)."""
    if observer.user is None:
        return no_copy()
    upload = download(bot, file_id, unique_id)
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
    """The reply for a photo stored with `copy` (`added`) or already with it; it names the
    contest where the election has several."""
    values = {"copy": copy.pk, "station": station.number, "contest": copy.contest.local_name}
    several = Contest.objects.filter(election_id=copy.contest.election_id).count() > 1
    if added and several:
        text = _("Photo stored with copy no. %(copy)s, station %(station)s, %(contest)s.") % values
    elif added:
        text = _("Photo stored with copy no. %(copy)s, station %(station)s.") % values
    elif several:
        text = (
            _("This photo is already stored with copy no. %(copy)s, station %(station)s, %(contest)s.")
            % values
        )
    else:
        text = _("This photo is already stored with copy no. %(copy)s, station %(station)s.") % values
    return sms.Handled(Outcome.STORED if added else Outcome.DUPLICATE, text, copy=copy)


def no_copy() -> sms.Handled:
    return sms.Handled(
        Outcome.INCOMPLETE, _("No copy of yours to add this photo to: send the figures first.")
    )


def not_fetched() -> sms.Handled:
    return sms.Handled(Outcome.INCOMPLETE, _("The photo could not be fetched from Telegram: send it again."))


def _as_answer(handled: sms.Handled) -> Answer:
    return Answer(handled.outcome, handled.reply, handled.observer, handled.copy)
