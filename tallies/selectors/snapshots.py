"""Which official snapshot of a contest the pages and jobs read: a read, no writes (issue 16)."""

from __future__ import annotations

from elections.models import Contest
from tallies.models import OfficialSnapshot


def latest_snapshot(contest: Contest) -> OfficialSnapshot | None:
    """The newest final snapshot, else the newest of any status."""
    snapshots = contest.official_snapshots.current().order_by("-imported_at", "-id")
    return snapshots.filter(status=OfficialSnapshot.Status.FINAL).first() or snapshots.first()
