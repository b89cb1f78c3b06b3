"""Elections as data: contests, ballot options, protocol forms and the commission hierarchy.

Nothing here is specific to one country: a protocol form is an ordered list of lines with stable
codes plus control relations written as expressions, and the hierarchy is a tree of commissions
of any depth (CEC > region > TEC > PEC in Russia and Kazakhstan).
"""

from __future__ import annotations

import zoneinfo
from typing import Self

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from elections.names import localized
from elections.protocol import OPTIONS_TOTAL, RelationSyntaxError, parse_relation

PATH_SEPARATOR = "/"


def validate_time_zone(value: str) -> None:
    """Raise ValidationError unless `value` is an IANA time zone name (e.g. "Asia/Almaty")."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def pick_label(labels: dict[str, str], fallback: str) -> str:
    """Return the label in the active language, else English, else Russian, else `fallback`."""
    language = (get_language() or "en").split("-")[0]
    for code in (language, "en", "ru"):
        if labels.get(code):
            return labels[code]
    return fallback


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

    class Meta:
        ordering = ["-held_on", "name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language (elections.names)."""
        return localized(self.name, self.names)


class ProtocolForm(models.Model):
    """A results protocol form: its ordered lines and control relations, shared by contests."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("legal source of the form"), max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name

    def line_codes(self) -> list[str]:
        return [line.code for line in self.lines.all()]


class ProtocolLine(models.Model):
    """One numbered line of a protocol form (e.g. line 10, "valid ballots"), counted in votes.

    `role` says what the line is for, whatever its code: the voters on the list, ballots
    received or issued, voters who took part, valid or invalid ballots (blank: none of these).
    A station's vote count is complete when every option and every valid/invalid line has a figure.
    """

    class Role(models.TextChoices):
        REGISTERED = "registered", _("Voters on the list")
        BALLOTS_RECEIVED = "ballots_received", _("Ballots received")
        BALLOTS_ISSUED = "ballots_issued", _("Ballots issued to voters")
        TOOK_PART = "took_part", _("Voters who took part")
        BALLOTS_IN_BOXES = "ballots_in_boxes", _("Ballots found in the boxes")
        VALID = "valid", _("Valid ballots")
        INVALID = "invalid", _("Invalid ballots")
        OTHER = "", _("Other")

    form = models.ForeignKey(ProtocolForm, models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("order on the form"))
    number = models.CharField(_("line number as printed"), max_length=8)
    code = models.SlugField(_("stable code"), max_length=64)
    labels = models.JSONField(_("labels by language"), default=dict)
    is_turnout_base = models.BooleanField(
        _("voters on the list"), default=False, help_text=_("Denominator of turnout.")
    )
    is_turnout_numerator = models.BooleanField(
        _("counts voters who took part"),
        default=False,
        help_text=_("Turnout numerator: the sum of the lines marked so (e.g. lines 3 + 4 + 5)."),
    )
    role = models.CharField(_("what the line is for"), max_length=20, choices=Role, blank=True, default="")
    headers = models.JSONField(
        _("column headers in known sources"),
        default=list,
        blank=True,
        help_text=_("How results files name this line, e.g. the CEC's wording; matched by name."),
    )

    class Meta:
        ordering = ["form", "position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="unique_line_code_per_form"),
            models.UniqueConstraint(fields=["form", "position"], name="unique_line_position"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.code)


class ControlRelation(models.Model):
    """A control relation between protocol lines, e.g. ``ballots_valid == options_total``.

    The expression compares two sums of line codes (and ``options_total``, the sum of the votes
    for all ballot options) with ``==``, ``<=`` or ``>=``; `tolerance` is the absolute difference
    in votes still accepted. A protocol that breaks a relation is flagged, never rejected: that
    is what observers exist to record (domain.md §3.3).
    """

    form = models.ForeignKey(ProtocolForm, models.CASCADE, related_name="control_relations")
    code = models.SlugField(max_length=64)
    expression = models.CharField(max_length=300)
    tolerance = models.PositiveIntegerField(_("tolerance (votes)"), default=0)
    labels = models.JSONField(_("description by language"), default=dict)

    class Meta:
        ordering = ["form", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "code"], name="unique_relation_code_per_form"),
        ]

    def __str__(self) -> str:
        return self.expression

    def clean(self) -> None:
        """Refuse an expression the parser refuses or one naming a line the form lacks.

        Raises ValidationError on `expression`: a relation that cannot be evaluated would make
        every later copy of the form fail instead of being flagged (the admin path; specs are
        checked the same way by elections.services.define_protocol_form).
        """
        try:
            names = parse_relation(self.expression).names()
        except RelationSyntaxError as error:
            raise ValidationError({"expression": str(error)}) from error
        if self.form_id is not None:
            unknown = names - set(self.form.line_codes()) - {OPTIONS_TOTAL}
            if unknown:
                message = _("Unknown line codes: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
                raise ValidationError({"expression": message})

    @property
    def label(self) -> str:
        return pick_label(self.labels, self.expression)


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


class CommissionQuerySet(models.QuerySet["Commission"]):
    def within(self, commission: Commission) -> Self:
        """Restrict to `commission` and every commission below it."""
        return self.filter(election_id=commission.election_id, path__startswith=commission.path)

    def precincts(self) -> Self:
        return self.filter(level=Commission.Level.PEC)


class Commission(models.Model):
    """An election commission: a node of the hierarchy, CEC at the root and PECs at the leaves.

    `path` is the chain of codes from the root, each followed by "/", e.g.
    "RU/Город Москва/84 Пресненский район/843/"; it gives every ancestor without a query
    and every descendant with one prefix match.
    """

    class Level(models.TextChoices):
        CEC = "CEC", _("Central election commission")
        SEC = "SEC", _("Regional commission")
        TEC = "TEC", _("Territorial commission")
        PEC = "PEC", _("Precinct commission")
        DEC = "DEC", _("District (constituency) commission")

    election = models.ForeignKey(Election, models.CASCADE, related_name="commissions")
    level = models.CharField(max_length=3, choices=Level)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    code = models.CharField(max_length=200)
    name = models.CharField(max_length=300)
    path = models.CharField(max_length=1000)

    objects = CommissionQuerySet.as_manager()

    class Meta:
        ordering = ["election", "path"]
        constraints = [
            models.UniqueConstraint(fields=["election", "path"], name="unique_commission_path"),
        ]
        indexes = [
            models.Index(
                fields=["election", "path"],
                name="commission_path_prefix",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def child_path(parent_path: str, code: str) -> str:
        """Return the path of a child with `code` under `parent_path`; the code may not hold "/"."""
        if PATH_SEPARATOR in code:
            raise ValueError(f"commission code {code!r} contains {PATH_SEPARATOR!r}")
        return f"{parent_path}{code}{PATH_SEPARATOR}"

    def ancestor_paths(self) -> list[str]:
        """Paths of this commission's ancestors, root first (itself excluded)."""
        parts = self.path.split(PATH_SEPARATOR)[:-1]
        return [PATH_SEPARATOR.join(parts[:i]) + PATH_SEPARATOR for i in range(1, len(parts))]


