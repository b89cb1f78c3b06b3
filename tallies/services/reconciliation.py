"""Reconciliation: each station's observer copy against the official protocol of that station.

Per station: the line-by-line differences (observer value, official value). Per commission
(TEC, region, nation): stations compared and discrepant, and the observer and official totals
over the compared stations only, so turnout, shares and votes moved compare like with like.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from config.outbox import enqueue_on_commit
from elections.models import Commission, Contest
from elections.protocol import Figures
from tallies.models import (
    CommissionReconciliation,
    OfficialProtocol,
    OfficialSnapshot,
    ReconciliationRun,
    StationComparison,
    StationTallyState,
)
from tallies.selectors.complete_stations import Bases, needs
from tallies.selectors.layout import Layout
from tallies.selectors.snapshots import latest_snapshot


def reconcile(
    *, organization_id: int, contest_id: int, snapshot_id: int | None = None
) -> ReconciliationRun | None:
    """Compare what the tallies count for each station with an official snapshot (default: latest final).

    The observer side of a station is its accepted figures as last applied to the tallies
    (StationTallyState); stations in conflict or wholly quarantined are not compared. Returns the
    run, or None when the contest has no official snapshot. Safe to repeat: when neither the
    counted figures nor the snapshot changed since the last run, that run is returned (unless it
    was made before its totals kept the stations each percentage is over: then a new one is).
    """
    contest = Contest.objects.get(pk=contest_id)
    snapshot = OfficialSnapshot.objects.get(pk=snapshot_id) if snapshot_id else latest_snapshot(contest)
    if snapshot is None:
        return None
    counted = _counted_stations(organization_id, contest_id)
    fingerprint = _fingerprint(organization_id, contest_id, counted)
    previous = _previous_run(organization_id, contest_id, snapshot.pk)
    if (
        previous
        and (previous.copies_considered, previous.last_copy_id, previous.inputs_version) == fingerprint
        and not previous.commissions.filter(bases__isnull=True).exists()  # made before bases were kept
    ):
        return previous
    with transaction.atomic():
        _hold_comparison_paths()
        run = ReconciliationRun.objects.create(
            organization_id=organization_id,
            contest=contest,
            snapshot=snapshot,
            copies_considered=fingerprint[0],
            last_copy_id=fingerprint[1],
            inputs_version=fingerprint[2],
        )
        comparisons = _compare_stations(run, snapshot, counted)
        _roll_up(run, comparisons)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    return run


REFRESH_AT_MOST_EVERY = 60  # seconds: one requested run per organisation and contest


def request_reconcile(*, run: ReconciliationRun) -> bool:
    """Ask for a new run of `run`'s comparison after commit; False when one was asked for lately.

    For a page that found its run behind the tallies (tallies.selectors.station_sets.is_behind):
    pages are read often, so at most one run is requested per organisation and contest every
    REFRESH_AT_MOST_EVERY seconds. Nothing else starts a comparison when copies change.
    """
    key = f"reconcile-requested:{run.organization_id}:{run.contest_id}"
    if not cache.add(key, True, timeout=REFRESH_AT_MOST_EVERY):
        return False
    from tallies import tasks  # tasks import services: import here

    enqueue_on_commit(
        tasks.reconcile,
        organization_id=run.organization_id,
        contest_id=run.contest_id,
        snapshot_id=run.snapshot_id,
    )
    return True


# The first key of pg_advisory_xact_lock(int, int) that guards StationComparison.path: "PATH".
# Migration 0039's triggers take it exclusively (key 0) before a statement that may change a PEC's
# path or a station's PEC; a reconciliation takes it shared for its transaction.
PATHS_LOCK = (0x50415448, 0)


def _hold_comparison_paths() -> None:
    """Keep PECs' paths and stations' PECs from changing until this transaction ends.

    A run reads each station's PEC path and stores a copy with its comparison; the triggers of
    migration 0039 correct the stored copies when a path changes, but only those they can see, that
    is committed ones. Without this lock an edit committed between the run's read and its commit
    would leave the run's new rows with the old path, and a list under the new path would miss
    them. Taken before the paths are read: under READ COMMITTED (Django's default) the read that
    follows sees any edit that committed while this waited. Many runs hold it at once; an edit
    waits for them (and they for it).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", list(PATHS_LOCK))


def _counted_stations(organization_id: int, contest_id: int) -> dict[int, tuple[int, Figures]]:
    """PEC id → (the station's newest copy id, its counted figures) for every counted station."""
    from tallies.selectors import station_sets  # the selectors import this module: import here

    states = station_sets.with_copies(organization_id, contest_id)
    rows = states.values_list("station__pec_id", "current_copy_id", "applied_lines", "applied_options")
    return {pec: (copy_id, Figures(lines, options)) for pec, copy_id, lines, options in rows}


def _fingerprint(
    organization_id: int, contest_id: int, counted: dict[int, tuple[int, Figures]]
) -> tuple[int, int, int]:
    """(stations counted, newest copy id, Σ applied versions): changes whenever any input does."""
    versions = StationTallyState.objects.filter(organization_id=organization_id, contest_id=contest_id)
    total = versions.aggregate(total=Sum("applied_version"))["total"] or 0
    return len(counted), max((copy_id for copy_id, _ in counted.values()), default=0), total


def _run_fingerprint(run: ReconciliationRun) -> tuple[int, int, int]:
    return run.copies_considered, run.last_copy_id, run.inputs_version


def _previous_run(organization_id: int, contest_id: int, snapshot_id: int) -> ReconciliationRun | None:
    return (
        ReconciliationRun.objects.filter(
            organization_id=organization_id,
            contest_id=contest_id,
            snapshot_id=snapshot_id,
            finished_at__isnull=False,
        )
        .order_by("-started_at", "-id")
        .first()
    )


def _compare_stations(
    run: ReconciliationRun, snapshot: OfficialSnapshot, counted: dict[int, tuple[int, Figures]]
) -> list[tuple[StationComparison, int, Figures, Figures]]:
    layout = snapshot.figure_layout
    rows = OfficialProtocol.objects.filter(
        snapshot=snapshot, is_derived=False, commission_id__in=counted.keys()
    ).values_list("commission_id", "pk", "figure_values")
    officials: dict[int, int] = {}
    official: dict[int, Figures] = {}
    for pec_id, protocol_id, values in rows.iterator(chunk_size=20_000):
        officials[pec_id] = protocol_id
        official[protocol_id] = layout.figures(values)
    stations = {
        pec_id: (station_id, path)
        for pec_id, station_id, path in Commission.objects.filter(pk__in=officials.keys()).values_list(
            "pk", "station__pk", "path"
        )
    }
    out = []
    for pec_id, protocol_id in officials.items():
        copy_id, counted_figures = counted[pec_id]
        published = official.get(protocol_id, Figures())
        mine, theirs = _restricted_to(counted_figures, published), _restricted_to(published, counted_figures)
        lines, options = mine.differing(theirs)
        station_id, path = stations[pec_id]
        comparison = StationComparison(
            run=run,
            station_id=station_id,
            path=path,
            copy_id=copy_id,
            official_id=protocol_id,
            is_discrepant=bool(lines or options),
            differences={"lines": lines, "options": options},
            not_compared=_not_compared(counted_figures, published),
        )
        out.append((comparison, pec_id, mine, theirs))
    StationComparison.objects.bulk_create([c for c, _, _, _ in out], batch_size=2000)
    return out


def _restricted_to(mine: Figures, theirs: Figures) -> Figures:
    """Only the figures the other side has too. A line the official protocol lacks (a partial
    transcription) or the copy lacks (marked "not on the copy") is not compared: never a
    difference, never 0 votes on either side, and left out of both sides' roll-up sums."""
    return Figures(
        {code: value for code, value in mine.lines.items() if code in theirs.lines},
        {code: value for code, value in mine.options.items() if code in theirs.options},
    )


def _not_compared(mine: Figures, theirs: Figures) -> list[str]:
    """The figures only one side gives: ["lines.<code>", "options.<code>", …], sorted."""
    return sorted(
        [f"lines.{code}" for code in mine.lines.keys() ^ theirs.lines.keys()]
        + [f"options.{code}" for code in mine.options.keys() ^ theirs.options.keys()]
    )


def _roll_up(
    run: ReconciliationRun, comparisons: list[tuple[StationComparison, int, Figures, Figures]]
) -> None:
    """Sum the compared stations' figures (each side restricted to what both give) into every
    commission above them. Each sum is over the stations giving that figure on both sides, so a
    percentage of two sums could mix stations: per percentage, the sums over the stations giving
    every figure it needs on both sides are kept too (`bases`, complete_stations.Bases)."""
    pecs = Commission.objects.in_bulk([pec_id for _, pec_id, _, _ in comparisons])
    paths = {p for pec in pecs.values() for p in pec.ancestor_paths()}
    by_path = {
        c.path: c.pk for c in Commission.objects.filter(election_id=run.contest.election_id, path__in=paths)
    }
    wanted = needs(Layout.of(run.contest))
    rollups: dict[int, CommissionReconciliation] = {}
    bases: dict[int, dict[str, Bases]] = {}
    for comparison, pec_id, mine, theirs in comparisons:
        pec = pecs[pec_id]
        for commission_id in [by_path[p] for p in pec.ancestor_paths()]:
            rollup = rollups.setdefault(
                commission_id, CommissionReconciliation(run=run, commission_id=commission_id)
            )
            rollup.stations_compared += 1
            rollup.stations_discrepant += int(comparison.is_discrepant)
            _add_into(rollup, mine, theirs)
            sides = bases.setdefault(commission_id, {"observer": Bases(wanted), "official": Bases(wanted)})
            sides["observer"].add(mine)  # mine and theirs give the same figures (_restricted_to)
            sides["official"].add(theirs)
    for commission_id, rollup in rollups.items():
        rollup.bases = {side: found.as_json() for side, found in bases[commission_id].items()}
    CommissionReconciliation.objects.bulk_create(rollups.values(), batch_size=1000)


def _add_into(rollup: CommissionReconciliation, mine: Figures, theirs: Figures) -> None:
    for target, source in (
        (rollup.observer_lines, mine.lines),
        (rollup.observer_options, mine.options),
        (rollup.official_lines, theirs.lines),
        (rollup.official_options, theirs.options),
    ):
        for code, value in source.items():
            target[code] = target.get(code, 0) + value
