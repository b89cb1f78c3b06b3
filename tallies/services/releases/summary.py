"""The "release" document: who publishes what, when, on which sources, with which audit head."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from elections.models import Contest
from tallies.models import OfficialSnapshot, ReconciliationRun

if TYPE_CHECKING:
    from tallies.services.releases.gather import Publication


def utc(moment: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 in UTC ("2011-12-04T20:00:00+00:00"); None stays None."""
    return moment.astimezone(UTC).isoformat() if moment else None


def header_document(
    publication: Publication,
    run: ReconciliationRun | None,
    head: tuple[int, str],
    credits: list[str],
    license_name: str,
) -> dict[str, Any]:
    """Return the release's metadata: number, organisation, election, contest, dates, sources."""
    election, contest = publication.contest.election, publication.contest
    return {
        "number": publication.number,
        "organization": {"slug": publication.organization.slug, "name": publication.organization.name},
        "election": {
            "slug": election.slug,
            "name": election.name,
            "country": election.country,
            "held_on": election.held_on.isoformat(),
            "time_zone": election.time_zone,
        },
        "contest": {"slug": contest.slug, "name": contest.name, "kind": contest.kind},
        "created_at": utc(publication.created_at),
        "publish_at": utc(publication.publish_at),
        "changelog": publication.changelog,
        "previous_release": _previous(publication),
        "audit_chain_head": {"sequence": head[0], "entry_hash": head[1]},
        "official_snapshot": _snapshot(run),
        "comparison_computed_at": utc(run.finished_at) if run else None,
        "credits": credits,
        "license": license_name,
    }


def _previous(publication: Publication) -> dict[str, Any] | None:
    previous = publication.previous
    if previous is None:
        return None
    return {"number": previous.number, "manifest_sha256": previous.manifest_sha256}


def _snapshot(run: ReconciliationRun | None) -> dict[str, Any] | None:
    """The official snapshot compared with: file, its SHA-256, source, status (provisional/final)."""
    return snapshot_document(run.snapshot) if run else None


def snapshot_document(snapshot: OfficialSnapshot | None) -> dict[str, Any] | None:
    """An official snapshot as the release header names it (None without one)."""
    if snapshot is None:
        return None
    return {
        "file_name": snapshot.file_name,
        "sha256": snapshot.file_sha256,
        "source": snapshot.source,
        "source_url": snapshot.source_url,
        "status": snapshot.status,
        "level": snapshot.level,
        "imported_at": utc(snapshot.imported_at),
    }


def names_document(contest: Contest) -> dict[str, Any]:
    """The names by language of the contest's election, the contest and its options (elections.names).

    {"election": {lang: name}, "contest": {lang: name}, "options": {code: {"name": {lang: name},
    "short_name": {lang: name}}}}; {} where a spec gave one name only. Frozen in the release's
    content for its pages, so a later rename leaves a release as published; the release's files
    keep the one stored name of each (tallies.publication), so their hashes do not depend on it.
    """
    options = contest.options.order_by("position")
    return {
        "election": dict(contest.election.names),
        "contest": dict(contest.names),
        "options": {o.code: {"name": dict(o.names), "short_name": dict(o.short_names)} for o in options},
    }
