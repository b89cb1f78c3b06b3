"""Guided entry in the Telegram bot: pick a station, answer line by line, check, confirm.

``/enter`` opens a TelegramEntry (the conversation's state, in the database): the observer
presses one of the stations of their live mandates (inline buttons, callback queries answered
with answerCallbackQuery), then the contest if the election has several; each line of the form
and each ballot option is asked in form order, in the observer's language. They can go back,
mark a figure "not on the copy", correct any line from the summary, which shows the control
relations checked by the submission service's own evaluation; "Confirm" stores the copy through
tallies.services.submission.submit_protocol_copy (channel "telegram", the mandate rule, the
findings), a revision of their newest copy of the station if there is one.

Resends and double taps: a retried update is dropped before it gets here (telegram.py); a
message already taken as an answer is not taken again; every button carries the entry's token
and version, so only the newest message's buttons work, a second tap on "Confirm" finds the
entry stored; and the copy's client_uuid is uuid5 of the bot, chat, pressed message and entry
version, so even a racing tap stores nothing twice (the entry row is locked as well).
Edits: an edited answer replaces it while the entry is open; after confirming, an edit changes
nothing and the bot says how to send a correction.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from elections.sorting import natural_key
from observers.models import Observer
from observers.services.visits import live_stations
from tallies.channels import guided_text as say
from tallies.channels import sms, sms_figures, telegram_photo_only
from tallies.channels.guided_text import Question
from tallies.channels.sms_format import number_key, parse
from tallies.channels.telegram_api import Answer, Incoming, Keyboard
from tallies.errors import FieldError, IdempotencyConflict
from tallies.models import ChannelMessage, ProtocolCopy, TelegramBot, TelegramEntry
from tallies.services.copy_validation import MAX_VOTES
from tallies.services.submission import submit_protocol_copy

Outcome = ChannelMessage.Outcome
Status = TelegramEntry.Status
_save = say.save
PAIRS = "*"  # TelegramEntry.messages value of a message of several code=figure pairs


def _step(text: str, keyboard: Keyboard | None = None) -> Answer:
    """A step of the entry: the next question (with its buttons) or a plain statement."""
    return Answer(Outcome.GUIDED, text, keyboard=keyboard)


def _chat_entries(bot: TelegramBot, incoming: Incoming) -> QuerySet[TelegramEntry]:
    return TelegramEntry.objects.filter(
        bot=bot, telegram_user_id=incoming.user_id, chat_id=incoming.chat_id
    ).select_related("station", "contest__form")


def has_open_entry(bot: TelegramBot, incoming: Incoming) -> bool:
    """Whether the sender has a guided entry open in this chat."""
    return _chat_entries(bot, incoming).filter(status__in=TelegramEntry.OPEN).exists()


def start(bot: TelegramBot, incoming: Incoming, observer: Observer) -> Answer:
    """``/enter``: a new entry (any open one in this chat is cancelled), the station buttons."""
    stations = sorted(live_stations(observer), key=lambda station: natural_key(station.number))
    if not stations:
        text = _("You have no live mandate for any polling station, so you cannot send a copy.")
        return Answer(Outcome.REFUSED, text)
    with transaction.atomic():
        _chat_entries(bot, incoming).filter(status__in=TelegramEntry.OPEN).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
        entry = TelegramEntry.objects.create(
            bot=bot, observer=observer, telegram_user_id=incoming.user_id, chat_id=incoming.chat_id
        )
    return _step(*say.choose_station(entry, stations))


def cancel(bot: TelegramBot, incoming: Incoming) -> Answer:
    """``/cancel``: close the open entry of this chat; nothing is stored."""
    closed = _chat_entries(bot, incoming).filter(status__in=TelegramEntry.OPEN)
    if not closed.update(status=Status.CANCELLED, updated_at=timezone.now()):
        return Answer(Outcome.REFUSED, _("There is no entry to cancel. Send /enter to start one."))
    return _step(_("Entry cancelled; nothing stored. Send /enter to start again."))


@transaction.atomic
def on_message(bot: TelegramBot, incoming: Incoming, observer: Observer) -> Answer | None:
    """A message (or an edit of one) for the guided entry; None when it is not one (then it is
    read as a protocol in one message, or a photo)."""
    if incoming.has_photo:  # a photo, captioned or not, is a photo (telegram_photo.py)
        return None
    entries = _chat_entries(bot, incoming).select_for_update(of=("self",))
    if incoming.edit_date:
        edited = entries.filter(messages__has_key=str(incoming.message_id)).order_by("-pk").first()
        return _edit(edited, incoming) if edited else None
    entry = entries.filter(status__in=TelegramEntry.OPEN).first()
    if entry is None or entry.observer_id != observer.pk or not _answer_shaped(incoming.text):
        return None
    if str(incoming.message_id) in entry.messages:  # the same message delivered again
        return Answer(Outcome.DUPLICATE, "")
    if entry.status == Status.STATION:
        return _station_typed(entry, incoming.text.strip())
    if entry.status == Status.CONTEST:
        return _step(*telegram_photo_only.question(entry, _contests(entry)))
    asked = say.questions(entry.contest)  # type: ignore[arg-type]
    if "=" in incoming.text:
        return _pairs(entry, asked, incoming)
    if entry.status == Status.REVIEW:
        return _step(*say.review(entry, asked))
    return _answer(entry, asked, incoming)


def _answer_shaped(text: str) -> bool:
    """One word (a figure, a station number) or only code=figure pairs: not a whole protocol."""
    parsed = parse(text)
    words = text.split()
    return bool(words) and (len(words) == 1 or not (parsed.observer_code or parsed.unknown))


def _value(text: str) -> int | str | None:
    """A figure as typed: its count, None for "not on the copy" ('-' or '?'), else the text."""
    typed = number_key(text)
    if typed in sms_figures.NOT_ON_THE_COPY:
        return None
    if typed.isdecimal() and int(typed) <= MAX_VOTES:
        return int(typed)
    return text


def _station_typed(entry: TelegramEntry, number: str) -> Answer:
    station = sms_figures.find_station(entry.observer, number.lstrip("№#"))
    if station is None:
        text = _("You have no live mandate for polling station %(number)s, so you cannot send its copy.")
        return Answer(Outcome.REFUSED, text % {"number": number[:40]})
    return _choose_station(entry, station)


def _answer(entry: TelegramEntry, asked: list[Question], incoming: Incoming) -> Answer:
    question = asked[entry.step]
    value = _value(incoming.text.strip())
    if isinstance(value, str):
        return Answer(Outcome.INCOMPLETE, say.not_a_figure(value, question))
    entry.answers[question.key] = value
    entry.messages[str(incoming.message_id)] = question.key
    return _advance(entry, asked)


def _advance(entry: TelegramEntry, asked: list[Question]) -> Answer:
    """The next question, or the summary when every figure is answered (or back from a fix)."""
    if entry.back_to_review or entry.step + 1 >= len(asked):
        return _to_review(entry, asked)
    entry.step += 1
    _save(entry)
    return _step(*say.ask(entry, asked))


def _to_review(entry: TelegramEntry, asked: list[Question]) -> Answer:
    unanswered = [i for i, q in enumerate(asked) if q.key not in entry.answers]
    entry.back_to_review = False
    if unanswered:
        entry.status, entry.step = Status.ENTERING, unanswered[0]
        _save(entry)
        return _step(*say.ask(entry, asked))
    entry.status = Status.REVIEW
    _save(entry)
    return _step(*say.review(entry, asked))


def _pairs(entry: TelegramEntry, asked: list[Question], incoming: Incoming) -> Answer:
    """``9=41 10=2000``: set those figures (at any step, or from the summary)."""
    by_short = {q.short: q for q in asked}
    parsed = parse(incoming.text)
    wrong, given = [*parsed.unknown], {}
    for short, typed in parsed.pairs.items():
        value = _value(typed)
        if short not in by_short or isinstance(value, str):
            wrong.append(f"{short}={typed}")
        else:
            given[by_short[short].key] = value
    if wrong:  # all or nothing: a pair not understood may be a figure meant for another line
        text = _("Nothing changed. Not understood: %(items)s.") % {"items": ", ".join(wrong)[:200]}
        return Answer(Outcome.INCOMPLETE, text)
    entry.answers.update(given)
    entry.messages[str(incoming.message_id)] = PAIRS
    if entry.status == Status.REVIEW:
        _save(entry)
        return _step(*say.review(entry, asked))
    return _to_review(entry, asked)


def _edit(entry: TelegramEntry, incoming: Incoming) -> Answer:
    """An answering message edited: replace its figure(s) while the entry is open; else say how
    to correct a stored copy (the edit changes nothing)."""
    if entry.status == Status.STORED:
        text = _(
            "Copy no. %(copy)s is already stored: your edit did not change it. To correct it, send "
            "/enter and enter the protocol again, or the whole protocol in one message; it is "
            "stored as a revision of your copy."
        ) % {"copy": entry.copy_id}
        return Answer(Outcome.REFUSED, text, copy=entry.copy)
    if entry.status not in TelegramEntry.OPEN:
        return Answer(Outcome.REFUSED, _("That entry was cancelled, so your edit changed nothing."))
    asked = say.questions(entry.contest)  # type: ignore[arg-type]
    key = entry.messages[str(incoming.message_id)]
    if key == PAIRS:
        return _pairs(entry, asked, incoming)
    question = next((q for q in asked if q.key == key), None)
    if question is None:  # not an answer of this entry's form: nothing to replace
        return Answer(Outcome.DUPLICATE, "")
    value = _value(incoming.text.strip())
    if isinstance(value, str):
        return Answer(Outcome.INCOMPLETE, say.not_a_figure(value, question))
    entry.answers[key] = value
    _save(entry)
    changed = _("%(code)s changed to %(value)s.") % {"code": question.short, "value": say.shown_value(value)}
    text, keyboard = say.review(entry, asked) if entry.status == Status.REVIEW else say.ask(entry, asked)
    return _step(f"{changed}\n\n{text}", keyboard)


@transaction.atomic
def on_button(bot: TelegramBot, incoming: Incoming) -> Answer:
    """A pressed button: acted on only if it is on the newest message of the presser's own
    open entry; otherwise a polite notice and nothing changes."""
    pressed = say.read_button(incoming.text)
    entry = (
        TelegramEntry.objects.select_for_update(of=("self",))
        .select_related("station", "contest__form", "observer", "copy")
        .filter(bot=bot, token=pressed.token if pressed else "")
        .first()
    )
    if pressed is None or entry is None:
        return _notice(Outcome.REFUSED, _("This button is no longer valid. Send /enter to start again."))
    if entry.telegram_user_id != incoming.user_id or entry.chat_id != incoming.chat_id:
        return _notice(Outcome.REFUSED, _("This button is not yours."))
    if entry.status == Status.STORED and pressed.action == "ok":
        return _notice(Outcome.DUPLICATE, _("Already stored: copy no. %(copy)s.") % {"copy": entry.copy_id})
    if entry.status not in TelegramEntry.OPEN or pressed.version != entry.version:
        return _notice(Outcome.REFUSED, _("This button is no longer current: use the newest message."))
    return _press(entry, pressed, incoming)


def _notice(outcome: str, text: str) -> Answer:
    return Answer(outcome, "", notice=text)


def _press(entry: TelegramEntry, pressed: say.Button, incoming: Incoming) -> Answer:
    if pressed.action == "x":
        entry.status = Status.CANCELLED
        _save(entry)
        return _step(_("Entry cancelled; nothing stored. Send /enter to start again."))
    if entry.status == Status.STATION and pressed.action == "s" and pressed.argument.isdecimal():
        station = live_stations(entry.observer).filter(pk=int(pressed.argument)).first()
        if station is None:  # a mandate withdrawn since the buttons were sent
            return _notice(Outcome.REFUSED, _("You no longer hold a live mandate for this station."))
        return _choose_station(entry, station)
    if entry.status == Status.CONTEST and pressed.action == "c":
        contest = next((c for c in _contests(entry) if str(c.pk) == pressed.argument), None)
        if contest is not None and entry.photos:  # photos only (telegram_photo_only.py)
            return telegram_photo_only.contest_chosen(entry, contest)
        if contest is not None:
            return _begin(entry, contest)
    asked = say.questions(entry.contest) if entry.contest else []
    if entry.status == Status.ENTERING and pressed.action in ("b", "m"):
        return _back(entry, asked) if pressed.action == "b" else _mark_missing(entry, asked)
    if entry.status == Status.REVIEW and pressed.action == "f" and pressed.argument.isdecimal():
        entry.status, entry.step, entry.back_to_review = Status.ENTERING, int(pressed.argument), True
        entry.step = min(entry.step, len(asked) - 1)
        _save(entry)
        return _step(*say.ask(entry, asked))
    if entry.status == Status.REVIEW and pressed.action == "ok":
        return _confirm(entry, incoming)
    return _notice(Outcome.REFUSED, _("This button is no longer current: use the newest message."))


def _choose_station(entry: TelegramEntry, station: PollingStation) -> Answer:
    entry.station, entry.status = station, Status.CONTEST
    contests = _contests(entry)
    if len(contests) == 1:
        return _begin(entry, contests[0])
    _save(entry)
    return _step(*say.choose_contest(entry, contests))


def _contests(entry: TelegramEntry) -> list[Contest]:
    """The contests the entry may be given: its station's election's, with their forms (for
    photos waiting for an existing copy: those of the observer's copies there)."""
    return telegram_photo_only.entry_contests(entry)


def _begin(entry: TelegramEntry, contest: Contest) -> Answer:
    entry.contest = contest
    entry.status, entry.step, entry.answers, entry.back_to_review = Status.ENTERING, 0, {}, False
    _save(entry)
    return _step(*say.ask(entry, say.questions(contest)))


def _back(entry: TelegramEntry, asked: list[Question]) -> Answer:
    entry.step = max(entry.step - 1, 0)
    _save(entry)
    return _step(*say.ask(entry, asked))


def _mark_missing(entry: TelegramEntry, asked: list[Question]) -> Answer:
    entry.answers[asked[entry.step].key] = None
    return _advance(entry, asked)


def client_uuid(bot: TelegramBot, entry: TelegramEntry, incoming: Incoming) -> uuid.UUID:
    """The copy's idempotency key: the pressed message of this entry's state (bot, chat, message
    id, entry token and version), so a double tap or a retried update gives the same key."""
    key = f"tg-entry:{bot.public_id}:{incoming.chat_id}:{incoming.message_id}:{entry.token}:{entry.version}"
    return uuid.uuid5(sms.NAMESPACE, key)


def _confirm(entry: TelegramEntry, incoming: Incoming) -> Answer:
    """Store the copy through the submission service; the entry is then closed (STORED)."""
    assert entry.station is not None and entry.contest is not None
    figures, missing = say.figures(entry)
    key = client_uuid(entry.bot, entry, incoming)
    newest = (
        ProtocolCopy.objects.sent_by(entry.observer)
        .filter(contest=entry.contest, station=entry.station, revised_by__isnull=True)
        .first()
    )
    counted = sms_figures.SmsFigures(lines=dict(figures.lines), options=dict(figures.options), marked=missing)
    if newest and newest.client_uuid != key and sms.same_figures(newest, counted):
        return _stored(entry, newest, created=False)
    try:
        submitted = submit_protocol_copy(
            observer=entry.observer,
            contest=entry.contest,
            station=entry.station,
            lines=figures.lines,
            options=figures.options,
            client_uuid=key,
            channel=ProtocolCopy.Channel.TELEGRAM,
            revises=newest,
            missing=missing,
        )
    except (FieldError, IdempotencyConflict) as error:
        return Answer(Outcome.REFUSED, getattr(error, "message", str(error)))
    return _stored(entry, submitted.copy, submitted.created)


def _stored(entry: TelegramEntry, copy: ProtocolCopy, created: bool) -> Answer:
    entry.status, entry.copy = Status.STORED, copy
    _save(entry)
    outcome = Outcome.STORED if created else Outcome.DUPLICATE
    return Answer(outcome, sms.receipt(copy, created), copy=copy)
