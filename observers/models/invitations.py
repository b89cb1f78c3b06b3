"""Invitations to an organisation's roles (each decision also goes to the organisation's audit log).

An admin invites a username to be an admin or coordinator; the account's owner accepts or
declines. Until they accept nothing about their sign-in changes (role, token, second factor).
An invitation names the username as the admin typed it; `user` is empty when no such account
existed, and the admin's page shows both alike, so no page tells whether a username exists.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from observers.models.organizations import Membership, Organization


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> Self:
        return self.filter(status=Invitation.Status.PENDING)


class Invitation(models.Model):
    """An admin's offer of a role (admin or coordinator, optionally of a territory) to a username."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    organization = models.ForeignKey(Organization, models.PROTECT, related_name="invitations")
    username = models.CharField(_("username"), max_length=150)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(max_length=16, choices=Membership.Role)
    territory = models.ForeignKey(
        "elections.Commission", models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "username"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_username",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} → {self.organization} ({self.role}, {self.status})"
