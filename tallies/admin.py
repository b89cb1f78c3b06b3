"""Read-only admin views of evidence: copies and official snapshots are never edited here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tallies.models import OfficialSnapshot, ProtocolCopy


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
