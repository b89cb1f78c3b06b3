"""Observer organisations (the tenants), their members' roles and their observers.

Every protocol copy has an author (an Observer) and so an organisation: tallies and
reconciliations are computed per organisation, and nothing of one organisation's unpublished
data is visible to another, except to coalition partners that agreed to share copies.
"""

from __future__ import annotations

import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone


def new_pseudonym() -> str:
    """Return a random pseudonymous observer code such as "K7QH-3MZP"."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def approved(self) -> Self:
        return self.filter(status=Organization.Status.APPROVED)


class Organization(models.Model):
    """An observer organisation (NGO, party, media, international): the tenant.

    Self-service sign-up creates it as pending; platform staff approve or refuse it, with a
    reason the applicant sees. Only approved organisations can deploy observers.
    """

    class Kind(models.TextChoices):
        NGO = "ngo", _("Non-governmental organisation")
        PARTY = "party", _("Political party")
        MEDIA = "media", _("Media")
        INTERNATIONAL = "international", _("International organisation")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.NGO)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    charter_clause = models.TextField(
        _("charter clause on election observation"),
        blank=True,
        help_text=_("Quote the clause; commissions have refused accreditation without it."),
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    review_reason = models.TextField(_("reason given to the applicant"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganizationQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def coordinating(self) -> Self:
        return self.filter(role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR])


class CurrentMembershipManager(models.Manager.from_queryset(MembershipQuerySet)):  # type: ignore[misc]
    """Memberships not ended: every role check goes through this (the default manager)."""

    def get_queryset(self) -> MembershipQuerySet:
        return super().get_queryset().filter(ended_at__isnull=True)


class Membership(models.Model):
    """A user's role in one organisation, from when it began until it ended (if it did).

    Rows are never deleted: ending a role sets `ended_at` and `ended_by`, so the history of who
    held which role stays (`Membership.history`); `Membership.objects` sees current roles only.
    Roles other than an organisation's own observers come by invitation (observers.services.
    memberships): nobody becomes a member of an organisation without accepting.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", _("Organisation admin")
        COORDINATOR = "coordinator", _("Coordinator")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role)
    territory = models.ForeignKey(
        "elections.Commission",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A coordinator's region or TEC; empty for the whole organisation."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CurrentMembershipManager()
    history = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(ended_at__isnull=True),
                name="one_current_role_per_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Observer(models.Model):
    """A field observer of one organisation, known outside it only by a pseudonymous code.

    `user` is empty for observers whose copies reach the organisation another way (phone call,
    paper, an import of a partner's file).
    """

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="observers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="observer"
    )
    code = models.CharField(_("pseudonymous code"), max_length=40, default=new_pseudonym)
    display_name = models.CharField(_("name (visible to coordinators only)"), max_length=200, blank=True)
    phone = models.CharField(_("phone (visible to coordinators only)"), max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_observer_code"),
        ]

    def __str__(self) -> str:
        return self.code
