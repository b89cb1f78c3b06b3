"""Admin for platform staff: organisations, memberships, observers."""

from django.contrib import admin

from observers.models import Membership, Observer, Organization


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
