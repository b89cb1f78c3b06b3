"""What the election-night dashboard shows besides the counts: progress, call list, map, shares.

Every read takes a coverage CoverageScope (organisation, contest, territory) and runs a fixed number of
queries. The call list holds observers' names and phones: it is for the organisation's own
coordinators (views check that), and lists only the organisation's own observers.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from elections.models import Commission
from observers.models import Mandate
from tallies.models import CoverageSample
from tallies.selectors.coalition_deployment import partners_at
from tallies.selectors.commission import commission_results, root_commission
from tallies.selectors.coverage import (
    CoverageReport,
    CoverageScope,
    Status,
    coverage_report,
    station_statuses,
)

CALL_LIST_SIZE = 100  # rows shown; the count says how many there are


def contest_key(contest_id: int) -> str:
    """Key of a contest's counts in CoverageSample.counts ("contest:7": never a bare number)."""
    return f"contest:{contest_id}"


@dataclass(frozen=True)
class Progress:
    """Coverage samples over time: labels (election-local "HH:MM") and stations per status."""

    labels: list[str]
    series: dict[str, list[int]]

    def rows(self) -> list[list[object]]:
        """One table row per sample: label, then stations per status in Status order."""
        return [[label, *(self.series[s][i] for s in Status.values)] for i, label in enumerate(self.labels)]


def progress(scope: CoverageScope) -> Progress:
    """The scope's counts at every recorded CoverageSample of the election, oldest first (one query)."""
    path = f"counts__{contest_key(scope.contest.pk)}__{scope.key}"
    samples = CoverageSample.objects.filter(
        organization=scope.organization, election_id=scope.contest.election_id
    ).values_list("taken_at", path)
    zone = zoneinfo.ZoneInfo(scope.contest.election.time_zone)
    labels: list[str] = []
    series: dict[str, list[int]] = {status: [] for status in Status.values}
    for taken_at, counts in samples.order_by("taken_at"):
        labels.append(_local(taken_at, zone))
        for status in Status.values:
            series[status].append((counts or {}).get(status, 0))
    return Progress(labels, series)


