"""Admin for platform staff: organisations, memberships, observers."""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from observers.models import ChecklistItem, Membership, Observer, Organization, ViolationType


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    inlines = [MembershipInline]


@admin.register(Observer)
class ObserverAdmin(admin.ModelAdmin):
    list_display = ["code", "organization"]
    list_filter = ["organization"]
    raw_id_fields = ["user"]


@admin.register(ViolationType)
class ViolationTypeAdmin(ImportExportModelAdmin):
    """The violation taxonomy (shipped as data in observers/data/violation_types.json)."""

    list_display = ["code", "stage", "category"]
    list_filter = ["stage", "category"]
    search_fields = ["code"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ImportExportModelAdmin):
    """Stage checklists (shipped as data in observers/data/checklist_items.json)."""

    list_display = ["code", "stage", "position", "answer"]
    list_filter = ["stage"]
