"""The generated election P2 and P3 share: N stations × 20 options, a copy at every station.

Building it is timed and printed (a fixture, not a goal). Its full recomputes are the
denominator of P2 and the numerator of P3, so both ratios come from the same measurements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench import database, fixtures
from bench.report import Report, seconds
from bench.timing import median, timed
from elections.models import Contest
from observers.models import Observer
from tallies import services

SMALL = 20_000  # up to this many stations, two recomputes before P2 (none above: minutes each)


@dataclass
class GeneratedCase:
    """A built election and the wall seconds of each full recompute measured on it."""

    stations: int
    contest: Contest
    observer: Observer
    recomputes: list[float] = field(default_factory=list)

    @property
    def recompute(self) -> float:
        return median(self.recomputes)

    def time_recompute(self) -> int:
        """Run one full recompute, record its time, return the stations it counted."""
        took, counted = timed(
            services.recompute_observer_tallies,
            organization_id=self.observer.organization_id,
            contest_id=self.contest.pk,
        )
        self.recomputes.append(took)
        return counted


def build_case(report: Report, stations: int, recomputes: int | None = None) -> GeneratedCase:
    """Clear the data, build the tallied election with a copy at every station, time `recomputes`
    full recomputes (default: 2 up to SMALL stations, else none)."""
    database.clear_data()
    took, contest = timed(fixtures.define_generated_election, stations)
    report.note(f"{stations:,} stations: election and hierarchy defined in {seconds(took)}")
    observer = fixtures.fixture_observer(fixtures.bench_organization())
    took, copies = timed(fixtures.add_generated_copies, contest, observer)
    report.note(f"{copies:,} copies × 25 figures, their states and tallies written in {seconds(took)}")
    database.analyze()
    case = GeneratedCase(stations, contest, observer)
    for _ in range((2 if stations <= SMALL else 0) if recomputes is None else recomputes):
        counted = case.time_recompute()
        report.note(f"full recompute counted {counted:,} stations in {seconds(case.recomputes[-1])}")
    return case
