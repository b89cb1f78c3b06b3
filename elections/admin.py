"""Admin for reference data: elections, contests, protocol forms, the commission hierarchy."""

from django.contrib import admin

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
class ProtocolFormAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [ProtocolLineInline, ControlRelationInline]


class BallotOptionInline(admin.TabularInline):
    model = BallotOption
    extra = 0


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["name", "election", "kind", "form"]
    list_filter = ["election", "kind"]
    inlines = [BallotOptionInline]


@admin.register(Election)
class ElectionAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "held_on", "time_zone"]


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "election", "path"]
    list_filter = ["election", "level"]
    search_fields = ["name", "path"]
    raw_id_fields = ["parent"]


@admin.register(PollingStation)
class PollingStationAdmin(admin.ModelAdmin):
    list_display = ["number", "pec", "registered_voters", "is_virtual"]
    search_fields = ["number", "pec__path"]
    raw_id_fields = ["pec", "districts"]
