"""The Telegram bot: link an account with a one-time code, then take copies in the SMS format.

An observer linked once (``/start <code>`` or ``/link <code>``, the code from the web page
"Telegram") sends one message ``<station> [<contest>] <line>=<n> … P<option>=<n>`` (their
observer code first is allowed, as in an SMS). The copy goes through the same path as an SMS
(tallies.channels.sms.for_observer), so the mandate rule, findings and receipts are the same.

Resends: Telegram retries an update it got no 2xx for; an update id already logged is not
handled again. The copy's client_uuid is uuid5 of the bot, chat, message id and edit date, so
the same message stores once and an edited message changing a figure becomes a revision.
A photo (no caption, or a station number) becomes evidence of the observer's latest copy (the
bot asks of which contest where they sent copies of several at the station); one captioned
with a protocol in the SMS format stores the copy and the photo with it.
``/enter`` starts a guided entry (tallies/channels/guided.py): buttons and one line at a time.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

from django.db import DatabaseError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from observers.models import Observer
from tallies.channels import guided, sms, sms_figures, telegram_link, telegram_photo, telegram_photo_only
from tallies.channels.sms_format import parse
from tallies.channels.telegram_api import Answer, Incoming, answer_callback_query, read_update, send_message
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, TelegramBot

logger = logging.getLogger(__name__)
Outcome = ChannelMessage.Outcome
TELEGRAM = ProtocolCopy.Channel.TELEGRAM
LINK_COMMANDS = ("/start", "/link")
GUIDED_COMMANDS = ("/enter", "/new")
CANCEL_COMMAND = "/cancel"


def client_uuid(bot: TelegramBot, incoming: Incoming) -> uuid.UUID:
    """The copy's idempotency key: the same message (and edit) of the same chat gives the same key."""
    key = f"tg:{bot.public_id}:{incoming.chat_id}:{incoming.message_id}:{incoming.edit_date}"
    return uuid.uuid5(sms.NAMESPACE, key)


def receive_update(*, bot: TelegramBot, update: object) -> str | None:
    """Handle one Bot API update: log it, link or store, send and log the reply; return the reply.

    None (nothing logged or sent) for updates the bot does not act on and for retries of an
    update already handled. A pressed button is always answered (answerCallbackQuery), with a
    notice when the button did nothing. The update is handled in one transaction: when its
    handling raises, nothing of it is stored, the exception is logged (ERROR, with its
    traceback) and the sender gets a short apology in their language (`_apology`); nothing
    is raised, so the webhook still answers 200 and Telegram does not resend the update.
    The replies go out after the transaction, so no Bot API call holds it open.
    """
    incoming = read_update(bot, update)
    if incoming is None:
        return None
    try:
        with transaction.atomic():
            if _seen(bot, incoming):
                return None
            handled = _handle_logged(bot, incoming)
    except Exception:
        logger.exception("telegram update %s of bot %s failed; nothing stored", incoming.update_id, bot.pk)
        handled = _apology(bot, incoming)
    if handled.reply:
        send_message(bot, incoming.chat_id, handled.reply, handled.keyboard)
    if incoming.callback_id:
        answer_callback_query(bot, incoming.callback_id, handled.notice)
    return handled.reply


def _handle_logged(bot: TelegramBot, incoming: Incoming) -> Answer:
    """Log the update (inbound), handle it, and log what became of it and the replies."""
    inbound = _log_inbound(bot, incoming, None)
    handled = _handle(bot, incoming)
    inbound.outcome, inbound.observer, inbound.copy = handled.outcome, handled.observer, handled.copy
    inbound.save(update_fields=["outcome", "observer", "copy"])
    _log_replies(bot, incoming, inbound, handled)
    return handled


def _log_inbound(bot: TelegramBot, incoming: Incoming, observer: Observer | None) -> ChannelMessage:
    """Log the update's text as received, /link codes masked, cut to the log's length."""
    text = telegram_link.masked(incoming.text)[: sms.MAX_LENGTH]
    return _log(bot, incoming, ChannelMessage.Direction.IN, text, observer)


