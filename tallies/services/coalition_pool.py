"""Keeping a coalition's pooled count stored (CoalitionPool): a task pools, the pages read (issue 17).

Pooling a coalition reads every member's accepted figures (about 15 s and 1.2 GiB at 100,000
stations, docs/benchmarks.md), so no request pools the whole election any more: `refresh` (the
task tallies.tasks.refresh_coalition_pool) pools and stores what the coalition page and its
forensics page show, with the versions of the inputs it read, all in one database snapshot; the
pages compare those versions with the current ones (tallies.selectors.coalition_pool) and say
"being updated" while they differ.

A refresh is asked for (`request_refresh`, `request_for_state`) by a conditional UPDATE that
claims the row (`requested_at`), so at most one refresh per pool is in flight however many tally
jobs finish meanwhile, and none before the last one has rested; the refresh clears the claim with
its result and, if the inputs moved while it pooled, asks again (tallies.services.claimed_refresh).
Who asks: the coalition's pages (when stale), each member's tally job that changed a
station (tallies.tasks.apply_station_tally), a settled conflict, and the beat job `sweep` every
minute (the outbox drain: a lost message, a member joining or leaving, a
snapshot imported). A claim older than the broker's visibility timeout counts as lost.

Releases do not read the stored result: their own task pools the exact inputs when the preview is
prepared and again when it is published (tallies.services.coalition_release_jobs).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from django.db import connection
from django.utils import timezone

from elections.models import Commission, Contest, PollingStation
from observers.models import Coalition
from tallies.models import CoalitionPool, ObserverTally
from tallies.selectors.coalition_pool import inputs_of
from tallies.selectors.comparison_aggregates import aggregate_comparisons_of
from tallies.selectors.complete_stations import subsets_of_stations
from tallies.selectors.layout import Layout
from tallies.selectors.pool import Pool, compare_stations, pool
from tallies.selectors.snapshots import latest_snapshot
from tallies.services.analysis import forensics
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.pooled import pooled_forensics, pooled_seats
from tallies.services.claimed_refresh import ClaimedRefresh, Key, lost_after

# claimed_refresh.claimable in one statement with the pools the station's organisation counts in.
CLAIM_FOR_STATE = """
UPDATE tallies_coalitionpool p SET requested_at = %s
FROM tallies_stationtallystate s
WHERE s.id = %s AND p.contest_id = s.contest_id
  AND (p.requested_at IS NULL OR p.requested_at < %s)
  AND (p.rest_until IS NULL OR p.rest_until <= %s)
  AND EXISTS (
    SELECT 1 FROM observers_coalitionmember m
    WHERE m.coalition_id = p.coalition_id AND m.organization_id = s.organization_id
      AND m.agreed_at IS NOT NULL AND m.left_at IS NULL)
RETURNING p.coalition_id, p.contest_id
"""

POOL = ClaimedRefresh(CoalitionPool, ("coalition_id", "contest_id"), "refresh_coalition_pool")


def _key(coalition_id: int, contest_id: int) -> Key:
    return {"coalition_id": coalition_id, "contest_id": contest_id}


def request_refresh(coalition: Coalition, contest: Contest) -> bool:
    """Ask for the pool of `coalition` and `contest` to be computed again, after the current
    transaction commits; False when a refresh is already in flight (claimed and not lost) or the
    pool rests (ClaimedRefresh.request)."""
    return POOL.request(_key(coalition.pk, contest.pk))


def refresh_for_page(coalition: Coalition, contest: Contest) -> bool:
    """A page found the stored pool out of date or absent: claim it and send the refresh now.

    Pages write nothing else and run in autocommit, so the claim is committed by itself; the job
    is sent at once (with tasks run in-process, it has stored the pool on return). True when it
    was sent; False when one is in flight already, the pool rests, or the broker is down (the
    claim is released and the page says the figures are being updated; the next reading or the
    sweep asks again; ClaimedRefresh.request_now).
    """
    return POOL.request_now(_key(coalition.pk, contest.pk))


def request_for_state(*, state_id: int) -> int:
    """The tally job's hook: ask for a refresh of every stored pool its station's organisation
    is an agreed member of, for that contest (one statement, claiming as
    claimed_refresh.claimable does; 0 when none is stored or all are in flight or rest). Returns
    how many were asked for."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_FOR_STATE, [now, state_id, now - lost_after(), now])
        claimed = cursor.fetchall()
    for coalition_id, contest_id in claimed:
        POOL.enqueue(_key(coalition_id, contest_id))
    return len(claimed)


def touch_root_tallies(*, organization_id: int, contest_id: int) -> int:
    """Write a new row version of the organisation's root tallies for the contest, so that every
    stored pool counting it reads as stale (tallies.selectors.coalition_pool): for a recompute,
    which may move stations without moving the totals. Call in the recompute's transaction."""
    roots = ObserverTally.objects.filter(
        organization_id=organization_id, contest_id=contest_id, commission__parent__isnull=True
    )
    return roots.update(updated_at=timezone.now())


def refresh(*, coalition_id: int, contest_id: int) -> bool:
    """Pool and store the result with its inputs; ask again if the inputs moved meanwhile.

    Returns False when the coalition or the contest is gone (nothing to store), else True.
    """
    coalition = Coalition.objects.filter(pk=coalition_id).first()
    contest = Contest.objects.filter(pk=contest_id).first()
    if coalition is None or contest is None or contest.election_id != coalition.election_id:
        return False
    POOL.refresh(
        _key(coalition_id, contest_id),
        measure=lambda: (inputs_of(coalition, contest), compute(coalition, contest)),
        write=lambda result: {"result": result},
        inputs_now=lambda: inputs_of(coalition, contest),
    )
    return True