def stations_within(commission: Commission, through: str = "") -> models.Q:
    """A filter on rows whose polling station (reached through `through`, e.g. "station__") lies
    under `commission`, in its election only.

    The one territory rule (issue 12): a coordinator limited to a region or TEC, a chosen region,
    a commission's results all select stations by it. Paths repeat across elections
    ("RU/Город Москва/"), so the election is always part of the filter.
    """
    return models.Q(
        **{
            f"{through}pec__election_id": commission.election_id,
            f"{through}pec__path__startswith": commission.path,
        }
    )


class PollingStationQuerySet(models.QuerySet["PollingStation"]):
    def within(self, commission: Commission) -> Self:
        """Restrict to the stations under `commission` (itself, for a PEC), in its election only."""
        return self.filter(stations_within(commission))


class PollingStation(models.Model):
    """The polling station of one precinct: the unit whose PEC draws up the results protocol.

    A station belongs to the territorial hierarchy through its PEC; `districts` holds its
    single-member district commissions (a second hierarchy) where an election has them.
    A remote e-voting "virtual station" is a station with `is_virtual` set. A station that a
    later register no longer lists is retired (`retired_at`), never deleted: copies and official
    figures may point at it.
    """

    pec = models.OneToOneField(Commission, models.PROTECT, related_name="station")
    number = models.CharField(_("precinct number"), max_length=40)
    name = models.CharField(_("name"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    registered_voters = models.PositiveIntegerField(_("registered voters"), null=True, blank=True)
    is_virtual = models.BooleanField(_("virtual (remote e-voting) station"), default=False)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    retired_at = models.DateTimeField(
        _("retired"),
        null=True,
        blank=True,
        help_text=_("No longer in the station register; kept, never deleted."),
    )
    districts = models.ManyToManyField(
        Commission, blank=True, related_name="district_stations", limit_choices_to={"level": "DEC"}
    )

    objects = PollingStationQuerySet.as_manager()

    class Meta:
        ordering = ["pec__path"]

    def __str__(self) -> str:
        return self.number