def _local(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return timezone.localtime(moment, zone).strftime("%H:%M")


@dataclass(frozen=True)
class CallRow:
    """A live mandate's observer at a missing station: whom to call, about which station."""

    station_id: int
    station: str
    tec: str
    observer: str
    code: str
    phone: str
    partners: str = ""  # coalition partners covering the station too (organisation names only)

    def as_json(self) -> dict[str, object]:
        return self.__dict__.copy()


def call_list(scope: CoverageScope, limit: int = CALL_LIST_SIZE) -> tuple[int, list[CallRow]]:
    """(how many, the first `limit`) observers with a live mandate for a missing station (three
    queries; one or three more naming the coalition partners that cover the listed stations).

    The station statuses are read whole, never with LIMIT: a LIMIT can make PostgreSQL run the
    status subqueries once per station instead of hashing them once.
    """
    missing = list(station_statuses(scope).filter(coverage=Status.MISSING).values_list("pk", flat=True))
    links = (
        Mandate.stations.through.objects.filter(
            mandate__organization_id=scope.organization.pk,
            mandate__observer__organization_id=scope.organization.pk,
            mandate__election_id=scope.contest.election_id,
            pollingstation_id__in=missing,
        )
        .exclude(mandate__status__in=Mandate.Status.ended())
        .order_by("pollingstation__pec__path", "mandate__observer__code")
    )
    rows = list(
        links.values_list(
            "pollingstation_id",
            "pollingstation__number",
            "pollingstation__pec__parent__name",
            "mandate__observer__display_name",
            "mandate__observer__code",
            "mandate__observer__phone",
        )[:limit]
    )
    partners = partners_at(scope, [row[0] for row in rows]) if rows else {}
    return links.count(), [CallRow(*row, ", ".join(partners.get(row[0], []))) for row in rows]


UNFOLLOWED = "unfollowed"  # on the map only: a station of the territory nobody follows
LOCATED = Q(latitude__isnull=False, longitude__isnull=False)


def map_stations(scope: CoverageScope) -> list[list[object]]:
    """[[station id, number, latitude, longitude, status], ...] of the territory's stations with
    coordinates (two queries): the followed ones by coverage status, the others as UNFOLLOWED.

    Station positions only: observers' positions are never collected or shown.
    """
    followed = station_statuses(scope)
    fields = ("pk", "number", "latitude", "longitude")
    rows = followed.filter(LOCATED).order_by().values_list(*fields, "coverage")
    others = (
        scope.stations().filter(LOCATED).exclude(pk__in=followed.values("pk")).order_by().values_list(*fields)
    )
    found = [[pk, number, str(lat), str(lng), status] for pk, number, lat, lng, status in rows]
    return found + [[pk, number, str(lat), str(lng), UNFOLLOWED] for pk, number, lat, lng in others]


def map_note(scope: CoverageScope) -> str:
    """Why the map shows few or no stations, in the active language ("" when nothing is missing).

    In order: no station of the territory has coordinates; no station is followed yet (no
    mandate, no copy); none of the followed stations has coordinates (one query).
    """
    followed = station_statuses(scope).values("pk")
    found = scope.stations().aggregate(
        located=Count("pk", filter=LOCATED),
        followed=Count("pk", filter=Q(pk__in=followed)),
        followed_located=Count("pk", filter=LOCATED & Q(pk__in=followed)),
    )
    located = found["located"]
    if not located:
        return _(
            "No station in view has coordinates in the station register, so the map has nothing to "
            "show; the stations are listed below."
        )
    if not found["followed"]:
        return _(
            "No station in view is followed yet (no mandate, no copy): the map shows the "
            "%(located)s stations with coordinates as not followed."
        ) % {"located": located}
    if not found["followed_located"]:
        return _(
            "None of the stations followed has coordinates: they are listed below, and the map "
            "shows the other %(located)s stations with coordinates as not followed."
        ) % {"located": located}
    return ""


def unlocated_stations(
    scope: CoverageScope, limit: int = CALL_LIST_SIZE
) -> tuple[int, list[tuple[str, str, str]]]:
    """(how many, first `limit` (number, TEC, status label)) stations in scope without coordinates.

    One query, read whole and sorted here (see call_list on LIMIT).
    """
    unlocated = station_statuses(scope).filter(Q(latitude=None) | Q(longitude=None)).order_by()
    rows = sorted(unlocated.values_list("pec__path", "number", "pec__parent__name", "coverage"))
    labels = dict(Status.choices)
    return len(rows), [(number, tec, str(labels[status])) for _path, number, tec, status in rows[:limit]]


@dataclass(frozen=True)
class ShareBar:
    """Turnout or an option's share in percent (0.01): the organisation's tally against the official."""

    label: str
    observer: Decimal | None
    official: Decimal | None
    official_in_regions: Decimal | None = None  # the root: official over the regions with copies


def shares(scope: CoverageScope) -> tuple[list[ShareBar], dict[str, Any]]:
    """Turnout, then each option's share, for the territory or the root commission, and its coverage.

    Every observer-vs-official figure goes with what the copies cover (issue 22): the coverage
    document of tallies.selectors.copy_coverage, and at the root the official figure of the
    regions with copies beside the national one. Fixed queries.
    """
    commission: Commission | None = scope.territory or root_commission(scope.contest)
    if commission is None:
        return [], {}
    results = commission_results(
        organization=scope.organization, contest=scope.contest, commission=commission
    )
    regions = {row.code: row.official_in_regions for row in results.regions_rows}
    bars = [
        ShareBar(row.label, row.observer, row.official, regions.get(row.code)) for row in results.share_rows
    ]
    return bars, results.coverage


@dataclass(frozen=True)
class Dashboard:
    """Everything the page shows and polls for; `updated` is election-local "HH:MM"."""

    report: CoverageReport
    progress: Progress
    calls: int
    call_rows: list[CallRow]
    shares: list[ShareBar]
    updated: str
    coverage: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        """JSON-ready data (integers; percentages as Decimal, which Django's encoder writes as text)."""
        return {
            "total": self.report.total.as_json(),
            "regions": [row.as_json() for row in self.report.regions],
            "tecs": [row.as_json() for row in self.report.tecs],
            "progress": {"labels": self.progress.labels, "series": self.progress.series},
            "call_list": {"count": self.calls, "rows": [row.as_json() for row in self.call_rows]},
            "shares": [bar.__dict__ for bar in self.shares],
            "coverage": self.coverage,
            "updated": self.updated,
        }


def dashboard(scope: CoverageScope) -> Dashboard:
    """Gather the dashboard of a scope; the last progress point is the live count (fixed queries)."""
    report = coverage_report(scope)
    count, calls = call_list(scope)
    now = _local(timezone.now(), zoneinfo.ZoneInfo(scope.contest.election.time_zone))
    history = _with_now(progress(scope), now, report.total.counts)
    bars, covered = shares(scope)
    return Dashboard(report, history, count, calls, bars, now, covered)


def _with_now(history: Progress, now: str, counts: dict[str, int]) -> Progress:
    """The recorded samples and, last, the live counts labelled "HH:MM (now)"."""
    label = _("%(time)s (now)") % {"time": now}
    series = {status: [*values, counts[status]] for status, values in history.series.items()}
    return Progress([*history.labels, label], series)


def status_legend() -> list[dict[str, str]]:
    """[{code, label}] of the statuses in display order (labels in the active language)."""
    return [{"code": code, "label": str(label)} for code, label in Status.choices]


def chart_labels() -> dict[str, str]:
    """Axis and series names the page's script needs, in the active language."""
    return {
        "stations": _("Stations"),
        "time": _("Time (election time zone)"),
        "percent": _("Percent"),
        "observer": _("Observers' copies"),
        "official": _("Official results"),
        "no_coordinates": _("No station in view has coordinates yet."),
        "unfollowed": _("Not followed"),
        "no_map": _("The map could not be drawn in this browser; the stations are listed below."),
    }
