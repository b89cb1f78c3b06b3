"""Election-night coverage: each station an organisation expects, in exactly one reporting status.

Stations in scope: those of the organisation's mandates for the election (live or ended), plus
any station it holds a copy of for the contest (phoned in or imported without a mandate), within
the coordinator's territory. A station takes the first status that applies:

1. complete — its accepted figures count in the tally (StationTallyState.is_counted);
2. conflict — its copies disagree on a line nobody has resolved (StationTallyState.conflicts);
3. partial — a copy is held but does not count yet (quarantined, or the tally job has not run);
4. not admitted, 5. removed — the latest event at the station over the organisation's mandates
   for the election (MandateEvent with a station) says so; a copy, above, outranks it;
6. partial — someone is there but no copy yet: an observer of the organisation checked in
   (a Visit), or the latest event is admitted, copy obtained (of another contest) or copy refused;
7. missing — nothing yet.

The status is one SQL expression, so every read below is a fixed number of queries whatever the
number of stations (landscape.md §3.1: the absence of reports is data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.db.models import Case, Count, ExpressionWrapper, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from elections.models import Commission, Contest, PollingStation
from elections.numbers import percent
from observers.models import Mandate, MandateEvent, Organization, Visit
from tallies.models import StationTallyState
from tallies.selectors.areas import Areas

ALL = "all"
AT_STATION = [
    Mandate.Status.ADMITTED,
    Mandate.Status.NOT_ADMITTED,
    Mandate.Status.COPY_OBTAINED,
    Mandate.Status.COPY_REFUSED,
    Mandate.Status.REMOVED,
]
PRESENT = [Mandate.Status.ADMITTED, Mandate.Status.COPY_OBTAINED, Mandate.Status.COPY_REFUSED]


class Status(models.TextChoices):
    COMPLETE = "complete", _("Complete")
    CONFLICT = "conflict", _("Conflict")
    PARTIAL = "partial", _("Partial")
    NOT_ADMITTED = "not_admitted", _("Observer not admitted")
    REMOVED = "removed", _("Observer removed")
    MISSING = "missing", _("Missing")


@dataclass(frozen=True)
class CoverageScope:
    """Whose coverage of which contest, limited to a coordinator's region or TEC (None: everywhere)."""

    organization: Organization
    contest: Contest
    territory: Commission | None = None

    @property
    def key(self) -> str:
        """The key of the scope's counts in a CoverageSample ("all", or the territory's)."""
        return commission_key(self.territory.pk) if self.territory else ALL

    def stations(self) -> QuerySet[PollingStation]:
        stations = PollingStation.objects.filter(pec__election_id=self.contest.election_id)
        return stations.within(self.territory) if self.territory else stations


def commission_key(commission_id: int) -> str:
    """Key of a region's or TEC's counts ("commission:12": never a bare number, read as an index)."""
    return f"commission:{commission_id}"


def station_statuses(scope: CoverageScope) -> QuerySet[PollingStation]:
    """The stations in scope, annotated with `coverage` (a Status value) and `is_expected` (mandated).

    Every subquery is uncorrelated (`pk IN (...)`): PostgreSQL hashes each once, so the cost
    grows with the number of stations, never with its square, even before ANALYZE has run.
    """
    facts = _Facts(scope)
    in_scope = Q(pk__in=facts.mandated) | Q(
        pk__in=facts.states.exclude(current_copy=None).values("station_id")
    )
    return (
        scope.stations()
        .filter(in_scope)
        .annotate(
            is_expected=ExpressionWrapper(Q(pk__in=facts.mandated), output_field=models.BooleanField()),
            coverage=facts.status(),
        )
    )


class _Facts:
    """The organisation's facts about stations, each a subquery of station ids."""

    def __init__(self, scope: CoverageScope) -> None:
        organization_id, election_id = scope.organization.pk, scope.contest.election_id
        self.mandated = Mandate.stations.through.objects.filter(
            mandate__organization_id=organization_id, mandate__election_id=election_id
        ).values("pollingstation_id")
        self.states = StationTallyState.objects.filter(
            organization_id=organization_id, contest_id=scope.contest.pk
        )
        self.events = MandateEvent.objects.filter(
            mandate__organization_id=organization_id,
            mandate__election_id=election_id,
            station__isnull=False,
            status__in=AT_STATION,
        )
        self.visited = Visit.objects.filter(
            observer__organization_id=organization_id, station__pec__election_id=election_id
        ).values("station_id")

    def latest(self, statuses: list[str]) -> QuerySet[MandateEvent]:
        """Stations whose latest event at the station has one of `statuses`."""
        latest = self.events.order_by("station_id", "-occurred_at", "-id").distinct("station_id")
        return MandateEvent.objects.filter(pk__in=latest.values("pk"), status__in=statuses).values(
            "station_id"
        )

    def status(self) -> Case:
        """The status as one SQL expression: the first rule that applies (module docstring)."""
        ids = {
            Status.COMPLETE: self.states.filter(is_counted=True).values("station_id"),
            Status.CONFLICT: self.states.exclude(conflicts=[]).values("station_id"),
            Status.PARTIAL: self.states.exclude(current_copy=None).values("station_id"),
            Status.NOT_ADMITTED: self.latest([Mandate.Status.NOT_ADMITTED]),
            Status.REMOVED: self.latest([Mandate.Status.REMOVED]),
        }
        rules = [When(pk__in=station_ids, then=Value(status)) for status, station_ids in ids.items()]
        present = Q(pk__in=self.visited) | Q(pk__in=self.latest(PRESENT))
        return Case(
            *rules,
            When(present, then=Value(Status.PARTIAL)),
            default=Value(Status.MISSING),
            output_field=models.CharField(),
        )


