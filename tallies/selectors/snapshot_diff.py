"""What changed between two official snapshots of a contest (provisional → final, or a re-issue).

Per commission present in both snapshots: the lines and options whose values differ, with both
values (a figure present in only one snapshot shows None on the other side). One query pairs
the two snapshots' protocols by commission; where both snapshots share a layout (the usual case)
it returns only the pairs whose figure arrays differ, so two national station files diff in the
database and only the changed commissions are read into Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from elections.models import Commission
from elections.protocol import Figures
from tallies.models import OfficialProtocol, OfficialSnapshot


@dataclass(frozen=True)
class FigureChange:
    """One line or option of a commission: its value in the earlier and the later snapshot (votes)."""

    kind: str  # "line" or "option"
    code: str
    before: int | None
    after: int | None

    @property
    def delta(self) -> int | None:
        """After − before in votes; None when the figure is absent from either snapshot."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class CommissionChange:
    """A commission whose figures differ between the snapshots; `station_id` is set for a PEC."""

    commission: Commission
    station_id: int | None
    changes: tuple[FigureChange, ...]


@dataclass(frozen=True)
class SnapshotDiff:
    """Commissions compared (in both snapshots), the changed ones in path order, and the unmatched."""

    before: OfficialSnapshot
    after: OfficialSnapshot
    commissions_compared: int
    changed: list[CommissionChange]
    only_before: int
    only_after: int

    @property
    def changed_stations(self) -> list[CommissionChange]:
        return [c for c in self.changed if c.commission.level == Commission.Level.PEC]

    @property
    def changed_commissions(self) -> list[CommissionChange]:
        """Changed regions, TECs or the nation (anything above a station)."""
        return [c for c in self.changed if c.commission.level != Commission.Level.PEC]


def diff_snapshots(
    *, before: OfficialSnapshot, after: OfficialSnapshot, include_derived: bool = False
) -> SnapshotDiff:
    """Compare two snapshots of one contest; derived sums are left out unless `include_derived`.

    Raises ValueError when the snapshots belong to different contests.
    """
    if before.contest_id != after.contest_id:
        raise ValueError("the two snapshots belong to different contests")
    protocols_a, protocols_b = _protocols(before, include_derived), _protocols(after, include_derived)
    in_a = protocols_a.values("commission_id")
    in_b = protocols_b.values("commission_id")
    rows = _differing_rows(before, after, include_derived)
    return SnapshotDiff(
        before=before,
        after=after,
        commissions_compared=protocols_a.filter(commission_id__in=in_b).count(),
        changed=_changes(rows),
        only_before=protocols_a.exclude(commission_id__in=in_b).count(),
        only_after=protocols_b.exclude(commission_id__in=in_a).count(),
    )


def _protocols(snapshot: OfficialSnapshot, include_derived: bool) -> QuerySet[OfficialProtocol]:
    protocols = OfficialProtocol.objects.filter(snapshot=snapshot)
    return protocols if include_derived else protocols.filter(is_derived=False)


def _differing_rows(
    before: OfficialSnapshot, after: OfficialSnapshot, include_derived: bool
) -> Iterable[Mapping[str, Any]]:
    """Rows (protocol__commission_id, line__code, option__code, before, after) where the two differ."""
    layouts = [before.figure_layout, after.figure_layout]
    same = (layouts[0].line_ids, layouts[0].option_ids) == (layouts[1].line_ids, layouts[1].option_ids)
    table = OfficialProtocol._meta.db_table
    query = (
        f"SELECT a.commission_id, a.figure_values, b.figure_values FROM {table} a "
        f"JOIN {table} b ON b.commission_id = a.commission_id AND b.snapshot_id = %s WHERE a.snapshot_id = %s"
        + ("" if include_derived else " AND NOT a.is_derived AND NOT b.is_derived")
        + (" AND a.figure_values IS DISTINCT FROM b.figure_values" if same else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [after.pk, before.pk])
        pairs = cursor.fetchall()
    for commission_id, values_a, values_b in pairs:
        yield from _figure_rows(commission_id, layouts[0].figures(values_a), layouts[1].figures(values_b))


def _figure_rows(commission_id: int, a: Figures, b: Figures) -> Iterable[Mapping[str, Any]]:
    for kind, mine, theirs in (("line", a.lines, b.lines), ("option", a.options, b.options)):
        for code in sorted(mine.keys() | theirs.keys()):
            if mine.get(code) != theirs.get(code):
                yield {
                    "protocol__commission_id": commission_id,
                    "line__code": code if kind == "line" else None,
                    "option__code": code if kind == "option" else None,
                    "before": mine.get(code),
                    "after": theirs.get(code),
                }


def _changes(rows: Iterable[Mapping[str, Any]]) -> list[CommissionChange]:
    grouped: dict[int, list[FigureChange]] = defaultdict(list)
    for row in rows:
        kind, code = ("line", row["line__code"]) if row["line__code"] else ("option", row["option__code"])
        grouped[row["protocol__commission_id"]].append(FigureChange(kind, code, row["before"], row["after"]))
    commissions = Commission.objects.select_related("station").in_bulk(list(grouped))
    ordered = sorted(commissions.values(), key=lambda c: c.path)
    return [CommissionChange(c, _station_id(c), tuple(sorted(grouped[c.pk], key=_order))) for c in ordered]


def _station_id(commission: Commission) -> int | None:
    station = getattr(commission, "station", None) if commission.level == Commission.Level.PEC else None
    return station.pk if station else None


def _order(change: FigureChange) -> tuple[int, str]:
    return (0 if change.kind == "line" else 1, change.code)
