"""Admin for reference data: elections, contests, protocol forms, the commission hierarchy.

Each list has import/export (CSV, XLSX, JSON; django-import-export) for admin-sized files; national
official results go through the COPY importer instead (tallies.services.import_stations_file).
"""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from elections.models import (
    BallotOption,
    Commission,
    Contest,
    ControlRelation,
    Election,
    PollingStation,
    ProtocolForm,
    ProtocolLine,
)


class ProtocolLineInline(admin.TabularInline):
    model = ProtocolLine
    extra = 0


class ControlRelationInline(admin.TabularInline):
    model = ControlRelation
    extra = 0


@admin.register(ProtocolForm)
class ProtocolFormAdmin(ImportExportModelAdmin):
    list_display = ["code", "name"]
    inlines = [ProtocolLineInline, ControlRelationInline]


class BallotOptionInline(admin.TabularInline):
    model = BallotOption
    extra = 0


@admin.register(Contest)
class ContestAdmin(ImportExportModelAdmin):
    list_display = ["name", "election", "kind", "form"]
    list_filter = ["election", "kind"]
    inlines = [BallotOptionInline]


@admin.register(Election)
class ElectionAdmin(ImportExportModelAdmin):
    list_display = ["name", "country", "held_on", "time_zone"]


@admin.register(Commission)
class CommissionAdmin(ImportExportModelAdmin):
    list_display = ["name", "level", "election", "path"]
    list_filter = ["election", "level"]
    search_fields = ["name", "path"]
    raw_id_fields = ["parent"]


@admin.register(PollingStation)
class PollingStationAdmin(ImportExportModelAdmin):
    list_display = ["number", "pec", "registered_voters", "is_virtual"]
    search_fields = ["number", "pec__path"]
    raw_id_fields = ["pec", "districts"]


@admin.register(ProtocolLine)
class ProtocolLineAdmin(ImportExportModelAdmin):
    list_display = ["form", "position", "number", "code"]
    list_filter = ["form"]


@admin.register(ControlRelation)
class ControlRelationAdmin(ImportExportModelAdmin):
    list_display = ["form", "code", "expression", "tolerance"]
    list_filter = ["form"]


@admin.register(BallotOption)
class BallotOptionAdmin(ImportExportModelAdmin):
    list_display = ["contest", "position", "code", "name", "is_against_all"]
    list_filter = ["contest"]
