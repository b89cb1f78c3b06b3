"""Linking an observer's Telegram account once, with a one-time code shown on the web.

The code (8 characters of the observer-code alphabet, about 40 bits) is valid for
LINK_CODE_TTL and once; only its SHA-256 is stored. A Telegram account is linked to at most one
observer: linking it again moves it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from observers.models import Observer
from observers.models.organizations import CODE_ALPHABET
from tallies.models import ObserverContact, TelegramBot

LINK_CODE_TTL = timedelta(minutes=15)


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
