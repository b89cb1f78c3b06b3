"""Observer tallies per commission (TEC, region, nation), kept exact; official ones: official_tallies.

Design (stated here as the issue asks): the observer tally is **incremental**. Each station has
a StationTallyState. Whatever may change what the station contributes (a copy, a revision, a
quarantine or its release, a conflict resolution) calls `touch_station`, which raises the
state's `wanted_version` in the same transaction and schedules `apply_station_tally` after
commit. That job derives the station's accepted figures (tallies.selectors.accepted), moves the
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

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q

from config.outbox import enqueue_on_commit
from elections.models import Commission
from elections.protocol import Figures
from tallies.errors import StationBusy
from tallies.models import ObserverTally, ProtocolCopy, StationTallyState
from tallies.selectors.accepted import Accepted, accepted_for_stations
from tallies.services import recompute_sql

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
