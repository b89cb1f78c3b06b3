"""Photo-only copies sent to the Telegram bot: photos of a protocol and no figures (issue 18).

A photo with no copy of the observer's to go with becomes a photo-only copy of the station its
caption names (or of the observer's only live station), stored through
tallies.services.photos.submit_photo_only_copy (the mandate rule, the evidence path) and
transcribed at the desk. Where the station's election has several contests the bot cannot tell
which protocol it is: it keeps the photo in a TelegramEntry (status "contest", `photos` set)
and asks with a button per contest, as the guided entry does; more photos sent meanwhile (an
album's others) join it; the pressed contest stores the copy with all of them. Nothing is
stored before the contest is pressed; /cancel or /enter drops the waiting photos.
The same mechanism keeps a photo meant for an existing copy when the observer's copies at the
station are of several contests (`photos_for` "latest_copy", tallies/channels/telegram_photo.py):
the buttons are then the contests they sent a copy of there, and the pressed one's latest copy
gets the photos.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.models import Observer
from observers.services import evidence
from observers.services.visits import live_stations
from tallies.channels import guided_text as say
from tallies.channels import sms, sms_figures, telegram_photo
from tallies.channels.telegram_api import Answer, Incoming, Keyboard
from tallies.errors import FieldError, IdempotencyConflict
from tallies.models import ChannelMessage, ProtocolCopy, TelegramBot, TelegramEntry
from tallies.services import photos

Outcome = ChannelMessage.Outcome
Status = TelegramEntry.Status
PhotosFor = TelegramEntry.PhotosFor


def client_uuid(bot: TelegramBot, incoming: Incoming) -> uuid.UUID:
    """The photo-only copy's key: the album (media_group_id) or else the message, so a retry, a
    resend or the album's other photos add to one copy."""
    sent = f"album:{incoming.media_group_id}" if incoming.media_group_id else f"message:{incoming.message_id}"
    return uuid.uuid5(sms.NAMESPACE, f"tg-photo:{bot.public_id}:{incoming.chat_id}:{sent}")


def contests_of(station: PollingStation) -> list[Contest]:
    """The contests of the station's election with their forms, in a stable order (by id)."""
    return list(
        Contest.objects.filter(election_id=station.pec.election_id).select_related("form").order_by("pk")
    )


def waiting_entry(bot: TelegramBot, incoming: Incoming) -> TelegramEntry | None:
    """The sender's open entry of this chat that holds photos waiting for their contest, locked."""
    return _waiting(bot, incoming).select_for_update(of=("self",)).first()


def _waiting(bot: TelegramBot, incoming: Incoming) -> QuerySet[TelegramEntry]:
    return (
        TelegramEntry.objects.filter(
            bot=bot, telegram_user_id=incoming.user_id, chat_id=incoming.chat_id, status=Status.CONTEST
        )
        .exclude(photos=[])
        .select_related("station", "observer")
    )


def photo_only_copy(bot: TelegramBot, incoming: Incoming, observer: Observer, number: str) -> Answer:
    """A photo with no copy to go with: a photo-only copy of the station the caption names, or
    of the observer's only live station; where the election has several contests, the question
    which (buttons) and the photo kept until it is answered."""
    station = _station(observer, number)
    if isinstance(station, sms.Handled):
        return _as_answer(station)
    contests = contests_of(station)
    if len(contests) > 1:
        return ask_contest(bot, incoming, observer, station, contests)
    upload = telegram_photo.download(bot, incoming.photo_file_id, incoming.photo_unique_id)
    if upload is None:
        return _as_answer(telegram_photo.not_fetched())
    contest = contests[0] if contests else None  # no contest: the service refuses, naming it
    return _submit(observer, station, contest, [upload], client_uuid(bot, incoming))


def ask_contest(
    bot: TelegramBot,
    incoming: Incoming,
    observer: Observer,
    station: PollingStation,
    contests: list[Contest],
    photos_for: str = PhotosFor.NEW_COPY,
) -> Answer:
    """Keep the photo in a new entry waiting for one of `contests` (then going where
    `photos_for` says) and ask which; an album's photo arriving at the same time (one open
    entry per chat) joins the entry the other one made. While a guided entry is open nothing
    is kept, and the reply says to finish it first."""
    try:
        with transaction.atomic():
            entry = TelegramEntry.objects.create(
                bot=bot,
                observer=observer,
                telegram_user_id=incoming.user_id,
                chat_id=incoming.chat_id,
                station=station,
                status=Status.CONTEST,
                photos=[_photo(bot, incoming)],
                photos_for=photos_for,
            )
    except IntegrityError:
        waiting = waiting_entry(bot, incoming)
        if waiting is not None:
            return add_photo(bot, waiting, incoming)
        text = _(
            "A guided entry is open in this chat, so the bot cannot ask which contest this photo "
            "is of: finish the entry (or /cancel it), then send the photo again."
        )
        return Answer(Outcome.INCOMPLETE, text)
    text, keyboard = question(entry, contests)
    return Answer(Outcome.GUIDED, text, keyboard=keyboard)


