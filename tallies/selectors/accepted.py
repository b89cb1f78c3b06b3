"""A station's accepted figures, derived from its copies; never stored over them.

Rule (issue 4; Apollo's master-submission model, landscape.md §4.5): take the station's current
copies (the newest revision of each), leave out quarantined ones; a line (or option) whose
copies all agree is accepted; where they disagree, the coordinator's latest resolution of that
line is accepted, else the line is a conflict. A station counts in the tallies only when no
line is in conflict, so a tally never mixes lines from different stations' sets. A figure no
countable copy gives (marked "not on the copy") is missing: neither a conflict nor 0; the
copies that give it decide it, and the tallies count the station's other figures (issue 14).

The rule is written once, as SQL (`accepted_sql`), on top of the ORM's `countable_copies`. The
full recompute runs it over every station of a contest inside PostgreSQL
(tallies.services.recompute_sql); `accepted_for_stations` runs the same statement for a few
stations, on any database, and reads the rows back into `Accepted` values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef

from elections.protocol import Figures
from tallies.models import ProtocolCopy, Quarantine
from tallies.models.copy_layout import LINE_ID, OPTION_ID, figure_rows_sql

LINE, OPTION = "lines", "options"

# Common table expressions (to follow a WITH) that leave `accepted`: one row per station and
# line or option that a countable copy gives, (station_id, line_id, option_id, value), with value
# NULL where the copies disagree and no coordinator has resolved the line (a conflict). A copy's
# figures are the non-NULL elements of its array, each at its layout's line or option
# (tallies.models.copy_layout).
ACCEPTED = """
countable AS (
    SELECT c.id, c.station_id, c.figure_layout_id, c.figure_values,
        COUNT(*) OVER (PARTITION BY c.station_id) AS copies
    FROM ({countable}) c
    WHERE {stations}
),
several AS (
    -- Stations with several countable copies: the lowest and the highest value they give for
    -- each line a copy has.
    SELECT c.station_id, {line_id} AS line_id, {option_id} AS option_id, MIN(u.value) AS low,
        MAX(u.value) AS high
    FROM countable c {figure_rows}
    WHERE c.copies > 1 AND u.value IS NOT NULL
    GROUP BY 1, 2, 3
),
resolved AS (
    -- Each resolution keyed as the line it settles (a line if it names one, else its option);
    -- newest = 1 marks the latest of each station and line. Only a station with several copies
    -- can disagree, so only those stations' resolutions are read.
    SELECT station_id, COALESCE(line_id, 0) AS line_key,
        CASE WHEN line_id IS NULL THEN option_id ELSE 0 END AS option_key, value,
        ROW_NUMBER() OVER (
            PARTITION BY station_id, COALESCE(line_id, 0), CASE WHEN line_id IS NULL THEN option_id ELSE 0 END
            ORDER BY resolved_at DESC, id DESC
        ) AS newest
    FROM tallies_conflictresolution
    WHERE organization_id = %s AND contest_id = %s
        AND station_id IN (SELECT station_id FROM countable WHERE copies > 1)
),
accepted AS (
    -- One countable copy (the common case): its figures, nothing to compare or resolve.
    SELECT c.station_id, {line_id} AS line_id, {option_id} AS option_id, u.value
    -- (NOT copies > 1 is copies = 1, written so that the planner expects most stations here.)
    FROM countable c {figure_rows}
    WHERE NOT c.copies > 1 AND u.value IS NOT NULL
    UNION ALL
    -- Several: a line they agree on, else its latest resolution, else NULL (a conflict).
    SELECT g.station_id, g.line_id, g.option_id, CASE WHEN g.low = g.high THEN g.low ELSE r.value END
    FROM several g
    LEFT JOIN resolved r ON r.newest = 1 AND g.low <> g.high AND r.station_id = g.station_id
        AND r.line_key = COALESCE(g.line_id, 0) AND r.option_key = COALESCE(g.option_id, 0)
)"""


@dataclass(frozen=True)
class Accepted:
    """The accepted figures of a station (None when nothing counts) and the codes in conflict."""

    figures: Figures | None
    conflicts: list[str] = field(default_factory=list)
    copies: int = 0


def countable_copies(organization_id: int, contest_id: int, station_ids: Iterable[int] | None = None):  # type: ignore[no-untyped-def]
    """Current, unquarantined copies of the organisation for the contest (optionally some stations).

    A copy sent as photos only gives no figures until the desk transcribes it, as a revision;
    the two blind entries typed from its photos count only through that revision (issue 18).

    Written with NOT EXISTS (not `current()`'s outer join) so that PostgreSQL plans an anti-join
    and estimates it well when the full recompute runs it over a whole election.
    """
    revised = ProtocolCopy.objects.filter(revises_id=OuterRef("pk"))
    held = Quarantine.objects.active().filter(copy_id=OuterRef("pk"))
    copies = ProtocolCopy.objects.filter(organization_id=organization_id, contest_id=contest_id)
    if station_ids is not None:
        copies = copies.filter(station_id__in=list(station_ids))
    return copies.filter(~Exists(revised), ~Exists(held)).with_figures().without_photo_entries()


def accepted_sql(
    organization_id: int,
    contest_id: int,
    station_ids: Iterable[int] | None = None,
    stations: str = "TRUE",
) -> tuple[str, list[Any]]:
    """The rule as SQL: (common table expressions ending in `accepted`, their parameters).

    `station_ids` narrows the copies through the ORM; `stations` is an SQL condition on
    `c.station_id` instead, for a caller whose WITH defines the stations first (no parameters).
    """
    copies = countable_copies(organization_id, contest_id, station_ids).order_by()
    copies = copies.values("id", "station_id", "figure_layout_id", "figure_values")
    countable_sql, countable_params = copies.query.sql_with_params()
    sql = ACCEPTED.format(
        countable=countable_sql,
        stations=stations,
        figure_rows=figure_rows_sql("c"),
        line_id=LINE_ID,
        option_id=OPTION_ID,
    )
    return sql, [*countable_params, organization_id, contest_id]


def accepted_for_stations(
    organization_id: int, contest_id: int, station_ids: Iterable[int] | None = None
) -> dict[int, Accepted]:
    """Accepted figures for each station with a countable copy: station id → Accepted.

    One query whatever the number of stations; every station without a copy that gives
    figures is left out (it counts as Accepted(None)).
    """
    if station_ids is not None:
        station_ids = list(station_ids)
        if not station_ids:
            return {}
    rules, params = accepted_sql(organization_id, contest_id, station_ids)
    statement = f"""
        WITH {rules},
        figured AS (
            SELECT c.station_id, COUNT(*) AS copies FROM countable c
            WHERE c.figure_values IS NOT NULL
            GROUP BY c.station_id
        )
        SELECT a.station_id, l.code, o.code, a.value, figured.copies
        FROM accepted a
        JOIN figured ON figured.station_id = a.station_id
        LEFT JOIN elections_protocolline l ON l.id = a.line_id
        LEFT JOIN elections_ballotoption o ON o.id = a.option_id
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return _accepted_by_station(cursor.fetchall())


Row = tuple[int, str | None, str | None, int | None, int]  # station, line code, option code, value, copies


def _accepted_by_station(rows: Sequence[Row]) -> dict[int, Accepted]:
    values: dict[int, dict[tuple[str, str], int | None]] = defaultdict(dict)
    copies: dict[int, int] = {}
    for station_id, line, option, value, count in rows:
        values[station_id][(LINE, line) if line else (OPTION, str(option))] = value
        copies[station_id] = count
    return {station_id: _station(by_key, copies[station_id]) for station_id, by_key in values.items()}


def _station(by_key: dict[tuple[str, str], int | None], copies: int) -> Accepted:
    conflicts = [f"{kind}.{code}" for (kind, code), value in sorted(by_key.items()) if value is None]
    if conflicts:
        return Accepted(None, conflicts, copies)
    lines = {code: value for (kind, code), value in by_key.items() if kind == LINE and value is not None}
    options = {code: value for (kind, code), value in by_key.items() if kind == OPTION and value is not None}
    return Accepted(Figures(lines, options), [], copies)
