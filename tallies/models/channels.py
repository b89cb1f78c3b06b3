"""Messaging channels: an organisation's SMS gateways, observers' reply language, the message log.

Issue 18: copies arrive where observers already are. A gateway (Telerivet, RapidPro/TextIt,
Kannel) posts each inbound SMS to /channels/sms/<public_id>/ with the gateway's shared secret;
every inbound and outbound message is logged here against the observer, parsed or not.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observers.models import Observer, Organization


def new_gateway_secret() -> str:
    """A fresh shared secret (43 URL-safe characters, 256 bits) for a gateway to send."""
    return secrets.token_urlsafe(32)


class SmsGateway(models.Model):
    """An organisation's SMS gateway: which payload shape it posts and the secret it must send."""

    class Kind(models.TextChoices):
        TELERIVET = "telerivet", "Telerivet"
        RAPIDPRO = "rapidpro", "RapidPro / TextIt"
        KANNEL = "kannel", "Kannel"

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="sms_gateways")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("payload shape"), max_length=16, choices=Kind)
    public_id = models.UUIDField(_("identifier in the webhook URL"), default=uuid.uuid4, unique=True)
    secret = models.CharField(_("shared secret"), max_length=128, default=new_gateway_secret)
    language = models.CharField(
        _("reply language when the observer has none"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="ru",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class TelegramBot(models.Model):
    """An organisation's Telegram bot: its token, the webhook's secret token, the Bot API it calls."""

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="telegram_bots")
    name = models.CharField(_("name"), max_length=100)
    token = models.CharField(_("bot token"), max_length=100)
    public_id = models.UUIDField(_("identifier in the webhook URL"), default=uuid.uuid4, unique=True)
    webhook_secret = models.CharField(_("shared secret"), max_length=128, default=new_gateway_secret)
    api_base_url = models.URLField(
        _("Bot API base URL (empty: the setting TELEGRAM_BOT_API_URL)"), blank=True
    )
    language = models.CharField(
        _("reply language when the observer has none"), max_length=8, choices=settings.LANGUAGES, default="ru"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class ObserverContact(models.Model):
    """How to talk to an observer on a messaging channel: reply language, linked Telegram account.

    `link_code_hash` is the SHA-256 of the one-time code the observer sends the bot to link their
    Telegram account; it is cleared when used and useless after `link_code_expires_at`.
    """

    observer = models.OneToOneField(Observer, models.CASCADE, related_name="contact")
    language = models.CharField(_("reply language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    telegram_user_id = models.BigIntegerField(_("Telegram user id"), null=True, blank=True, unique=True)
    link_code_hash = models.CharField(max_length=64, blank=True)
    link_code_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.observer} ({self.language})"


class ChannelMessage(models.Model):
    """One SMS in or out, logged whatever became of it (`outcome`)."""

    class Direction(models.TextChoices):
        IN = "in", _("Inbound")
        OUT = "out", _("Outbound")

    class Outcome(models.TextChoices):
        STORED = "stored", _("Copy stored")
        DUPLICATE = "duplicate", _("Resend of a stored copy")
        INCOMPLETE = "incomplete", _("Not understood or incomplete")
        REFUSED = "refused", _("Refused")
        REPLY = "reply", _("Reply")
        GUIDED = "guided", _("Step of a guided entry")
        FAILED = "failed", _("Not handled: an error on our side")

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="channel_messages")

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        TELEGRAM = "telegram", "Telegram"

    channel = models.CharField(max_length=16, choices=Channel, default=Channel.SMS)
    gateway = models.ForeignKey(SmsGateway, models.SET_NULL, null=True, blank=True, related_name="messages")
    bot = models.ForeignKey(TelegramBot, models.SET_NULL, null=True, blank=True, related_name="messages")
    observer = models.ForeignKey(
        Observer, models.SET_NULL, null=True, blank=True, related_name="channel_messages"
    )
    direction = models.CharField(max_length=3, choices=Direction)
    external_id = models.CharField(_("gateway message id"), max_length=200, blank=True)
    sender = models.CharField(_("phone number or Telegram user id"), max_length=64, blank=True)
    chat = models.CharField(_("Telegram chat id"), max_length=64, blank=True)
    text = models.TextField()
    outcome = models.CharField(max_length=16, choices=Outcome)
    copy = models.ForeignKey(
        "tallies.ProtocolCopy", models.SET_NULL, null=True, blank=True, related_name="channel_messages"
    )
    in_reply_to = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="replies")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.sender} {self.created_at:%Y-%m-%d %H:%M}"


