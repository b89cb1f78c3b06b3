"""P2 and P3 for a coalition (issue 15, scope 7): seven member organisations pool their copies.

The election is P2/P3's generated one (bench.fixtures). Station i (by id) is covered by member
i mod 7, and every `SHARED`-th station also by the next member, with the same figures (one
figure per station: the pool counts it once). Each member's copies, states and tallies are
written as for one organisation (fixtures.add_generated_copies).

The product keeps no stored pooled tallies: the pooled count is computed when read
(tallies.selectors.pool.pool: every agreed member's accepted figures, pooled once per
station, conflicts left out). The **full pooled recompute** is that pool plus its sums per TEC,
region and nation (rolled up with tallies.services.official_tallies.roll_up). The **incremental
pooled step** is what one member's revised copy costs before the pooled count shows it: the
member's tally job (apply_station_tally) and the pool of that one station
(`pool(..., [station])`, as settling a conflict does).

- P2 (≤ 1/200): the median incremental step against the full pooled recompute. Check: each
  revised station pools the same alone as in the full pool.
- The coalition page (issue 17) reads a stored pool instead (tallies.services.coalition_pool);
  its read is a per-request cost (must stay flat), the task's refresh is the full pool's.
- P3 (≤ 10×): the full pooled recompute against DuckDB pooling the same rows (every member's
  current copies; a station whose members disagree on a figure left out, as the pool does) and
  summing them per TEC, region and nation. Check: DuckDB's national sums == the pool's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import database, fixtures
from bench.generated import GeneratedCase
from bench.p2_incremental import report_p2, submit_revisions
from bench.p3_duckdb import ROWS, group_bys_in_both, nation, report_p3
from bench.pooled_releases import run_release_requests
from bench.report import Report, seconds
from bench.timing import median, timed
from elections.models import Commission, Contest, PollingStation
from elections.protocol import Figures
from observers.models import Coalition, CoalitionMember, Observer, Organization
from tallies import services
from tallies.models import StationTallyState
from tallies.selectors.coalitions import coalition_page
from tallies.selectors.pool import Pool, pool
from tallies.services import coalition_pool
from tallies.services.official_tallies import roll_up

MEMBERS = 7
SHARED = 10  # every 10th station is covered by two members
REVISIONS = 100
PAGE_READS = 5
BENCH = ("P2 pool", "P3 pool")


@dataclass
class PooledCase:
    """A coalition of `MEMBERS` members over a generated election, and its full pooled recomputes."""

    stations: int
    contest: Contest
    coalition: Coalition
    observers: list[Observer]
    copies: int
    recomputes: list[float] = field(default_factory=list)
    last: tuple[Pool, dict[int, Figures]] | None = None

    @property
    def recompute(self) -> float:
        return median(self.recomputes)

    def time_recompute(self) -> tuple[Pool, dict[int, Figures]]:
        """Run one full pooled recompute, record its time; return the pool and its sums per commission."""
        took, found = timed(pooled_recompute, self.coalition, self.contest)
        self.recomputes.append(took)
        self.last = found
        return found


def pooled_recompute(coalition: Coalition, contest: Contest) -> tuple[Pool, dict[int, Figures]]:
    """The pool of every member's accepted figures and its sums per TEC, region and nation."""
    pooled = pool(coalition, contest)
    counted = pooled.counted()
    parents = PollingStation.objects.filter(pec__election_id=contest.election_id)
    per_parent: dict[int, Figures] = defaultdict(Figures)
    stations: dict[int, int] = defaultdict(int)
    for station_id, parent_id in parents.values_list("pk", "pec__parent_id").iterator(chunk_size=20_000):
        if station_id in counted and parent_id is not None:
            per_parent[parent_id] = per_parent[parent_id].plus(counted[station_id])
            stations[parent_id] += 1
    totals, _counts = roll_up(per_parent, stations)
    return pooled, totals


def build_pooled_case(report: Report, stations: int, recomputes: int = 1) -> PooledCase:
    """Clear the data, build the election, seven members' copies and the coalition; time `recomputes`."""
    database.clear_data()
    took, contest = timed(fixtures.define_generated_election, stations)
    report.note(f"{stations:,} stations: election and hierarchy defined in {seconds(took)}")
    members = [_member(n) for n in range(1, MEMBERS + 1)]
    took, copies = timed(_members_copies, contest, members)
    report.note(
        f"{MEMBERS} members: {copies:,} copies × 25 figures, their states and tallies in {seconds(took)}"
    )
    coalition = _coalition(contest, [observer.organization for observer in members])
    database.analyze()
    case = PooledCase(stations, contest, coalition, members, copies)
    for _ in range(recomputes):
        pooled, _totals = case.time_recompute()
        counted = len(pooled.counted())
        report.note(f"full pooled recompute counted {counted:,} stations in {seconds(case.recomputes[-1])}")
    return case


def _member(n: int) -> Observer:
    organization = Organization.objects.create(
        slug=f"bench-member-{n}", name=f"Bench member {n}", status=Organization.Status.APPROVED
    )
    return fixtures.fixture_observer(organization)


