"""The Python `apply_station_tally` that tallies_apply_station_tally replaced (issue 17), kept as a reference.

It derives the station's accepted figures with `accepted_for_stations` and moves the tallies with
Figures arithmetic through the ORM, as tallies/services/tallying.py did until 7 December 2026.
tests/tallies/test_apply_sql.py runs it in a savepoint rolled back before each SQL apply and
holds the two equal. Call `apply_locked` inside a transaction; it takes the same locks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from elections.models import Commission
from elections.protocol import Figures
from tallies.models import ObserverTally, StationTallyState
from tallies.selectors.accepted import Accepted, accepted_for_stations

ZERO = Figures()
EXPECTED_KEYS = """
SELECT 'lines.' || l.code FROM elections_protocolline l
JOIN elections_contest c ON c.form_id = l.form_id WHERE c.id = %s
UNION ALL
SELECT 'options.' || o.code FROM elections_ballotoption o WHERE o.contest_id = %s
"""


def apply_locked(state_id: int) -> bool:
    """Apply the station of state `state_id` if stale; return whether it was."""
    state = StationTallyState.objects.select_related("station__pec").get(pk=state_id)
    pec = state.station.pec
    commissions = list(
        Commission.objects.filter(election_id=pec.election_id, path__in=pec.ancestor_paths()).order_by("path")
    )
    ObserverTally.objects.bulk_create(
        [
            ObserverTally(organization_id=state.organization_id, contest_id=state.contest_id, commission=c)
            for c in commissions
        ],
        ignore_conflicts=True,
    )
    tallies = list(
        ObserverTally.objects.select_for_update()
        .filter(
            organization_id=state.organization_id, contest_id=state.contest_id, commission__in=commissions
        )
        .order_by("commission__path")
    )
    state = StationTallyState.objects.select_for_update().get(pk=state_id)
    if state.applied_version == state.wanted_version:
        return False
    accepted = accepted_for_stations(state.organization_id, state.contest_id, [state.station_id])
    target = accepted.get(state.station_id, Accepted(None))
    _move_tallies(tallies, state, target, _expected_keys(state.contest_id))
    figures = target.figures or ZERO
    state.applied_version = state.wanted_version
    state.is_counted = target.figures is not None
    state.applied_lines = dict(sorted(figures.lines.items()))
    state.applied_options = dict(sorted(figures.options.items()))
    state.conflicts = target.conflicts
    state.save(
        update_fields=["applied_version", "is_counted", "applied_lines", "applied_options", "conflicts"]
    )
    return True


def checked(apply_station: Callable[[int, float], bool]) -> Callable[[int, float], bool]:
    """`apply_station` (tallies.services.apply_sql's) preceded by the reference, which must agree.

    The reference runs in a savepoint rolled back before the SQL apply; both must answer the
    same and leave the station's state and every tally of its organisation and contest the same.
    The wrapper counts its calls in `.calls`.
    """

    def apply_checked(state_id: int, lock_timeout: float) -> bool:
        savepoint = transaction.savepoint_create()
        expected = apply_locked(state_id), outcome(state_id)
        transaction.savepoint_rollback(savepoint)
        applied = apply_station(state_id, lock_timeout)
        assert (applied, outcome(state_id)) == expected
        apply_checked.calls += 1  # type: ignore[attr-defined]
        return applied

    apply_checked.calls = 0  # type: ignore[attr-defined]
    return apply_checked


def outcome(state_id: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """The state's applied fields and every tally row of its organisation and contest."""
    state = StationTallyState.objects.get(pk=state_id)
    tallies = ObserverTally.objects.filter(organization_id=state.organization_id, contest_id=state.contest_id)
    return (
        (
            state.applied_version,
            state.is_counted,
            state.applied_lines,
            state.applied_options,
            state.conflicts,
        ),
        list(
            tallies.order_by("commission_id").values_list(
                "commission_id",
                "stations_count",
                "partial_stations",
                "missing",
                "line_totals",
                "option_totals",
            )
        ),
    )


def _move_tallies(
    tallies: list[ObserverTally], state: StationTallyState, target: Accepted, expected: frozenset[str]
) -> None:
    delta = (target.figures or ZERO).minus(state.applied_figures())
    stations_delta = int(target.figures is not None) - int(state.is_counted)
    was_missing = _missing_keys(state.applied_figures() if state.is_counted else None, expected)
    now_missing = _missing_keys(target.figures, expected)
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


def _expected_keys(contest_id: int) -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute(EXPECTED_KEYS, [contest_id, contest_id])
        return frozenset(key for (key,) in cursor.fetchall())


def _missing_keys(figures: Figures | None, expected: frozenset[str]) -> frozenset[str]:
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
    return Figures(
        {code: v for code, v in figures.lines.items() if tally.coverage(f"lines.{code}") > 0},
        {code: v for code, v in figures.options.items() if tally.coverage(f"options.{code}") > 0},
    )