def add_photo(bot: TelegramBot, entry: TelegramEntry, incoming: Incoming) -> Answer:
    """Another photo while the contest is asked: kept with the others (once: the same photo
    delivered again adds nothing); the question is asked again, its buttons still valid."""
    photo = _photo(bot, incoming)
    new = all(kept["unique_id"] != photo["unique_id"] for kept in entry.photos)
    if new:
        entry.photos.append(photo)
        entry.save(update_fields=["photos"])
    text, keyboard = question(entry, entry_contests(entry))
    kept = _("Photo kept (%(count)s in all).") % {"count": len(entry.photos)}
    return Answer(Outcome.GUIDED if new else Outcome.DUPLICATE, f"{kept} {text}", keyboard=keyboard)


def entry_contests(entry: TelegramEntry) -> list[Contest]:
    """The contests `entry` may be given, by id: those of its station's election, or for photos
    meant for an existing copy those the observer sent a copy of at the station."""
    assert entry.station is not None
    if entry.photos_for == PhotosFor.LATEST_COPY:
        latest = telegram_photo.latest_at(entry.observer, entry.station)
        return sorted((copy.contest for copy in latest), key=lambda contest: contest.pk)
    return contests_of(entry.station)


def question(entry: TelegramEntry, contests: list[Contest]) -> tuple[str, Keyboard]:
    """Which contest the waiting photos are of: the text, a button per contest and Cancel."""
    text, keyboard = say.choose_contest(entry, contests)
    if entry.photos_for == PhotosFor.LATEST_COPY:
        station = entry.station.number if entry.station else "?"
        text = _(
            "Station %(station)s: you sent copies of several contests there. Which contest is this photo of?"
        ) % {"station": station}
    return text, keyboard


def contest_chosen(entry: TelegramEntry, contest: Contest) -> Answer:
    """The contest pressed for the waiting photos: fetch them all and store the photo-only copy
    (under the first photo's key); the entry is then closed. When a photo cannot be fetched
    nothing is stored and the entry stays open, to press again. Photos meant for an existing
    copy go to it instead (telegram_photo.to_contest_copy)."""
    assert entry.station is not None
    if entry.photos_for == PhotosFor.LATEST_COPY:
        return telegram_photo.to_contest_copy(entry, contest)
    fetched = [
        telegram_photo.download(entry.bot, kept["file_id"], kept["unique_id"]) for kept in entry.photos
    ]
    uploads = [upload for upload in fetched if upload is not None]
    if len(uploads) < len(fetched):
        return _as_answer(telegram_photo.not_fetched())
    key = uuid.UUID(entry.photos[0]["key"])
    handled = _submit(entry.observer, entry.station, contest, uploads, key)
    entry.contest, entry.copy = contest, handled.copy
    entry.status = Status.STORED if handled.copy else Status.CANCELLED
    say.save(entry)
    return handled


def _photo(bot: TelegramBot, incoming: Incoming) -> dict[str, str]:
    """What is kept of a waiting photo: its largest size's ids, and the copy's key it gives."""
    return {
        "file_id": incoming.photo_file_id,
        "unique_id": incoming.photo_unique_id,
        "key": str(client_uuid(bot, incoming)),
    }


def _submit(
    observer: Observer,
    station: PollingStation,
    contest: Contest | None,
    uploads: list[SimpleUploadedFile],
    key: uuid.UUID,
) -> Answer:
    """Store the photo-only copy through tallies.services.photos.submit_photo_only_copy (the
    mandate rule, the evidence path): its receipt, or the refusal."""
    try:
        submitted, added = photos.submit_photo_only_copy(
            observer=observer,
            station=station,
            uploads=list(uploads),
            client_uuid=key,
            channel=ProtocolCopy.Channel.TELEGRAM,
            contest=contest,
        )
    except (FieldError, IdempotencyConflict, evidence.EvidenceRefused, PermissionDenied) as error:
        return Answer(Outcome.REFUSED, str(getattr(error, "message", error)))
    if not submitted.created:
        return _as_answer(telegram_photo.photo_stored(submitted.copy, station, bool(added)))
    text = _(
        "Stored as copy no. %(copy)s of station %(station)s, photos only: coordinators will "
        "transcribe the figures. More photos of this protocol: send them now."
    ) % {"copy": submitted.copy.pk, "station": station.number}
    return Answer(Outcome.STORED, text, copy=submitted.copy)


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


def _as_answer(handled: sms.Handled) -> Answer:
    return Answer(handled.outcome, handled.reply, handled.observer, handled.copy)