def _members_copies(contest: Contest, members: list[Observer]) -> int:
    """Station i to member i mod 7; every SHARED-th station also to the next member (same figures)."""
    covered: dict[int, list[int]] = defaultdict(list)
    for index, station_id in enumerate(fixtures.station_ids(contest)):
        covered[index % MEMBERS].append(station_id)
        if index % SHARED == 0:
            covered[(index + 1) % MEMBERS].append(station_id)
    return sum(
        fixtures.add_generated_copies(contest, observer, stations=sorted(covered[n]))
        for n, observer in enumerate(members)
    )


def _coalition(contest: Contest, organizations: list[Organization]) -> Coalition:
    coalition = Coalition.objects.create(
        name="Bench coalition (generated)", election=contest.election, created_by=organizations[0]
    )
    now = timezone.now()
    CoalitionMember.objects.bulk_create(
        CoalitionMember(coalition=coalition, organization=o, agreed_at=now) for o in organizations
    )
    return coalition


def run_pooled(report: Report, case: PooledCase, revisions: int = REVISIONS) -> None:
    """P2 and P3 for the coalition: the incremental pooled step, then the comparison with DuckDB."""
    submits, steps, alone = _incremental_steps(case, revisions)
    pooled, totals = case.time_recompute()
    same = all(pooled.stations.get(pk) == station for pk, station in alone.items())
    step = "member's apply_station_tally + pool of that station, after a member's revised copy"
    full = f"full pooled recompute {seconds(case.recompute)} (median of {len(case.recomputes)})"
    check = f"each of the {len(alone)} revised stations pools alone as in the full pool ({MEMBERS} members)"
    report_p2(report, BENCH[0], case.stations, (step, steps), (full, case.recompute), (check, same), submits)
    _p3(report, case, pooled, totals)
    report.cost("full pooled recompute, 7 members (P2/P3 pool)", case.stations, case.recompute)
    report.cost("incremental pooled step per copy (P2 pool)", case.stations, median(steps), per_request=True)
    _stored_page(report, case, len(pooled.counted()))
    run_release_requests(report, case)


def _stored_page(report: Report, case: PooledCase, counted: int) -> None:
    """The coalition page reads the stored pool (issue 17): the task's refresh, then the page's read
    (`PAGE_READS` times: its median and its queries), which must not grow with the election."""
    ids = {"coalition_id": case.coalition.pk, "contest_id": case.contest.pk}
    took_refresh, _ = timed(coalition_pool.refresh, **ids)
    viewer = case.observers[0].organization
    reads, queries, page = [], 0, None
    for _ in range(PAGE_READS):
        with CaptureQueriesContext(connection) as captured:
            took, page = timed(coalition_page, case.coalition, case.contest, viewer)
        reads.append(took)
        queries = len(captured)
    assert page is not None
    shows = f"{page.freshness.status}, {page.counted:,} stations counted (the pool counts {counted:,})"
    report.note(
        f"stored pool refresh (the task: pool, comparison, forensics) {seconds(took_refresh)}; "
        f"coalition page read from it: median {seconds(median(reads))} of {PAGE_READS}, "
        f"{queries} queries, {shows}"
    )
    report.cost("stored pool refresh, 7 members (the task)", case.stations, took_refresh)
    report.cost("coalition page, read from the stored pool", case.stations, median(reads), per_request=True)


def _incremental_steps(case: PooledCase, revisions: int) -> tuple[list[float], list[float], dict[int, Any]]:
    """The first member revises `revisions` copies (P2's revisions); each step is then timed alone."""
    member = GeneratedCase(case.stations, case.contest, case.observers[0])
    submits, state_ids = submit_revisions(member, revisions)
    stations = dict(StationTallyState.objects.filter(pk__in=state_ids).values_list("pk", "station_id"))
    steps, alone = [], {}
    for state_id in state_ids:
        took_apply, _ = timed(services.apply_station_tally, state_id=state_id)
        station_id = stations[state_id]
        took_pool, pooled = timed(pool, case.coalition, case.contest, [station_id])
        steps.append(took_apply + took_pool)
        alone[station_id] = pooled.stations.get(station_id)
    return submits, steps, alone


# DuckDB pools the same rows: one value per station and code where the members agree; a station
# where they disagree on any figure is left out, as the pool leaves a coalition conflict out.
POOLED_IN_DUCK = """
select tec, region, code, value from (
    select tec, region, code, min(value) as value,
           max(case when min(value) <> max(value) then 1 else 0 end)
               over (partition by station) as disagreeing
    from ({rows}) r
    group by station, tec, region, code
) pooled
where disagreeing = 0
"""


def _p3(report: Report, case: PooledCase, pooled: Pool, totals: dict[int, Figures]) -> None:
    organizations = ", ".join(str(observer.organization_id) for observer in case.observers)
    rows = ROWS.format(contest=case.contest.pk, organizations=organizations)
    # DuckDB pools once per repetition (table `prepared`), then sums it three times.
    pooling, in_duck = POOLED_IN_DUCK.format(rows="select * from figures"), "select * from prepared"
    engines = group_bys_in_both(report, rows, in_duck, POOLED_IN_DUCK.format(rows=rows), pooling)
    root = totals[Commission.objects.get(election=case.contest.election, parent__isnull=True).pk]
    # The roll-up's national sums are the pool's own total, and DuckDB's.
    same = root == pooled.total() and nation(engines.duck, in_duck) == {**root.lines, **root.options}
    label = f"full pooled recompute ({MEMBERS} members, {len(pooled.counted()):,} stations pooled)"
    report_p3(report, BENCH[1], case.stations, label, case.recompute, engines, same)
