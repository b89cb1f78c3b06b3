"""Elections, their contests and the ballot options of each contest."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models.protocol_forms import ProtocolForm
from elections.names import localized


def validate_time_zone(value: str) -> None:
    """Raise ValidationError unless `value` is an IANA time zone name (e.g. "Asia/Almaty")."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


class Election(models.Model):
    """One election day in one country, e.g. the State Duma election of 4 December 2011."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("name by language"), default=dict, blank=True)  # elections.names
    country = models.CharField(_("country (ISO 3166-1 alpha-2)"), max_length=2)
    held_on = models.DateField(_("election day"))
    time_zone = models.CharField(_("IANA time zone"), max_length=64, validators=[validate_time_zone])
    # {other name: the region's name}: renames and spellings official files use (Astana / Nur-Sultan),
    # from the spec's "regions" (elections.services.define_election; tallies.services.region_names).
    region_aliases = models.JSONField(default=dict, blank=True)
    # Moved by PostgreSQL triggers (migration 0009) on every statement that adds, changes or removes
    # the election's commissions or stations, by whatever path (register import, official import,
    # set-up, admin): what was computed from the register is stale once it moved.
    register_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-held_on", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language (elections.names)."""
        return localized(self.name, self.names)


class Contest(models.Model):
    """One race on the ballot of an election, counted on one protocol form."""

    class Kind(models.TextChoices):
        PARTY_LIST = "party_list", _("Party list")
        SINGLE_MEMBER = "single_member", _("Single-member district")
        PRESIDENTIAL = "presidential", _("Presidential")
        REFERENDUM = "referendum", _("Referendum")
        OTHER = "other", _("Other")

    election = models.ForeignKey(Election, models.CASCADE, related_name="contests")
    slug = models.SlugField()
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("name by language"), default=dict, blank=True)  # elections.names
    kind = models.CharField(max_length=16, choices=Kind, default=Kind.PARTY_LIST)
    form = models.ForeignKey(ProtocolForm, models.PROTECT, related_name="contests")

    class Meta:
        ordering = ["election", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "slug"], name="unique_contest_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.election}: {self.local_name}"

    @property
    def local_name(self) -> str:
        """The name in the active language (elections.names)."""
        return localized(self.name, self.names)


class BallotOption(models.Model):
    """A party, candidate or "against all" line on a contest's ballot, in ballot order."""

    contest = models.ForeignKey(Contest, models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    names = models.JSONField(_("name by language"), default=dict, blank=True)  # elections.names
    short_names = models.JSONField(_("short name by language"), default=dict, blank=True)
    is_against_all = models.BooleanField(default=False)
    headers = models.JSONField(
        _("column headers in known sources"),
        default=list,
        blank=True,
        help_text=_("How results files name this option, e.g. the CEC's wording; matched by name."),
    )

    class Meta:
        ordering = ["contest", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "code"], name="unique_option_code"),
        ]

    def __str__(self) -> str:
        return self.local_short_name or self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language (elections.names)."""
        return localized(self.name, self.names)

    @property
    def local_short_name(self) -> str:
        """The short name in the active language; "" when the spec gives none."""
        return localized(self.short_name, self.short_names)