def _log_replies(bot: TelegramBot, incoming: Incoming, inbound: ChannelMessage, handled: Answer) -> None:
    for text in (handled.reply, handled.notice):
        if text:
            outbound = _log(bot, incoming, ChannelMessage.Direction.OUT, text, handled.observer)
            outbound.copy, outbound.in_reply_to, outbound.external_id = handled.copy, inbound, ""
            outbound.save(update_fields=["copy", "in_reply_to", "external_id"])


def _apology(bot: TelegramBot, incoming: Incoming) -> Answer:
    """The answer to an update whose handling failed: an apology in the sender's language (the
    linked observer's, else the bot's), logged with the update as FAILED when the database
    still answers (else only the exception is logged)."""
    observer, language = None, bot.language
    with contextlib.suppress(DatabaseError):
        observer = _linked_observer(bot, incoming)
        language = sms.language(observer, bot) if observer else bot.language
    with translation.override(language):
        text = _(
            "Sorry, something went wrong on our side and nothing of this message was stored. "
            "Please try again in a few minutes."
        )
    handled = Answer(Outcome.FAILED, text, observer=observer)
    try:
        with transaction.atomic():
            inbound = _log_inbound(bot, incoming, observer)
            inbound.outcome = Outcome.FAILED
            inbound.save(update_fields=["outcome"])
            _log_replies(bot, incoming, inbound, handled)
    except DatabaseError:
        logger.exception(
            "telegram update %s of bot %s: the failure could not be logged", incoming.update_id, bot.pk
        )
    return handled


def _seen(bot: TelegramBot, incoming: Incoming) -> bool:
    inbound = ChannelMessage.objects.filter(bot=bot, direction=ChannelMessage.Direction.IN)
    return inbound.filter(external_id=str(incoming.update_id)).exists()


def _log(
    bot: TelegramBot, incoming: Incoming, direction: str, text: str, observer: Observer | None
) -> ChannelMessage:
    return ChannelMessage.objects.create(
        organization_id=bot.organization_id,
        channel=ChannelMessage.Channel.TELEGRAM,
        bot=bot,
        direction=direction,
        observer=observer,
        external_id=str(incoming.update_id),
        sender=str(incoming.user_id),
        chat=str(incoming.chat_id),
        text=text,
        outcome=Outcome.REPLY if direction == ChannelMessage.Direction.OUT else Outcome.REFUSED,
    )


def _handle(bot: TelegramBot, incoming: Incoming) -> Answer:
    observer = _linked_observer(bot, incoming)
    with translation.override(sms.language(observer, bot) if observer else bot.language):
        if incoming.callback_id:
            handled = guided.on_button(bot, incoming)
            handled.observer = observer
            return handled
        command, argument = telegram_link.command(incoming.text)
        if command in LINK_COMMANDS and (argument or observer is None):
            return _link(bot, incoming, argument, observer)
        if telegram_link.lone_code(incoming.text):
            return Answer(Outcome.REFUSED, _("To link this Telegram account, send: /link CODE"))
        if observer is None:
            return Answer(Outcome.REFUSED, _not_linked())
        handled = _for_observer(bot, incoming, observer, command)
    handled.observer = observer
    return handled


def _linked_observer(bot: TelegramBot, incoming: Incoming) -> Observer | None:
    contact = ObserverContact.objects.filter(
        telegram_user_id=incoming.user_id, observer__organization_id=bot.organization_id
    ).first()
    return contact.observer if contact else None