def sweep() -> int:
    """Ask for a refresh of every stored pool whose inputs moved and that nobody refreshes (the
    beat job, every minute); return how many were asked for. The inputs' six queries
    (tallies.selectors.coalition_pool.inputs_of) per stored pool that may be claimed."""
    return POOL.sweep(lambda row: inputs_of(row.coalition, row.contest))


def compute(coalition: Coalition, contest: Contest) -> dict[str, Any]:
    """The pool and everything the coalition pages show of it, as a JSON document (exact integers,
    Decimal percentages; CoalitionPool.result). Labels and photo links are added when read, in
    the reader's language and for the reader's organisation.

    Shape: {"members": [{"id", "name", "stations", "regions": {region name: stations}}],
    "counted", "in_conflict", "total": {"lines", "options"}, "missing": {key: stations lacking it},
    "subsets": {percentage: {"figures": {...}, "stations"}}, "snapshot": id or None, "stations":
    StationComparison as a dict or None, "aggregates": [AggregateComparison as a dict], "conflicts":
    [{"station_id", "station", "kind", "code", "values": [[organisation id, name, value]]}],
    "seats": [[option code, official seats, pooled seats]], "forensics": {"stations", "summary",
    "error"}}. Raises ValueError if the contest is not of the coalition's election.
    """
    pooled = pool(coalition, contest)
    layout = Layout.of(contest)
    counted = pooled.counted()
    total, missing, subsets = subsets_of_stations(layout, list(counted.values()))
    snapshot = latest_snapshot(contest)
    by_station = snapshot is not None and snapshot.level == Commission.Level.PEC
    stations = compare_stations(pooled, snapshot) if snapshot and by_station else None
    aggregates = aggregate_comparisons_of(counted, contest, snapshot) if snapshot and not by_station else []
    return {
        "members": _members(pooled),
        "counted": len(counted),
        "in_conflict": len(pooled.in_conflict()),
        "total": dataclasses.asdict(total),
        "missing": missing,
        "subsets": {name: dataclasses.asdict(subset) for name, subset in subsets.items()},
        "snapshot": snapshot.pk if snapshot else None,
        "stations": dataclasses.asdict(stations) if stations else None,
        "aggregates": [dataclasses.asdict(row) for row in aggregates],
        "conflicts": _conflicts(pooled),
        "seats": _seats(pooled),
        "forensics": _forensics(pooled, contest),
    }


def _members(pooled: Pool) -> list[dict[str, Any]]:
    regions = _region_names(pooled.contest, list(pooled.stations))
    per: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for station in pooled.stations.values():
        for member in station.members:
            per[member][regions.get(station.station_id, "")] += 1
    return [
        {
            "id": o.pk,
            "name": o.name,
            "stations": sum(per[o.pk].values()),
            "regions": dict(sorted(per[o.pk].items())),
        }
        for o in pooled.members
    ]


def _region_names(contest: Contest, station_ids: list[int]) -> dict[int, str]:
    """Station id → the name of its region (the commission right below the root)."""
    rows = PollingStation.objects.filter(pk__in=station_ids).values_list("pk", "pec__path")
    regions = Commission.objects.filter(election_id=contest.election_id, level=Commission.Level.SEC)
    names = dict(regions.values_list("path", "name"))
    found = {}
    for pk, path in rows:
        parts = path.split("/")
        found[pk] = names.get("/".join(parts[:2]) + "/", parts[1] if len(parts) > 2 else "")
    return found


def _conflicts(pooled: Pool) -> list[dict[str, Any]]:
    in_conflict = pooled.in_conflict()
    numbers = dict(
        PollingStation.objects.filter(pk__in=[s.station_id for s in in_conflict]).values_list("pk", "number")
    )
    names = {o.pk: o.name for o in pooled.members}
    return [
        {
            "station_id": station.station_id,
            "station": numbers.get(station.station_id, ""),
            "kind": kind,
            "code": code,
            "values": sorted(
                ([org, names.get(org, str(org)), value] for org, value in values.items()),
                key=lambda row: (row[1], row[2], row[0]),
            ),
        }
        for station in in_conflict
        for (kind, code), values in sorted(station.conflicts.items())
    ]


def _seats(pooled: Pool) -> list[list[Any]]:
    """[option code, official seats, pooled seats] by the contest's rule; empty without a rule."""
    try:
        found = pooled_seats(pooled)
    except AnalysisError:
        return []
    official, ours = found["official"] or {}, found["observer"] or {}
    return [
        [o.code, (official.get("seats") or {}).get(o.code), (ours.get("seats") or {}).get(o.code)]
        for o in pooled.contest.options.filter(is_against_all=False)
    ]


def _forensics(pooled: Pool, contest: Contest) -> dict[str, Any]:
    """The forensics page's figures: stations counted, the release-style summary or why not."""
    stations = len(pooled.counted())
    try:
        result = pooled_forensics(pooled)
    except AnalysisError as error:
        return {"stations": stations, "summary": None, "error": str(error)}
    summary = forensics.summary_of(result, forensics.OBSERVERS, contest, timezone.now())
    return {"stations": stations, "summary": summary, "error": ""}
