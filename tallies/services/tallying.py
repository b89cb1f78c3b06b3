"""Observer and official tallies per commission (TEC, region, nation), kept exact.

Design (stated here as the issue asks): the observer tally is **incremental**. Each station has
a StationTallyState. Whatever may change what the station contributes (a copy, a revision, a
quarantine or its release, a conflict resolution) calls `touch_station`, which raises the
state's `wanted_version` in the same transaction and schedules `apply_station_tally` after
commit. That job derives the station's accepted figures (tallies.services.accepted), moves the
tallies of every ancestor commission by (accepted − applied) and records what it applied, all in
one transaction, so running it twice changes nothing. `recompute_observer_tallies` rebuilds the
same totals from the copies in set-based SQL; the tests hold the two paths equal.

Locking: every change to an organisation's tallies for a contest locks that contest's tally
rows root first (by path), so two stations of one TEC never interleave and never deadlock, and
a full recompute excludes incremental updates while it runs. A station's job waits at most
settings.TALLY_LOCK_TIMEOUT seconds for those rows, then raises StationBusy having written
nothing: the task puts its message back in the queue rather than wait until its time limit
fails it, which would acknowledge the message and leave the station to the sweep
(docs/faults.md, "A killed pool process left stations unapplied").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from config.outbox import enqueue_on_commit
from elections.models import Commission
from elections.protocol import Figures
from tallies.errors import StationBusy
from tallies.models import (
    ObserverTally,
    OfficialFigure,
    OfficialProtocol,
    OfficialSnapshot,
    ProtocolCopy,
    StationTallyState,
)
from tallies.services import recompute_sql
from tallies.services.accepted import Accepted, accepted_for_stations
from tallies.services.official_bases import official_bases

ZERO = Figures()
EXPECTED_KEYS = """
SELECT 'lines.' || l.code FROM elections_protocolline l
JOIN elections_contest c ON c.form_id = l.form_id WHERE c.id = %s
UNION ALL
SELECT 'options.' || o.code FROM elections_ballotoption o WHERE o.contest_id = %s
"""
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ends a wait
log = logging.getLogger(__name__)


def touch_station(*, organization_id: int, contest_id: int, station_id: int) -> StationTallyState:
    """Mark a station's contribution as changed; its tally job runs after the commit.

    Call inside the transaction that makes the change, so a lost task message leaves a stale
    state for the periodic sweep rather than a wrong tally.
    """
    state, _ = StationTallyState.objects.select_for_update().get_or_create(
        organization_id=organization_id, contest_id=contest_id, station_id=station_id
    )
    state.wanted_version = F("wanted_version") + 1
    state.save(update_fields=["wanted_version"])
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    enqueue_on_commit(tasks.apply_station_tally, state_id=state.pk)
    return state


def requeue_if_stale(*, copy_id: int) -> bool:
    """Queue the tally job again for the station of copy `copy_id` if its tallies still lag it.

    Called when a copy is resent (same client key): the phone never had the first answer, so
    the request that stored the copy may have died after its commit and before the job was
    queued (a web worker SIGKILLed, OOM-killed or cut off), and no message exists to redeliver.
    Without this only the beat sweep (`sweep_stale_tallies`, every 60 s) would apply the
    station (docs/faults.md). A job queued twice changes nothing. True if one was queued.
    """
    copies = ProtocolCopy.objects.filter(
        pk=copy_id,
        organization_id=OuterRef("organization_id"),
        contest_id=OuterRef("contest_id"),
        station_id=OuterRef("station_id"),
    )
    state_id = StationTallyState.objects.stale().filter(Exists(copies)).values_list("pk", flat=True).first()
    if state_id is None:
        return False
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    enqueue_on_commit(tasks.apply_station_tally, state_id=state_id)
    return True


def apply_station_tally(*, state_id: int) -> bool:
    """Bring the tallies in line with the station's accepted figures; return False if already so.

    Raises StationBusy, having written nothing, when the tally rows stay locked by another
    transaction for more than settings.TALLY_LOCK_TIMEOUT seconds.
    """
    try:
        with transaction.atomic():
            _limit_lock_wait(settings.TALLY_LOCK_TIMEOUT)
            return _apply_locked(state_id)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise StationBusy(state_id) from error
        raise


def _limit_lock_wait(seconds: float) -> None:
    """SET LOCAL lock_timeout for the current transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{round(seconds * 1000)}ms"])


