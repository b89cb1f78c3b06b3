"""The one definition of the stations a figure is about: with copies, compared, discrepant (issue 13).

- **with copies**: the organisation's stations whose accepted figures count in its tallies for
  the contest (StationTallyState counted, with a current copy). A station whose only copy is
  quarantined, a station in conflict and a station not yet tallied are not "with copies"; the
  tallies (ObserverTally.stations_count) and the coverage documents count the same stations.
- **compared**: the station comparisons of a reconciliation run whose station is still with
  copies, with the very copy the run compared. A run is computed at one moment; a quarantine,
  a revision or a resolution after it takes the station out of "compared" at once, so that
  compared ⊆ with copies always holds, even before the next run.
- **discrepant**: the compared stations whose figures differ from the official protocol.

Every page, API answer and export that shows these counts (results pages, dashboard,
comparison pages, the discrepant CSV, releases) reads them here. `is_behind` says when the
run no longer reflects the tallies (a new run will change the compared figures); `freshness`
says whether a run's comparison is current or stale, and why, for the pages and the API (and,
with its own statuses, a coalition's stored pool: tallies.selectors.coalitions.pool_freshness).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, Count, Exists, Func, Max, OuterRef, Q, QuerySet, Sum

from elections.models import PATH_SEPARATOR, Commission, stations_within
from tallies.models import OfficialSnapshot, ReconciliationRun, StationComparison, StationTallyState


@dataclass(frozen=True)
class StationCounts:
    """Stations with copies, compared and discrepant (integers; compared ≤ with copies)."""

    with_copies: int = 0
    compared: int = 0
    discrepant: int = 0


def with_copies(
    organization_id: int, contest_id: int, within: Commission | None = None
) -> QuerySet[StationTallyState]:
    """The organisation's stations with copies for the contest (module docstring), under `within`."""
    states = StationTallyState.objects.counted().filter(
        organization_id=organization_id, contest_id=contest_id, current_copy__isnull=False
    )
    return states.filter(stations_within(within, "station__")) if within else states


def compared(run: ReconciliationRun | None, within: Commission | None = None) -> QuerySet[StationComparison]:
    """The run's comparisons of stations still with copies, with the copy compared (none without a run).

    A comparison's copy names its station (a copy is of one station, and a station's state only
    ever makes a copy of that station current: tallying.touch_station, the submit function), so
    the state is found by its current copy alone. Matching the station as well says nothing more,
    but PostgreSQL multiplies the two conditions' selectivities and expects about one row out of
    thousands: it then sorts every discrepant comparison of a national list instead of reading
    its first page from the (run, is_discrepant, path) index (issue 17).
    """
    if run is None:
        return StationComparison.objects.none()
    still = with_copies(run.organization_id, run.contest_id).filter(current_copy_id=OuterRef("copy_id"))
    rows = StationComparison.objects.filter(Exists(still), run=run)
    return rows.filter(comparisons_within(within)) if within else rows


def comparisons_within(commission: Commission) -> Q:
    """A filter on station comparisons under `commission`: stations_within, read from the path the
    comparison keeps (StationComparison.path, a range of its (run, is_discrepant, path) index).

    The election stays part of the filter, as in stations_within; it costs one primary-key look-up
    per row found, through the station and its PEC.
    """
    return Q(path__startswith=commission.path, station__pec__election_id=commission.election_id)


def discrepant(
    run: ReconciliationRun | None, within: Commission | None = None
) -> QuerySet[StationComparison]:
    """The compared stations whose figures differ from the official protocol."""
    return compared(run, within).filter(is_discrepant=True)


def counts(
    organization_id: int, contest_id: int, run: ReconciliationRun | None, within: Commission | None = None
) -> StationCounts:
    """Stations with copies, compared and discrepant under `within` (None: everywhere); two queries."""
    found = compared(run, within).aggregate(
        compared=Count("pk"), discrepant=Count("pk", filter=Q(is_discrepant=True))
    )
    return StationCounts(
        with_copies(organization_id, contest_id, within).count(), found["compared"], found["discrepant"]
    )


def counts_by_child(
    organization_id: int, contest_id: int, run: ReconciliationRun | None, children: list[Commission]
) -> dict[int, StationCounts]:
    """Child commission id → its StationCounts (every child present, zeros included); two queries.

    `children` are the children of one commission (one depth). Each query groups its rows by the
    child path they fall under, so it reads the rows once however many children there are.
    """
    if not children:
        return {}
    election_id, depth = children[0].election_id, children[0].path.count(PATH_SEPARATOR)
    child = _PathPrefix("station__pec__path", depth=depth)
    under = children[0].path[: children[0].path.rstrip(PATH_SEPARATOR).rfind(PATH_SEPARATOR) + 1]
    scope = Q(station__pec__election_id=election_id, station__pec__path__startswith=under)
    states = with_copies(organization_id, contest_id).filter(scope)
    copies = {row["child"]: row["n"] for row in states.values(child=child).annotate(n=Count("pk")).order_by()}
    rows = compared(run).filter(scope).values(child=child).order_by()
    tallied = {
        row["child"]: (row["n"], row["d"])
        for row in rows.annotate(n=Count("pk"), d=Count("pk", filter=Q(is_discrepant=True)))
    }
    return {c.pk: StationCounts(copies.get(c.path, 0), *tallied.get(c.path, (0, 0))) for c in children}


