"""Observer organisations, their members' roles and their observers (minimal; see issue 3).

Every protocol copy has an author (an Observer) and so an organisation: tallies and
reconciliations are computed per organisation, and nothing of one organisation is visible to
another.
"""

from __future__ import annotations

import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone


def new_pseudonym() -> str:
    """Return a random pseudonymous observer code such as "K7QH-3MZP"."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


class Organization(models.Model):
    """An observer organisation (NGO, party, media, coalition member): the tenant."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def coordinating(self) -> Self:
        return self.filter(role__in=[Membership.Role.ADMIN, Membership.Role.COORDINATOR])


class Membership(models.Model):
    """A user's role in one organisation."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Organisation admin")
        COORDINATOR = "coordinator", _("Coordinator")
        OBSERVER = "observer", _("Observer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_role_per_org"),
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

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="unique_observer_code"),
        ]

    def __str__(self) -> str:
        return self.code