def _apply_locked(state_id: int) -> bool:
    state = StationTallyState.objects.select_related("station__pec").get(pk=state_id)
    commissions = _ancestors_and_self_parent(state.station.pec)
    tallies = _locked_tallies(state.organization_id, state.contest_id, commissions)
    state = StationTallyState.objects.select_for_update().get(pk=state_id)
    if state.applied_version == state.wanted_version:
        return False
    accepted = accepted_for_stations(state.organization_id, state.contest_id, [state.station_id])
    target = accepted.get(state.station_id, Accepted(None))
    _move_tallies(tallies, state, target, expected_keys(state.contest_id))
    _record_applied(state, target)
    state.save(
        update_fields=["applied_version", "is_counted", "applied_lines", "applied_options", "conflicts"]
    )
    return True


def _move_tallies(
    tallies: list[ObserverTally], state: StationTallyState, target: Accepted, expected: frozenset[str]
) -> None:
    delta = (target.figures or ZERO).minus(state.applied_figures())
    stations_delta = int(target.figures is not None) - int(state.is_counted)
    was_missing = missing_keys(state.applied_figures() if state.is_counted else None, expected)
    now_missing = missing_keys(target.figures, expected)
    partial_delta = int(bool(now_missing)) - int(bool(was_missing))
    for tally in tallies:
        tally.stations_count += stations_delta
        tally.partial_stations += partial_delta
        tally.missing = _moved_missing(tally.missing, was_missing, now_missing)
        # A commission left with no counted station holds no totals, exactly as a recompute has it.
        figures = tally.figures().plus(delta) if tally.stations_count else ZERO
        tally.set_figures(_covered(figures, tally))
    ObserverTally.objects.bulk_update(
        tallies, ["line_totals", "option_totals", "stations_count", "missing", "partial_stations"]
    )


def expected_keys(contest_id: int) -> frozenset[str]:
    """Every figure a complete copy of the contest gives: ``lines.<code>`` and ``options.<code>``."""
    with connection.cursor() as cursor:
        cursor.execute(EXPECTED_KEYS, [contest_id, contest_id])
        return frozenset(key for (key,) in cursor.fetchall())


def missing_keys(figures: Figures | None, expected: frozenset[str]) -> frozenset[str]:
    """The expected figures a station's accepted `figures` lack (none when it is not counted)."""
    if figures is None:
        return frozenset()
    given = {f"lines.{code}" for code in figures.lines} | {f"options.{code}" for code in figures.options}
    return expected - given


def _moved_missing(missing: dict[str, int], was: frozenset[str], now: frozenset[str]) -> dict[str, int]:
    counts = dict(missing)
    for key, step in [(key, -1) for key in was] + [(key, 1) for key in now]:
        counts[key] = counts.get(key, 0) + step
    return {key: n for key, n in sorted(counts.items()) if n}


def _covered(figures: Figures, tally: ObserverTally) -> Figures:
    """`figures` without the codes no counted station gives (a recompute has no total for them)."""
    return Figures(
        {code: v for code, v in figures.lines.items() if tally.coverage(f"lines.{code}") > 0},
        {code: v for code, v in figures.options.items() if tally.coverage(f"options.{code}") > 0},
    )


def _record_applied(state: StationTallyState, target: Accepted) -> None:
    figures = target.figures or ZERO
    state.applied_version = state.wanted_version
    state.is_counted = target.figures is not None
    state.applied_lines = dict(sorted(figures.lines.items()))
    state.applied_options = dict(sorted(figures.options.items()))
    state.conflicts = target.conflicts