def new_entry_token() -> str:
    """8 hex characters naming a guided entry in its buttons' callback data (64 bytes at most)."""
    return secrets.token_hex(4)


class TelegramEntry(models.Model):
    """An observer's guided entry of one protocol in a Telegram chat: the conversation's state.

    Kept in the database, so a restart loses nothing (tallies/channels/guided.py). `token` and
    `version` are in every button's callback data: a button of another entry, or of an older
    message of this one (the state has moved on since), is refused. `answers` maps
    ``lines.<code>``/``options.<code>`` to a count, or to None when marked "not on the copy";
    `messages` maps the Telegram id of each answering message to the key it answered (``*``:
    several ``code=n`` pairs), so an edited answer replaces it. An entry with `photos` is no
    guided entry: its photos wait for the contest to be pressed, then go where `photos_for`
    says: a new photo-only copy, or the observer's latest copy of that contest at the station.
    """

    class Status(models.TextChoices):
        STATION = "station", _("Choosing a station")
        CONTEST = "contest", _("Choosing a contest")
        ENTERING = "entering", _("Entering the lines")
        REVIEW = "review", _("Waiting for confirmation")
        STORED = "stored", _("Stored")
        CANCELLED = "cancelled", _("Cancelled")

    class PhotosFor(models.TextChoices):
        NEW_COPY = "new_copy", _("A new photo-only copy")
        LATEST_COPY = "latest_copy", _("The latest copy of the contest pressed")

    OPEN = (Status.STATION, Status.CONTEST, Status.ENTERING, Status.REVIEW)

    bot = models.ForeignKey(TelegramBot, models.CASCADE, related_name="entries")
    observer = models.ForeignKey(Observer, models.CASCADE, related_name="telegram_entries")
    telegram_user_id = models.BigIntegerField()
    chat_id = models.BigIntegerField()
    token = models.CharField(max_length=16, unique=True, default=new_entry_token)
    version = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status, default=Status.STATION)
    station = models.ForeignKey(
        "elections.PollingStation", models.PROTECT, null=True, blank=True, related_name="+"
    )
    contest = models.ForeignKey("elections.Contest", models.PROTECT, null=True, blank=True, related_name="+")
    step = models.PositiveSmallIntegerField(default=0)  # the question asked: its index in form order
    back_to_review = models.BooleanField(default=False)  # a line asked again from the review
    answers = models.JSONField(default=dict, blank=True)
    messages = models.JSONField(default=dict, blank=True)
    # Photos waiting for their contest (status "contest"), in arrival order: {"file_id",
    # "unique_id", "key"} each, "key" the photo-only copy's client_uuid (telegram_photo_only.py).
    photos = models.JSONField(default=list, blank=True)
    # Where they go once the contest is pressed: a new photo-only copy (its key the first photo's),
    # or the observer's latest copy of that contest at `station` (telegram_photo.py).
    photos_for = models.CharField(max_length=16, choices=PhotosFor, default=PhotosFor.NEW_COPY)
    copy = models.ForeignKey(
        "tallies.ProtocolCopy", models.SET_NULL, null=True, blank=True, related_name="telegram_entries"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Telegram guided entry")
        verbose_name_plural = _("Telegram guided entries")
        constraints = [
            models.UniqueConstraint(
                fields=["bot", "telegram_user_id", "chat_id"],
                condition=models.Q(status__in=["station", "contest", "entering", "review"]),
                name="one_open_telegram_entry_per_chat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.observer} · {self.station or '?'} · {self.status}"
