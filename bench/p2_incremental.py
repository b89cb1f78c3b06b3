"""P2: the incremental tally per accepted copy against one full recompute; both give the same totals.

After the recompute, `REVISIONS` copies are revised through submit_protocol_copy (new figures);
the tally jobs they queue are held back and each apply_station_tally is timed on its own. The
incremental tallies are then compared with a fresh recompute, commission by commission.
"""

from __future__ import annotations

import random
import uuid

from bench.fixtures import honest_figures
from bench.generated import GeneratedCase
from bench.report import INFO, MET, MISSED, Report, Row, fraction, seconds, stations_text, verdict
from bench.timing import held_tasks, median, percentile, timed
from elections.models import PollingStation
from tallies import services
from tallies.models import ObserverTally, ProtocolCopy, StationTallyState

REVISIONS = 100
TARGET = 1 / 200


def run_p2(report: Report, case: GeneratedCase, revisions: int = REVISIONS) -> None:
    """Measure and report P2 on `case` (its recompute times gain one more sample)."""
    submits, state_ids = submit_revisions(case, revisions)
    applies = [timed(services.apply_station_tally, state_id=state_id)[0] for state_id in state_ids]
    incremental = _tallies(case)
    case.time_recompute()
    same = incremental == _tallies(case)
    check = (
        f"incremental tallies == full recompute, all {len(incremental):,} commissions (TEC, region, nation)"
    )
    step = "apply_station_tally after a submit"
    full = f"full recompute {seconds(case.recompute)} (median of {len(case.recomputes)})"
    report_p2(report, "P2", case.stations, (step, applies), (full, case.recompute), (check, same), submits)
    report.cost("full recompute (P2/P3)", case.stations, case.recompute)
    report.cost("apply_station_tally per copy (P2)", case.stations, median(applies), per_request=True)
    report.cost("submit_protocol_copy (P2)", case.stations, median(submits), per_request=True)


def submit_revisions(case: GeneratedCase, count: int) -> tuple[list[float], list[int]]:
    """Revise `count` random stations' copies; return the submit times and the stations' state ids.

    The tally jobs the submissions queue on commit are held back, so that each is timed alone.
    """
    states = StationTallyState.objects.filter(contest=case.contest, organization=case.observer.organization)
    picked = random.Random(7).sample(list(states.values_list("pk", "station_id", "current_copy_id")), count)
    stations = PollingStation.objects.select_related("pec").in_bulk([s for _, s, _ in picked])
    copies = ProtocolCopy.objects.in_bulk([c for _, _, c in picked])
    rng = random.Random(11)
    times = []
    with held_tasks():
        for _, station_id, copy_id in picked:
            figures = honest_figures(rng)
            took, _ = timed(
                services.submit_protocol_copy,
                observer=case.observer,
                contest=case.contest,
                station=stations[station_id],
                lines=figures.lines,
                options=figures.options,
                client_uuid=uuid.uuid4(),
                channel=ProtocolCopy.Channel.IMPORT,
                revises=copies[copy_id],
            )
            times.append(took)
    return times, [state_id for state_id, _, _ in picked]


def _tallies(case: GeneratedCase) -> dict[int, tuple[int, dict, dict]]:
    rows = ObserverTally.objects.filter(contest=case.contest, organization=case.observer.organization)
    return {
        commission: (count, lines, options)
        for commission, count, lines, options in rows.values_list(
            "commission_id", "stations_count", "line_totals", "option_totals"
        )
    }


def report_p2(
    report: Report,
    bench: str,
    stations: int,
    step: tuple[str, list[float]],
    full: tuple[str, float],
    check: tuple[str, bool],
    submits: list[float],
) -> None:
    """The P2 rows: the median incremental `step` (label, seconds per copy) against the `full`
    recompute (label, seconds), the correctness `check` (label, held), the submissions' median."""
    where = stations_text(stations)
    (label, steps), (full_label, full_seconds) = step, full
    ratio = median(steps) / full_seconds
    figure = (
        f"{label}: median {seconds(median(steps))} "
        f"(p95 {seconds(percentile(steps, 0.95))}, {len(steps)} copies) vs {full_label}"
    )
    report.add(Row(bench, where, figure, "≤ 1/200", fraction(ratio), verdict(ratio, "<=", TARGET)))
    report.add(Row(bench, where, check[0], "identical", "—", MET if check[1] else MISSED))
    submit = (
        f"submit_protocol_copy (validate, store, findings; tally queued): median {seconds(median(submits))}"
    )
    report.add(Row(bench, where, submit, "—", "—", INFO))
