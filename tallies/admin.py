"""Read-only admin views of evidence: copies and official snapshots are never edited here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tallies.models import (
    ChannelMessage,
    ObserverContact,
    OfficialSnapshot,
    ProtocolCopy,
    SmsGateway,
    TelegramBot,
    TelegramEntry,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProtocolCopy)
class ProtocolCopyAdmin(ReadOnlyAdmin):
    list_display = ["client_uuid", "organization", "contest", "station", "channel", "submitted_at"]
    list_filter = ["organization", "contest", "channel"]


@admin.register(OfficialSnapshot)
class OfficialSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "contest", "level", "status", "imported_at", "protocols_count"]
    list_filter = ["contest", "status", "level"]


@admin.register(SmsGateway)
class SmsGatewayAdmin(admin.ModelAdmin):
    """Connect an organisation's SMS gateway: copy its webhook URL and secret into the gateway."""

    list_display = ["name", "organization", "kind", "language", "is_active", "public_id"]
    list_filter = ["kind", "is_active", "organization"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(ObserverContact)
class ObserverContactAdmin(admin.ModelAdmin):
    list_display = ["observer", "language", "telegram_user_id"]
    raw_id_fields = ["observer"]
    exclude = ["link_code_hash", "link_code_expires_at"]


@admin.register(ChannelMessage)
class ChannelMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "organization", "direction", "sender", "observer", "outcome", "copy"]
    list_filter = ["organization", "direction", "outcome"]
    search_fields = ["sender", "text", "external_id"]


@admin.register(TelegramBot)
class TelegramBotAdmin(admin.ModelAdmin):
    """Connect an organisation's Telegram bot: its token; setWebhook with the secret shown here."""

    list_display = ["name", "organization", "language", "is_active", "public_id"]
    list_filter = ["is_active", "organization"]
    readonly_fields = ["public_id", "created_at"]


@admin.register(TelegramEntry)
class TelegramEntryAdmin(ReadOnlyAdmin):
    """Guided entries in the bot (the conversation's state), for support: where an observer is."""

    list_display = ["updated_at", "bot", "observer", "station", "status", "step", "photos_for", "copy"]
    list_filter = ["status", "photos_for", "bot"]
    raw_id_fields = ["observer", "station", "contest", "copy"]