def counts_of_pecs(
    organization_id: int, contest_id: int, run: ReconciliationRun | None, pec_ids: list[int]
) -> dict[int, StationCounts]:
    """PEC id → its station's StationCounts (every PEC present, zeros included); two queries over
    the given PECs' stations only, so a TEC's page costs what its stations cost."""
    if not pec_ids:
        return {}
    states = with_copies(organization_id, contest_id).filter(station__pec_id__in=pec_ids)
    per_pec = states.values("station__pec_id").annotate(n=Count("pk")).order_by()
    copies = dict(per_pec.values_list("station__pec_id", "n"))
    rows = compared(run).filter(station__pec_id__in=pec_ids).values("station__pec_id").order_by()
    tallied = {
        row["station__pec_id"]: (row["n"], row["d"])
        for row in rows.annotate(n=Count("pk"), d=Count("pk", filter=Q(is_discrepant=True)))
    }
    return {pk: StationCounts(copies.get(pk, 0), *tallied.get(pk, (0, 0))) for pk in pec_ids}


class _PathPrefix(Func):
    """A commission path's first `depth` parts ('A/B/C/' with depth 2: 'A/B/'), as text."""

    output_field = CharField()

    def __init__(self, expression: str, *, depth: int) -> None:
        super().__init__(expression)
        self.template = (
            f"array_to_string((string_to_array(%(expressions)s, '{PATH_SEPARATOR}'))[1:{int(depth)}],"
            f" '{PATH_SEPARATOR}') || '{PATH_SEPARATOR}'"
        )


def compared_by_path(run: ReconciliationRun | None) -> dict[str, StationCounts]:
    """Commission path → stations compared and discrepant under it, for every commission above a
    compared station (`with_copies` is left 0: see `counts`); one query over the compared rows."""
    found: dict[str, list[int]] = {}
    for path, is_discrepant in compared(run).values_list("station__pec__path", "is_discrepant"):
        parts = path.split("/")[:-1]
        for ancestor in ("/".join(parts[:i]) + "/" for i in range(1, len(parts))):
            pair = found.setdefault(ancestor, [0, 0])
            pair[0] += 1
            pair[1] += int(is_discrepant)
    return {path: StationCounts(0, pair[0], pair[1]) for path, pair in found.items()}


def is_behind(run: ReconciliationRun | None) -> bool:
    """True when stations were counted, changed or left the tallies since the run (one query).

    The same inputs as tallies.services.reconciliation's fingerprint: the stations with copies,
    the newest current copy among them and the sum of every station's applied version.
    """
    if run is None:
        return False
    states = StationTallyState.objects.filter(organization_id=run.organization_id, contest_id=run.contest_id)
    counted = Q(is_counted=True, current_copy__isnull=False)
    found = states.aggregate(
        stations=Count("pk", filter=counted),
        newest=Max("current_copy_id", filter=counted),
        version=Sum("applied_version"),
    )
    now = (found["stations"], found["newest"] or 0, found["version"] or 0)
    return now != (run.copies_considered, run.last_copy_id, run.inputs_version)


@dataclass(frozen=True)
class Freshness:
    """Whether a comparison (a finished reconciliation run) still describes the data.

    `status`: "current", "stale" (copies or official results changed after the run finished) or
    "none" (no comparison yet); `computed_at`: when the run finished (aware, None for "none").
    A coalition's stored pool has "pooled" (current), "updating" (its inputs moved since
    `computed_at`) and "pending" (nothing stored yet): tallies.selectors.coalitions.pool_freshness.
    """

    status: str
    computed_at: datetime | None = None
    copies_changed: bool = False
    official_changed: bool = False


def freshness(run: ReconciliationRun | None, *, copies_changed: bool | None = None) -> Freshness:
    """The Freshness of `run`'s comparison (two queries; one when `copies_changed`, is_behind(run),
    is given by a caller that read it already)."""
    if run is None or run.finished_at is None:
        return Freshness("none")
    copies = is_behind(run) if copies_changed is None else copies_changed
    official = official_changed_since(run)
    return Freshness("stale" if copies or official else "current", run.finished_at, copies, official)


def official_changed_since(run: ReconciliationRun) -> bool:
    """True when a snapshot of the run's contest was imported or withdrawn after the run finished:
    the comparison then is not with the official results as they are now (one query)."""
    imported = Q(imported_at__gt=run.finished_at, withdrawn_at__isnull=True)
    changed = OfficialSnapshot.objects.filter(imported | Q(withdrawn_at__gt=run.finished_at))
    return changed.filter(contest_id=run.contest_id).exists()