def _for_observer(bot: TelegramBot, incoming: Incoming, observer: Observer, command: str) -> Answer:
    """A linked observer's message: a command, an answer to the open guided entry, or a copy in
    one message (or a photo)."""
    if command in GUIDED_COMMANDS:
        return guided.start(bot, incoming, observer)
    if command == CANCEL_COMMAND:
        return guided.cancel(bot, incoming)
    if command in LINK_COMMANDS:  # /start without a code, already linked
        return Answer(Outcome.REPLY, _how_to_send())
    answer = guided.on_message(bot, incoming, observer)
    if answer is not None:
        return answer
    if incoming.photo_file_id and (not incoming.text.strip() or incoming.text.strip().isdigit()):
        return _photo(bot, incoming, observer, incoming.text.strip())
    return _as_answer(_copy(bot, incoming, observer))


def _as_answer(handled: sms.Handled) -> Answer:
    return Answer(handled.outcome, handled.reply, handled.observer, handled.copy)


def _link(bot: TelegramBot, incoming: Incoming, code: str, linked: Observer | None) -> Answer:
    """``/link CODE``: link the sender to the code's observer. A wrong code leaves an account
    that is already linked (`linked`) as it was, and the reply says so."""
    if code and telegram_link.too_many_attempts(
        bot, user_id=incoming.user_id, chat_id=incoming.chat_id, update_id=incoming.update_id
    ):
        return Answer(Outcome.REFUSED, _("Too many wrong codes: try again in an hour."), observer=linked)
    observer = telegram_link.link(bot, incoming.user_id, code)
    if observer is None and linked is not None:
        text = _(
            "This code is not valid (wrong, used or expired), so nothing changed: this Telegram "
            "account is still linked to observer %(code)s."
        ) % {"code": linked.code}
        return Answer(Outcome.REFUSED, text, observer=linked)
    if observer is None:
        return Answer(Outcome.REFUSED, _not_linked())
    with translation.override(sms.language(observer, bot)):
        text = _("Linked to observer %(code)s.") % {"code": observer.code} + " " + _how_to_send()
    return Answer(Outcome.REPLY, text, observer=observer)


def _copy(bot: TelegramBot, incoming: Incoming, observer: Observer) -> sms.Handled:
    """A protocol in one message; a photo with it as caption is stored with the copy it makes
    (a photo captioned with nothing or a station number is a `_photo`)."""
    message = sms.InboundSms(str(incoming.message_id), str(incoming.user_id), incoming.text)
    if len(message.text) > sms.MAX_LENGTH:
        return sms.Handled(Outcome.REFUSED, sms.too_long(message))
    parsed = parse(message.text)
    if parsed.observer_code != observer.code:
        parsed = parse(f"{observer.code} {message.text}")
    key = client_uuid(bot, incoming)
    handled = sms.for_observer(key=key, sms=message, observer=observer, parsed=parsed, channel=TELEGRAM)
    if incoming.photo_file_id:
        return telegram_photo.with_figures(bot, incoming, observer, handled)
    return handled


def _photo(bot: TelegramBot, incoming: Incoming, observer: Observer, number: str) -> Answer:
    """A photo captioned with nothing or a station `number`: kept with photos waiting for their
    contest (of that station), else with the latest copy (of it; of which contest, asked where
    there are several), else a photo-only copy unless a guided entry is open
    (tallies/channels/telegram_photo_only.py)."""
    waiting = telegram_photo_only.waiting_entry(bot, incoming)
    if waiting is not None and waiting.station is not None:
        if not number or sms_figures.find_station(observer, number) == waiting.station:
            return telegram_photo_only.add_photo(bot, waiting, incoming)
        guided.cancel(bot, incoming)  # a photo of another station: the waiting ones are dropped
    attached = telegram_photo.to_latest_copy(bot, incoming, observer, number)
    if attached is not None:  # stored, or the question which contest (buttons)
        return attached
    if guided.has_open_entry(bot, incoming):
        return _as_answer(telegram_photo.no_copy())
    return telegram_photo_only.photo_only_copy(bot, incoming, observer, number)


def _how_to_send() -> str:
    return _("Send /enter to enter a protocol line by line, or the whole protocol in one message.")


def _not_linked() -> str:
    return _(
        "This Telegram account is not linked to an observer. Get a one-time code on the "
        "Telegram page of the site and send: /link CODE"
    )