@dataclass
class CoverageRow:
    """Stations by status in one area (the scope, a region or a TEC).

    `counts` are the stations followed (with a mandate or a copy) by status; `expected` those
    with a mandate, `expected_complete` those of them whose figures count; `territory` every
    station of the area, followed or not (issue 13: 112 complete stations of 112 followed are
    not 100 % of a territory of 5,222).
    """

    key: str
    name: str
    region: str = ""
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Status.values, 0))
    expected: int = 0
    expected_complete: int = 0
    territory: int = 0

    @property
    def total(self) -> int:
        """Stations followed: with a mandate or a copy."""
        return sum(self.counts.values())

    @property
    def complete_of_expected(self) -> Decimal | None:
        """Stations with a mandate whose figures count, in percent (0.01) of those with a mandate."""
        return percent(self.expected_complete, self.expected)

    @property
    def complete_of_territory(self) -> Decimal | None:
        """Stations whose figures count, in percent (0.01) of every station of the area."""
        return percent(self.counts[Status.COMPLETE], self.territory)

    @property
    def cells(self) -> list[int]:
        """Stations per status in Status order, for a table row."""
        return [self.counts[status] for status in Status.values]

    def labelled(self) -> list[tuple[str, str, int]]:
        """(status code, label, stations) in Status order."""
        return [(code, str(label), self.counts[code]) for code, label in Status.choices]

    def add(self, status: str, stations: int, expected: bool) -> None:
        self.counts[status] += stations
        self.expected += stations if expected else 0
        self.expected_complete += stations if expected and status == Status.COMPLETE else 0

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "region": self.region,
            "counts": self.counts,
            "total": self.total,
            "expected": self.expected,
            "territory": self.territory,
            "complete_of_expected": self.complete_of_expected,
            "complete_of_territory": self.complete_of_territory,
        }


@dataclass
class CoverageReport:
    """Coverage of a scope: the total, then one row per region and per TEC, in path order."""

    total: CoverageRow
    regions: list[CoverageRow]
    tecs: list[CoverageRow]

    def as_sample(self) -> dict[str, dict[str, int]]:
        """Counts as a CoverageSample stores them: {"all" or commission key: {status: stations}}."""
        rows = [self.total, *self.regions, *self.tecs]
        return {row.key: {k: v for k, v in row.counts.items() if v or row is self.total} for row in rows}


def coverage_report(scope: CoverageScope) -> CoverageReport:
    """Count the scope's stations by status, overall, by region and by TEC, and every station of
    each area (three queries)."""
    grouped = (
        station_statuses(scope)
        .order_by()
        .values_list("pec__parent_id", "coverage", "is_expected")
        .annotate(stations=Count("pk"))
    )
    areas = Areas.of(scope.contest.election_id)
    total = CoverageRow(scope.key, scope.territory.name if scope.territory else str(_("All stations")))
    regions: dict[int, CoverageRow] = {}
    tecs: dict[int, CoverageRow] = {}
    for parent_id, status, expected, stations in grouped:
        tec, region = areas.tec_and_region(parent_id)
        for row in (total, _row(regions, region), _row(tecs, tec, region)):
            row.add(status, stations, expected)
    _add_territory(scope, areas, total, regions, tecs)
    return CoverageReport(total, _ordered(areas, regions), _ordered(areas, tecs))


def _add_territory(
    scope: CoverageScope,
    areas: Areas,
    total: CoverageRow,
    regions: dict[int, CoverageRow],
    tecs: dict[int, CoverageRow],
) -> None:
    """Set every row's `territory`: all stations of its area, followed or not (one query)."""
    per_tec = scope.stations().order_by().values_list("pec__parent_id").annotate(stations=Count("pk"))
    for parent_id, stations in per_tec:
        tec, region = areas.tec_and_region(parent_id)
        total.territory += stations
        for rows, area in ((regions, region), (tecs, tec)):
            if area.pk in rows:
                rows[area.pk].territory += stations


def _row(
    rows: dict[int, CoverageRow], commission: Commission, region: Commission | None = None
) -> CoverageRow:
    """The row of `commission` in `rows`, added if missing (a TEC's row names its region)."""
    if commission.pk not in rows:
        region_name = region.name if region and region.pk != commission.pk else ""
        rows[commission.pk] = CoverageRow(commission_key(commission.pk), commission.name, region_name)
    return rows[commission.pk]


def _ordered(areas: Areas, rows: dict[int, CoverageRow]) -> list[CoverageRow]:
    return [rows[pk] for pk in sorted(rows, key=lambda pk: areas.by_id[pk].path)]