def sweep_stale_tallies(*, limit: int = 1000) -> int:
    """Apply every station whose changes are not yet in the tallies; return how many.

    A station whose tally rows are busy (StationBusy) is left to the next sweep, and so are the
    other stations of its organisation and contest, which wait for the same root row.
    """
    rows = StationTallyState.objects.stale().values_list("pk", "organization_id", "contest_id")[:limit]
    busy: set[tuple[int, int]] = set()
    applied = 0
    for state_id, organization_id, contest_id in rows:
        if (organization_id, contest_id) in busy:
            continue
        try:
            applied += apply_station_tally(state_id=state_id)
        except StationBusy:
            log.info(
                "tallies of organisation %s, contest %s busy: left to the next sweep",
                organization_id,
                contest_id,
            )
            busy.add((organization_id, contest_id))
    return applied


def _ancestors_and_self_parent(pec: Commission) -> list[Commission]:
    """The PEC's ancestors, root first: the commissions whose tallies include the station."""
    return list(
        Commission.objects.filter(election_id=pec.election_id, path__in=pec.ancestor_paths()).order_by("path")
    )


def _locked_tallies(
    organization_id: int, contest_id: int, commissions: list[Commission]
) -> list[ObserverTally]:
    ObserverTally.objects.bulk_create(
        [
            ObserverTally(organization_id=organization_id, contest_id=contest_id, commission=c)
            for c in commissions
        ],
        ignore_conflicts=True,
    )
    return list(
        ObserverTally.objects.select_for_update()
        .filter(organization_id=organization_id, contest_id=contest_id, commission__in=commissions)
        .order_by("commission__path")
    )


def recompute_observer_tallies(*, organization_id: int, contest_id: int) -> int:
    """Rebuild every tally of the organisation and contest from its copies; never increment.

    Returns the number of stations counted. Locks the root tally first, then every station
    state, so changes made meanwhile are applied on top of the rebuilt totals afterwards. The
    rebuild is set-based SQL (tallies.services.recompute_sql); the tests hold it equal to the
    incremental path (`apply_station_tally` station by station).
    """
    with transaction.atomic():
        roots = list(Commission.objects.filter(Q(election__contests=contest_id), parent__isnull=True))
        _locked_tallies(organization_id, contest_id, roots)
        recompute_sql.lock_station_states(organization_id, contest_id)
        return recompute_sql.recompute_in_sql(organization_id, contest_id)


def _group_rows(rows: Iterable[Mapping[str, Any]], key: str) -> dict[int, Figures]:
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    options: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        target = lines if row["line__code"] else options
        target[row[key]][row["line__code"] or row["option__code"]] = row["total"]
    return {k: Figures(lines.get(k, {}), options.get(k, {})) for k in lines.keys() | options.keys()}


def _roll_up(
    per_parent: dict[int, Figures], stations: dict[int, int]
) -> tuple[dict[int, Figures], dict[int, int]]:
    """Add each PEC parent's totals to that commission and all its ancestors."""
    parents = Commission.objects.in_bulk(per_parent.keys() | stations.keys())
    paths = {p for c in parents.values() for p in c.ancestor_paths()}
    election_ids = {c.election_id for c in parents.values()}
    by_path = {c.path: c.pk for c in Commission.objects.filter(election_id__in=election_ids, path__in=paths)}
    totals: dict[int, Figures] = defaultdict(Figures)
    counts: dict[int, int] = defaultdict(int)
    for parent_id, parent in parents.items():
        for target in [by_path[p] for p in parent.ancestor_paths()] + [parent_id]:
            totals[target] = totals[target].plus(per_parent.get(parent_id, ZERO))
            counts[target] += stations.get(parent_id, 0)
    return totals, counts


def schedule_snapshot_tally(snapshot: OfficialSnapshot) -> None:
    """Send `tally_official_snapshot` for a snapshot once the transaction that stored it commits.

    Its outbox is `is_tallied`: a message lost with the broker leaves the snapshot untallied for
    `sweep_untallied_snapshots` (a beat job) to tally.
    """
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    enqueue_on_commit(tasks.tally_official_snapshot, snapshot_id=snapshot.pk)


