"""Observer tallies per commission (TEC, region, nation), kept exact; official ones: official_tallies.

Design (stated here as the issue asks): the observer tally is **incremental**. Each station has
a StationTallyState. Whatever may change what the station contributes (a copy, a revision, a
quarantine or its release, a conflict resolution) calls `touch_station`, which raises the
state's `wanted_version` in the same transaction and schedules `apply_station_tally` after
commit. That job derives the station's accepted figures (tallies.selectors.accepted), moves the
tallies of every ancestor commission by (accepted − applied) and records what it applied, all in
one transaction and one round trip (the server-side function of tallies.services.apply_sql), so
running it twice changes nothing. `recompute_observer_tallies` rebuilds the
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
from tallies.errors import StationBusy
from tallies.models import ObserverTally, ProtocolCopy, StationTallyState
from tallies.services import apply_sql, recompute_sql

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

    One call of the PL/pgSQL function tallies_apply_station_tally (tallies.services.apply_sql),
    which locks, moves the tallies and records what it applied: outside a transaction, that
    statement is the transaction (no BEGIN and COMMIT round trips). Raises
    StationTallyState.DoesNotExist for an unknown state, and StationBusy, having written nothing,
    when the tally rows stay locked by another transaction for more than
    settings.TALLY_LOCK_TIMEOUT seconds.
    """
    try:
        if not connection.in_atomic_block:
            return apply_sql.apply_station(state_id, settings.TALLY_LOCK_TIMEOUT)
        with transaction.atomic():  # a savepoint: a busy station leaves the caller's transaction usable
            return apply_sql.apply_station(state_id, settings.TALLY_LOCK_TIMEOUT)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise StationBusy(state_id) from error
        raise


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
