"""What changed between two official snapshots of a contest (provisional → final, or a re-issue).

Per commission present in both snapshots: the lines and options whose values differ, with both
values (a figure present in only one snapshot shows None on the other side). The comparison
runs in one grouped query, so two national station files (2.4 million figures each) diff in
the database rather than in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Max, Q, QuerySet

from elections.models import Commission
from tallies.models import OfficialFigure, OfficialProtocol, OfficialSnapshot


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
    rows = _differing_rows(before, after, protocols_a, protocols_b, include_derived)
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
    before: OfficialSnapshot,
    after: OfficialSnapshot,
    protocols_a: QuerySet[OfficialProtocol],
    protocols_b: QuerySet[OfficialProtocol],
    include_derived: bool,
) -> Iterable[Mapping[str, Any]]:
    """Rows (commission_id, line__code, option__code, before, after) where the two values differ."""
    figures = OfficialFigure.objects.filter(
        protocol__snapshot__in=[before, after],
        protocol__commission_id__in=protocols_a.values("commission_id"),
    ).filter(protocol__commission_id__in=protocols_b.values("commission_id"))
    if not include_derived:
        figures = figures.filter(protocol__is_derived=False)
    return (
        figures.values("protocol__commission_id", "line__code", "option__code")
        .annotate(
            before=Max("value", filter=Q(protocol__snapshot=before)),
            after=Max("value", filter=Q(protocol__snapshot=after)),
        )
        .filter(Q(before__isnull=True) | Q(after__isnull=True) | ~Q(before=F("after")))
        .order_by()
    )


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