def sweep_untallied_snapshots(*, older_than: float = 120.0, limit: int = 20) -> int:
    """Tally every snapshot imported over `older_than` seconds ago and still untallied; return how many.

    The outbox drain of official snapshots (beat: every minute): the tally message of an import
    made while the broker was unreachable was never sent. Each snapshot is tallied in its own
    transaction, oldest first; tallying is safe to repeat, so a message that arrives after all
    changes nothing.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        OfficialSnapshot.objects.filter(is_tallied=False, imported_at__lt=cutoff)
        .order_by("imported_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for snapshot_id in ids:
        tally_official_snapshot(snapshot_id=snapshot_id)
    return len(ids)


def tally_official_snapshot(*, snapshot_id: int) -> int:
    """Sum a snapshot's published protocols up to every commission above them; return rows added.

    Commissions that the file itself publishes keep the published figures; only the missing
    levels are derived. Safe to repeat: a tallied snapshot is left as it is.
    """
    with transaction.atomic():
        snapshot = OfficialSnapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.is_tallied:
            return 0
        published = snapshot.protocols.filter(is_derived=False)
        rows = (
            OfficialFigure.objects.filter(protocol__in=published)
            .values("protocol__commission__parent_id", "line__code", "option__code")
            .annotate(total=Sum("value"))
        )
        per_parent = _group_rows(
            (r for r in rows if r["protocol__commission__parent_id"]), "protocol__commission__parent_id"
        )
        counts, unknown = _published_station_counts(published)
        totals, station_counts = _roll_up(per_parent, counts)
        _unknown, unknown_below = _roll_up({}, unknown)
        station_counts = {k: 0 if unknown_below.get(k) else n for k, n in station_counts.items()}
        have = set(published.values_list("commission_id", flat=True))
        derived = {k: v for k, v in totals.items() if k not in have}
        bases = official_bases(snapshot, published, derived.keys())
        added = _store_derived(snapshot, derived, station_counts, bases)
        snapshot.is_tallied = True
        snapshot.save(update_fields=["is_tallied"])
    return added


def _published_station_counts(published: QuerySet[OfficialProtocol]) -> tuple[dict[int, int], dict[int, int]]:
    """Per parent commission: stations its published rows cover, and rows that do not say (0).

    A station protocol covers one station; a region or TEC total covers the stations its file
    states (`stations_count`, 0 when the file does not say). A derived total counts the stations
    below it, never the rows: 17 regional totals are not 17 stations (issue 22). A sum with any
    row of unknown stations is unknown (stored as 0).
    """
    counts: dict[int, int] = defaultdict(int)
    unknown: dict[int, int] = defaultdict(int)
    rows = published.values_list("commission__parent_id", "commission__level", "stations_count")
    for parent_id, level, stations in rows:
        if not parent_id:
            continue
        covered = 1 if level == Commission.Level.PEC else stations
        counts[parent_id] += covered
        unknown[parent_id] += int(not covered)
    return counts, {k: v for k, v in unknown.items() if v}


def _store_derived(
    snapshot: OfficialSnapshot,
    totals: dict[int, Figures],
    counts: dict[int, int],
    bases: dict[int, dict[str, Any]],
) -> int:
    contest = snapshot.contest
    lines = {line.code: line.pk for line in contest.form.lines.all()}
    options = {option.code: option.pk for option in contest.options.all()}
    protocols = OfficialProtocol.objects.bulk_create(
        OfficialProtocol(
            snapshot=snapshot,
            commission_id=cid,
            is_derived=True,
            stations_count=counts[cid],
            bases=bases.get(cid),
        )
        for cid in totals
    )
    figures = []
    for protocol in protocols:
        total = totals[protocol.commission_id]
        figures += [
            OfficialFigure(protocol=protocol, line_id=lines[c], value=v) for c, v in total.lines.items()
        ]
        figures += [
            OfficialFigure(protocol=protocol, option_id=options[c], value=v) for c, v in total.options.items()
        ]
    OfficialFigure.objects.bulk_create(figures, batch_size=5000)
    return len(protocols)
