"""Official tallies per commission: a snapshot's published protocols summed up to every level above.

A file publishes station protocols or totals of some levels (a region's, a TEC's); the levels it
leaves out are derived here as OfficialProtocol rows with is_derived=True, once per snapshot,
after the import commits (`schedule_snapshot_tally`, with the beat job
`sweep_untallied_snapshots` as the outbox drain). Sums are exact integers; a derived total's
station count is the stations below it, unknown (0) when any row below does not say.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.outbox import enqueue_on_commit
from elections.models import Commission
from elections.protocol import Figures
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot
from tallies.services.official_bases import official_bases

ZERO = Figures()


def parent_sums(snapshot: OfficialSnapshot, layout: FigureLayout) -> dict[int, Figures]:
    """Parent commission id → the sums of the snapshot's published protocols directly below it.

    One query, one exact sum per array position (a figure no protocol below gives stays absent,
    as a sum over no rows); protocols of the root (no parent) are left out.
    """
    sums = ", ".join(f"sum(p.figure_values[{n}])" for n in range(1, layout.width + 1))
    query = (
        f"SELECT c.parent_id{', ' if sums else ''}{sums} FROM {OfficialProtocol._meta.db_table} p "
        f"JOIN {Commission._meta.db_table} c ON c.id = p.commission_id "
        "WHERE p.snapshot_id = %s AND NOT p.is_derived AND c.parent_id IS NOT NULL GROUP BY c.parent_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [snapshot.pk])
        return {row[0]: layout.figures(row[1:]) for row in cursor.fetchall()}


def roll_up(
    per_parent: dict[int, Figures], stations: dict[int, int]
) -> tuple[dict[int, Figures], dict[int, int]]:
    """Add each PEC parent's totals to that commission and all its ancestors.

    `per_parent` and `stations` map a commission id (the parent of stations) to the figures and
    the number of stations under it; returns the same two maps for those commissions and every
    ancestor of theirs (sums of integers). Used by the pooled benchmark too (bench/pooled.py).
    """
    parents = Commission.objects.in_bulk(per_parent.keys() | stations.keys())
    paths = {p for c in parents.values() for p in c.ancestor_paths()}
    election_ids = {c.election_id for c in parents.values()}
    by_path = {c.path: c.pk for c in Commission.objects.filter(election_id__in=election_ids, path__in=paths)}
    totals: dict[int, Figures] = defaultdict(Figures)
    counts: dict[int, int] = defaultdict(int)
    for parent_id, parent in parents.items():
        for target in [by_path[p] for p in parent.ancestor_paths()] + [parent_id]:
            totals[target] = totals[target].plus(per_parent.get(parent_id, ZERO))
            counts[target] += stations.get(parent_id, 0)
    return totals, counts


def schedule_snapshot_tally(snapshot: OfficialSnapshot) -> None:
    """Send `tally_official_snapshot` for a snapshot once the transaction that stored it commits.

    Its outbox is `is_tallied`: a message lost with the broker leaves the snapshot untallied for
    `sweep_untallied_snapshots` (a beat job) to tally.
    """
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    enqueue_on_commit(tasks.tally_official_snapshot, snapshot_id=snapshot.pk)


def sweep_untallied_snapshots(*, older_than: float = 120.0, limit: int = 20) -> int:
    """Tally every snapshot imported over `older_than` seconds ago and still untallied; return how many.

    The outbox drain of official snapshots (beat: every minute): the tally message of an import
    made while the broker was unreachable was never sent. Each snapshot is tallied in its own
    transaction, oldest first; tallying is safe to repeat, so a message that arrives after all
    changes nothing.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than)
    ids = list(
        OfficialSnapshot.objects.filter(is_tallied=False, imported_at__lt=cutoff)
        .order_by("imported_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for snapshot_id in ids:
        tally_official_snapshot(snapshot_id=snapshot_id)
    return len(ids)


def tally_official_snapshot(*, snapshot_id: int) -> int:
    """Sum a snapshot's published protocols up to every commission above them; return rows added.

    Commissions that the file itself publishes keep the published figures; only the missing
    levels are derived. Safe to repeat: a tallied snapshot is left as it is.
    """
    with transaction.atomic():
        snapshot = OfficialSnapshot.objects.select_for_update().get(pk=snapshot_id)
        if snapshot.is_tallied:
            return 0
        published = snapshot.protocols.filter(is_derived=False)
        layout = snapshot.figure_layout
        per_parent = parent_sums(snapshot, layout)
        counts, unknown = _published_station_counts(published)
        totals, station_counts = roll_up(per_parent, counts)
        _unknown, unknown_below = roll_up({}, unknown)
        station_counts = {k: 0 if unknown_below.get(k) else n for k, n in station_counts.items()}
        have = set(published.values_list("commission_id", flat=True))
        derived = {k: v for k, v in totals.items() if k not in have}
        bases = official_bases(snapshot, published, derived.keys())
        added = _store_derived(snapshot, layout, derived, station_counts, bases)
        snapshot.is_tallied = True
        snapshot.save(update_fields=["is_tallied"])
    return added


def _published_station_counts(published: QuerySet[OfficialProtocol]) -> tuple[dict[int, int], dict[int, int]]:
    """Per parent commission: stations its published rows cover, and rows that do not say (0).

    A station protocol covers one station; a region or TEC total covers the stations its file
    states (`stations_count`, 0 when the file does not say). A derived total counts the stations
    below it, never the rows: 17 regional totals are not 17 stations (issue 22). A sum with any
    row of unknown stations is unknown (stored as 0).
    """
    counts: dict[int, int] = defaultdict(int)
    unknown: dict[int, int] = defaultdict(int)
    rows = published.values_list("commission__parent_id", "commission__level", "stations_count")
    for parent_id, level, stations in rows:
        if not parent_id:
            continue
        covered = 1 if level == Commission.Level.PEC else stations
        counts[parent_id] += covered
        unknown[parent_id] += int(not covered)
    return counts, {k: v for k, v in unknown.items() if v}


def _store_derived(
    snapshot: OfficialSnapshot,
    layout: FigureLayout,
    totals: dict[int, Figures],
    counts: dict[int, int],
    bases: dict[int, dict[str, Any]],
) -> int:
    protocols = OfficialProtocol.objects.bulk_create(
        (
            OfficialProtocol(
                snapshot=snapshot,
                commission_id=cid,
                is_derived=True,
                stations_count=counts[cid],
                bases=bases.get(cid),
                figure_values=layout.values_from(total),
            )
            for cid, total in totals.items()
        ),
        batch_size=5000,
    )
    return len(protocols)
