"""A coalition's stored pooled count (CoalitionPool) and whether it still describes its inputs.

Pooling reads every member's accepted figures, which grows with the election; the *versions* of
the pool's inputs cost a few index lookups whatever its size (issue 17, scope 4):

- **members**: the ids of the organisations that pool (tallies.selectors.pool.pooling_members:
  agreed, current, approved), so a member joining, leaving or consenting changes them;
- **figures**: per member, the id and row version (PostgreSQL's ``xmin``) of its tally of the
  election's root commission. A tally job that changes a station's accepted figures moves the
  tallies of every commission above the station, the root's included, in the transaction that
  records them (tallies.services.tallying), so each applied change writes a new row version;
  a full recompute writes one when the totals change, and tallies.tasks marks the pools stale
  after every recompute for the case where stations moved and the totals did not. A version
  that changes for another reason (a VACUUM FREEZE) only makes the page say "being updated";
- **resolutions**: how many the coalition recorded for the contest and the newest id (rows are
  append-only);
- **official**: the latest snapshot (tallies.selectors.snapshots.latest_snapshot), its level and
  whether its tallies are summed;
- **register**: the election's `register_version` (elections migration 0009), moved by PostgreSQL
  with every change of its commissions or stations.

Reads only: the refresh and its claim are tallies.services.coalition_pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max
from django.db.models.expressions import RawSQL

from elections.models import Commission, Contest, Election
from observers.models import Coalition
from tallies.models import CoalitionPool, CoalitionResolution, ObserverTally
from tallies.selectors.pool import pooling_members
from tallies.selectors.snapshots import latest_snapshot

# The row version of a tally row: a new value with every UPDATE of the row (PostgreSQL).
ROW_VERSION = RawSQL('"tallies_observertally"."xmin"::text', [])


def register_version(contest: Contest) -> int:
    """The contest's election's `register_version` now (one query): it moves with every change of
    the election's commissions or stations (elections migration 0009)."""
    found = Election.objects.filter(pk=contest.election_id).values_list("register_version", flat=True)
    return found.get()


@dataclass(frozen=True)
class StoredPool:
    """The stored pool of a coalition and contest (None before the first refresh) and whether its
    inputs are the current ones (`current`: False also while nothing is stored)."""

    row: CoalitionPool | None
    current: bool

    @property
    def result(self) -> dict[str, Any] | None:
        """The stored result document (tallies.services.coalition_pool.compute), None if none yet."""
        return self.row.result if self.row is not None and self.row.computed_at is not None else None


def inputs_of(coalition: Coalition, contest: Contest) -> dict[str, Any]:
    """The versions of the pool's inputs now (module docstring), as a JSON document; six queries.

    Shape: {"register": the election's register_version, "members": [organisation id, ...],
    "figures": {"<organisation id>": [[root tally id, "<xmin>"], ...] or None}, "resolutions":
    [count, newest id or 0], "official": [snapshot id, level, is_tallied] or None}. Two reads are
    equal exactly when the inputs did not move.
    """
    members = sorted(o.pk for o in pooling_members(coalition))
    roots = list(
        Commission.objects.filter(election_id=contest.election_id, parent__isnull=True).values_list(
            "pk", flat=True
        )
    )
    tallies = ObserverTally.objects.filter(
        organization_id__in=members, contest=contest, commission_id__in=roots
    )
    versions: dict[str, list[list[int | str]]] = {}
    rows = tallies.annotate(version=ROW_VERSION).order_by("organization_id", "pk")
    for organization_id, pk, version in rows.values_list("organization_id", "pk", "version"):
        versions.setdefault(str(organization_id), []).append([pk, version])
    resolutions = CoalitionResolution.objects.filter(coalition=coalition, contest=contest).aggregate(
        count=Count("pk"), newest=Max("pk")
    )
    snapshot = latest_snapshot(contest)
    return {
        "register": register_version(contest),
        "members": members,
        "figures": {str(pk): versions.get(str(pk)) for pk in members},
        "resolutions": [resolutions["count"], resolutions["newest"] or 0],
        "official": [snapshot.pk, snapshot.level, snapshot.is_tallied] if snapshot else None,
    }


def stored_pool(coalition: Coalition, contest: Contest) -> StoredPool:
    """The stored pool and whether it is current (six queries; one when nothing is stored yet)."""
    row = CoalitionPool.objects.filter(coalition=coalition, contest=contest).first()
    if row is None or row.computed_at is None:
        return StoredPool(row, False)
    return StoredPool(row, row.inputs == inputs_of(coalition, contest))
