"""The commission hierarchy: a tree of commissions of any depth, polling stations at its leaves.

CEC > region > TEC > PEC in Russia and Kazakhstan; single-member district commissions form a
second hierarchy a station may belong to as well.
"""

from __future__ import annotations

from typing import Self

from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models.elections import Election

PATH_SEPARATOR = "/"


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
