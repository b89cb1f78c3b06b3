"""Linking an observer's Telegram account once, with a one-time code shown on the web.

The code (8 characters of the observer-code alphabet, about 40 bits) is valid for
LINK_CODE_TTL and once; only its SHA-256 is stored. A Telegram account is linked to at most one
observer: linking it again moves it.

Guessing is bounded by the message log: a Telegram account may fail LINK_ATTEMPTS_PER_ACCOUNT
times and a chat LINK_ATTEMPTS_PER_CHAT times within LINK_ATTEMPT_WINDOW (over all of the
organisation's bots); past that, codes are not even checked, so a right guess is refused too.
With 32**8 codes and at most a handful of live ones, a guess succeeds with odds below 1e-10.

The message log never holds a code (`masked`): a link command is logged as ``/link ****-****``,
its command, shape and length kept for the audit, the outcome beside it; so is a message that
is nothing but a code-shaped word (a code sent without the command). No reply repeats a code.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from observers.models import Observer
from observers.models.organizations import CODE_ALPHABET
from tallies.models import ChannelMessage, ObserverContact, TelegramBot

logger = logging.getLogger(__name__)
LINK_CODE_TTL = timedelta(minutes=15)
LINK_ATTEMPT_WINDOW = timedelta(hours=1)
LINK_ATTEMPTS_PER_ACCOUNT = 5  # failed attempts of one Telegram user within the window
LINK_ATTEMPTS_PER_CHAT = 5  # failed attempts in one chat within the window
LINK_ATTEMPT_PATTERN = r"^\s*/(start|link)(@\w+)?\s+\S"  # a link command with a code
_LINK_COMMAND = re.compile(r"^(\s*/(?:start|link)(?:@\w+)?\s+)(.*)$", re.IGNORECASE | re.DOTALL)
# 4 + 4 letters or digits, at least one a letter (a figure typed alone stays readable).
_LONE_CODE = re.compile(r"^\s*(?=[^a-zа-яёі]*[a-zа-яёі])\w{4}[-\s]?\w{4}\s*$", re.IGNORECASE)


def command(text: str) -> tuple[str, str]:
    """("/link" or "/start" or another first word, lower-cased, "@botname" dropped; the rest).

    In a group Telegram sends ``/link@golos_bot CODE``; in a private chat ``/link CODE``.
    """
    first, _sep, rest = text.strip().partition(" ")
    return first.split("@", 1)[0].lower(), rest.strip()


def masked(text: str) -> str:
    """`text` as the message log keeps it: a link code's letters and digits replaced by ``*``.

    ``/link QH7K-3MZP`` → ``/link ****-****``; ``/start@golos_bot qh7k3mzp`` →
    ``/start@golos_bot ********``; a lone code-shaped word too. The refusals count of
    too_many_attempts still matches a masked command (LINK_ATTEMPT_PATTERN needs a non-space).
    """
    found = _LINK_COMMAND.match(text)
    if found:
        return found.group(1) + re.sub(r"\w", "*", found.group(2))
    if lone_code(text):
        return re.sub(r"\w", "*", text)
    return text


def lone_code(text: str) -> bool:
    """Whether `text` is only a code-shaped word (``QH7K-3MZP``, ``qh7k 3mzp``): a link code sent
    without its command. The bot answers how to link and never echoes it (nor checks it: only
    link commands are counted against guessing)."""
    return bool(_LONE_CODE.match(text))


def too_many_attempts(bot: TelegramBot, *, user_id: int, chat_id: int, update_id: int) -> bool:
    """Whether this user or chat already failed to link too often within LINK_ATTEMPT_WINDOW.

    Counts refused inbound link commands (with a code) logged for the bot's organisation,
    excluding the update `update_id` itself; the refusal is logged at WARNING.
    """
    failed = ChannelMessage.objects.filter(
        organization_id=bot.organization_id,
        channel=ChannelMessage.Channel.TELEGRAM,
        direction=ChannelMessage.Direction.IN,
        outcome=ChannelMessage.Outcome.REFUSED,
        created_at__gte=timezone.now() - LINK_ATTEMPT_WINDOW,
        text__iregex=LINK_ATTEMPT_PATTERN,
    ).exclude(bot=bot, external_id=str(update_id))
    by_account = failed.filter(sender=str(user_id)).count()
    by_chat = failed.filter(chat=str(chat_id)).count()
    if by_account < LINK_ATTEMPTS_PER_ACCOUNT and by_chat < LINK_ATTEMPTS_PER_CHAT:
        return False
    logger.warning(
        "telegram link refused for bot %s: user %s (%s failed), chat %s (%s failed) within %s",
        bot.pk,
        user_id,
        by_account,
        chat_id,
        by_chat,
        LINK_ATTEMPT_WINDOW,
    )
    return True


def _hash(code: str) -> str:
    return hashlib.sha256(code.upper().replace("-", "").replace(" ", "").encode()).hexdigest()


def issue_link_code(observer: Observer) -> str:
    """A fresh one-time code for `observer` (e.g. "QH7K-3MZP"); any earlier code stops working."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    contact, _created = ObserverContact.objects.get_or_create(observer=observer)
    contact.link_code_hash = _hash(raw)
    contact.link_code_expires_at = timezone.now() + LINK_CODE_TTL
    contact.save(update_fields=["link_code_hash", "link_code_expires_at"])
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def link(bot: TelegramBot, telegram_user_id: int, code: str) -> Observer | None:
    """Link `telegram_user_id` to the active observer of the bot's organisation whose code this is.

    None when the code is unknown, used, expired, or of another organisation.
    """
    contact = (
        ObserverContact.objects.select_for_update()
        .filter(
            link_code_hash=_hash(code),
            link_code_expires_at__gt=timezone.now(),
            observer__organization_id=bot.organization_id,
            observer__is_active=True,
        )
        .select_related("observer")
        .first()
    )
    if contact is None or not code.strip():
        return None
    ObserverContact.objects.filter(telegram_user_id=telegram_user_id).update(telegram_user_id=None)
    contact.telegram_user_id = telegram_user_id
    contact.link_code_hash, contact.link_code_expires_at = "", None
    contact.save(update_fields=["telegram_user_id", "link_code_hash", "link_code_expires_at"])
    return contact.observer
