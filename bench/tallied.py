"""Fixtures that start tallied: station states and observer tallies written in SQL, not by the product.

Recomputing 100,000 stations with tallies.services takes minutes (docs/benchmarks.md), so the
fixtures do not call it: each station's state is written as applied (its copy's figures as
JSON) and the tallies are summed per TEC in SQL and rolled up to region and nation here. This
is an independent sum: P2 compares the product's incremental and full paths on top of it, so a
wrong fixture tally fails the P2 check rather than passing unseen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection

from elections.models import Commission, Contest
from elections.protocol import Figures
from observers.models import Observer, Organization
from tallies.models import ObserverTally

STATES = """
insert into tallies_stationtallystate (organization_id, contest_id, station_id, current_copy_id,
    wanted_version, applied_version, is_counted, applied_lines, applied_options, conflicts)
select pc.organization_id, pc.contest_id, pc.station_id, pc.id, 1, 1, true,
       coalesce(jsonb_object_agg(l.code, f.value) filter (where l.id is not null), '{}'),
       coalesce(jsonb_object_agg(o.code, f.value) filter (where o.id is not null), '{}'), '[]'
from tallies_protocolcopy pc
join tallies_copylayout lay on lay.id = pc.figure_layout_id
cross join lateral unnest(pc.figure_values) with ordinality as f(value, pos)
left join elections_protocolline l on l.id = lay.line_ids[f.pos]
left join elections_ballotoption o on o.id = lay.option_ids[f.pos - cardinality(lay.line_ids)]
where pc.contest_id = %s and pc.observer_id = %s and f.value is not null
group by pc.id
"""
PER_PARENT = """
select pec.parent_id, l.code, o.code, sum(f.value)
from tallies_stationtallystate s
join elections_pollingstation ps on ps.id = s.station_id
join elections_commission pec on pec.id = ps.pec_id
join tallies_protocolcopy pc on pc.id = s.current_copy_id
join tallies_copylayout lay on lay.id = pc.figure_layout_id
cross join lateral unnest(pc.figure_values) with ordinality as f(value, pos)
left join elections_protocolline l on l.id = lay.line_ids[f.pos]
left join elections_ballotoption o on o.id = lay.option_ids[f.pos - cardinality(lay.line_ids)]
where s.organization_id = %s and s.contest_id = %s and s.is_counted and f.value is not null
group by 1, 2, 3
"""
COUNTS = """
select pec.parent_id, count(*) from tallies_stationtallystate s
join elections_pollingstation ps on ps.id = s.station_id
join elections_commission pec on pec.id = ps.pec_id
where s.organization_id = %s and s.contest_id = %s and s.is_counted group by 1
"""


def add_counted_states(contest: Contest, observer: Observer) -> None:
    """One applied, counted StationTallyState per copy of `observer` (one copy per station)."""
    with connection.cursor() as cursor:
        cursor.execute(STATES, [contest.pk, observer.pk])


def add_tallies(contest: Contest, organization: Organization) -> int:
    """Write the organisation's tallies of every TEC, region and the nation; return how many."""
    per_parent, counts = _per_parent(contest, organization)
    units = Commission.objects.filter(election_id=contest.election_id).exclude(level=Commission.Level.PEC)
    by_path = {c.path: c.pk for c in units}
    parents = {c.pk: c for c in units if c.pk in counts}
    totals: dict[int, Figures] = defaultdict(Figures)
    stations: dict[int, int] = defaultdict(int)
    for parent_id, parent in parents.items():
        for target in [by_path[path] for path in parent.ancestor_paths()] + [parent_id]:
            totals[target] = totals[target].plus(per_parent[parent_id])
            stations[target] += counts[parent_id]
    rows = [_tally(contest, organization, unit, totals[unit], stations[unit]) for unit in totals]
    ObserverTally.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _per_parent(contest: Contest, organization: Organization) -> tuple[dict[int, Figures], dict[int, int]]:
    lines: dict[int, dict[str, int]] = defaultdict(dict)
    options: dict[int, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(PER_PARENT, [organization.pk, contest.pk])
        for parent_id, line, option, total in cursor.fetchall():
            (lines[parent_id] if line else options[parent_id])[line or option] = int(total)
        cursor.execute(COUNTS, [organization.pk, contest.pk])
        counts = dict(cursor.fetchall())
    return {p: Figures(lines[p], options[p]) for p in counts}, counts


def _tally(
    contest: Contest, organization: Organization, unit: int, figures: Figures, count: int
) -> ObserverTally:
    tally = ObserverTally(
        organization=organization, contest=contest, commission_id=unit, stations_count=count
    )
    tally.set_figures(figures)
    return tally


# Each station's copy: its official protocol's array in a copy layout of the snapshot's ids, the
# first option (position k) 7 votes higher at every `every`-th station; no figure, no array.
COPIES_FROM_OFFICIAL = """
insert into tallies_protocolcopy (client_uuid, organization_id, observer_id, contest_id, station_id, channel,
    note, submitted_at, figure_layout_id, figure_values)
select gen_random_uuid(), %(organization)s, %(observer)s, %(contest)s, p.station_id, 'import', %(note)s,
       %(now)s,
       case when p.given then tallies_copy_layout(p.layout_lines, p.layout_options) end,
       case when not p.given then null
            when p.station_id %% %(every)s = 0 and p.k is not null
            then p.vals[1:p.k - 1] || (p.vals[p.k] + 7) || p.vals[p.k + 1:]
            else p.vals end
from (
    select ps.id as station_id, s.layout_lines, s.layout_options, op.figure_values as vals,
           cardinality(array_remove(op.figure_values, null)) > 0 as given,
           cardinality(s.layout_lines) + array_position(s.layout_options, %(moved)s::int) as k
    from tallies_officialprotocol op
    join tallies_officialsnapshot s on s.id = op.snapshot_id
    join elections_pollingstation ps on ps.pec_id = op.commission_id
    where op.snapshot_id = %(snapshot)s and not op.is_derived
) p
"""


def add_copies_from_official(contest: Contest, snapshot_id: int, observer: Observer, every: int = 20) -> int:
    """Give every station of a snapshot a tallied copy equal to its official protocol, but with the
    first option 7 votes higher at every `every`-th station (by id); return the number of copies."""
    params = {
        "organization": observer.organization_id,
        "observer": observer.pk,
        "contest": contest.pk,
        "snapshot": snapshot_id,
        "note": "bench fixture: the official protocol, altered at some stations (not real copies)",
        "now": datetime.datetime.now(tz=datetime.UTC),
        "every": every,
        "moved": contest.options.order_by("position").values_list("pk", flat=True).first(),
    }
    with connection.cursor() as cursor:
        cursor.execute(COPIES_FROM_OFFICIAL, params)
        copies = cursor.rowcount
    add_counted_states(contest, observer)
    add_tallies(contest, observer.organization)
    return copies
