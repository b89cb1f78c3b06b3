"""The coalition page: members and what they cover, the pooled count, its comparison, conflicts.

The pooled figures are read from the stored pool (tallies.selectors.coalition_pool), which a task
keeps (tallies.services.coalition_pool): no request pools the whole election (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from elections.models import Contest
from elections.protocol import Figures
from observers.models import Coalition, Organization
from tallies.models import OfficialSnapshot, Release
from tallies.selectors.coalition_pool import StoredPool, stored_pool
from tallies.selectors.complete_stations import Subset
from tallies.selectors.layout import BasisNote, Layout, Source, _source, basis_notes
from tallies.selectors.pool import StationComparison, photo_members
from tallies.selectors.release_previews import PreviewState
from tallies.selectors.station_sets import Freshness
from tallies.services import coalition_releases


@dataclass(frozen=True)
class MemberRow:
    """A member organisation and the stations it supplied figures for, by region."""

    name: str
    stations: int
    regions: dict[str, int]


@dataclass(frozen=True)
class ConflictRow:
    """One line of a coalition conflict: the station, the line, each member's value.

    `values` = [(organisation name, value, organisation id when the viewer may see its photo
    else None)], by name.
    """

    station_id: int
    station: str
    kind: str
    code: str
    label: str
    values: list[tuple[str, int, int | None]]


@dataclass(frozen=True)
class CoalitionPage:
    """Everything the coalition page shows for one contest, read from the stored pool.

    The pooled figures (members to seats) are the stored result of tallies.services.coalition_pool
    as of `freshness.computed_at`, or empty while none is stored; `aggregates` are
    AggregateComparison documents (dicts). Releases, consents and the next number are read now.
    """

    members: list[MemberRow]
    counted: int
    in_conflict: int
    turnout: Decimal | None
    shares: list[tuple[str, Decimal | None, int]]
    snapshot: OfficialSnapshot | None
    stations: StationComparison | None
    aggregates: list[dict[str, Any]]
    conflicts: list[ConflictRow]
    releases: list[Release]
    next_number: int
    consents: list[tuple[str, str | None]]
    seats: list[tuple[str, int | None, int | None]]
    freshness: Freshness  # pool_freshness: "pooled", "updating" or "pending"
    basis_notes: list[BasisNote] = field(default_factory=list)  # percentages over fewer stations


def pool_freshness(stored: StoredPool) -> Freshness:
    """ "pooled" (the stored pool's inputs are the current ones), "updating" (they moved since
    `computed_at`; a refresh is asked for) or "pending" (nothing stored yet)."""
    row = stored.row
    if stored.result is None or row is None:
        return Freshness("pending")
    status = "pooled" if stored.current else "updating"
    return Freshness(status, row.computed_at, copies_changed=not stored.current)


def coalition_page(
    coalition: Coalition, contest: Contest, viewer: Organization | None = None
) -> CoalitionPage:
    """The stored pool, its comparison with the official results and its conflicts, as of when it
    was pooled (`freshness`), with labels in the reader's language; a number of queries that does
    not depend on the number of stations.

    `viewer` is the member looking: its conflicts link the photos it may see (photo_members).
    """
    stored = stored_pool(coalition, contest)
    result = stored.result or {}
    layout = Layout.of(contest)
    found = _observer_source(layout, result)
    shares, totals = found.shares if found else {}, (found.figures.options if found else {})
    snapshot_id = result.get("snapshot")
    comparison = result.get("stations")
    return CoalitionPage(
        [MemberRow(m["name"], m["stations"], m["regions"]) for m in result.get("members", [])],
        result.get("counted", 0),
        result.get("in_conflict", 0),
        found.turnout if found else None,
        [(str(o), shares.get(o.code), totals.get(o.code, 0)) for o in layout.options],
        OfficialSnapshot.objects.filter(pk=snapshot_id).first() if snapshot_id else None,
        StationComparison(**comparison) if comparison else None,
        result.get("aggregates", []),
        _conflicts(result, layout, photo_members(coalition, viewer) if viewer and result else set()),
        list(
            Release.objects.filter(coalition=coalition, contest=contest)
            .select_related("organization", "contest__election")
            .order_by("-number")
        ),
        coalition_releases.next_number(coalition, contest),
        _consents(coalition, contest),
        _seats(result, layout),
        pool_freshness(stored),
        basis_notes(layout, found),
    )


def _observer_source(layout: Layout, result: dict[str, Any]) -> Source | None:
    """The pooled total as a source with its percentages over the stations giving their figures."""
    if not result:
        return None
    subsets = {
        name: Subset(Figures(**subset["figures"]), subset["stations"])
        for name, subset in result["subsets"].items()
    }
    return _source(layout, Figures(**result["total"]), result["counted"], result["missing"], 0, subsets)


def _seats(result: dict[str, Any], layout: Layout) -> list[tuple[str, int | None, int | None]]:
    """(option, official seats, pooled seats) by the contest's rule; empty without a seat rule."""
    names = {o.code: str(o) for o in layout.options}
    return [(names.get(code, code), official, ours) for code, official, ours in result.get("seats", [])]


def _consents(coalition: Coalition, contest: Contest) -> list[tuple[str, str | None]]:
    """(member name, SHA-256 of the content it last consented to for the next release, or None),
    for every current member; the preview page says whether that is still the content."""
    return [(o.name, content) for o, content in coalition_releases.consents(coalition, contest)]


def _conflicts(result: dict[str, Any], layout: Layout, photos: set[int]) -> list[ConflictRow]:
    labels = {("lines", line.code): str(line) for line in layout.lines}
    labels |= {("options", o.code): str(o) for o in layout.options}
    return [
        ConflictRow(
            row["station_id"],
            row["station"],
            row["kind"],
            row["code"],
            labels.get((row["kind"], row["code"]), row["code"]),
            sorted((name, value, org if org in photos else None) for org, name, value in row["values"]),
        )
        for row in result.get("conflicts", [])
    ]


def release_preview(coalition: Coalition, contest: Contest, state: PreviewState) -> dict[str, object]:
    """The preview page's context from the prepared preview (tallies.selectors.release_previews):
    its `status`, and when prepared the next release's number, its content's SHA-256, what it
    contains (option names in the reader's language) and each member's consent: "current" (to
    this content), "outdated" (to other content) or None; `error` why there is nothing to
    publish; the last publish asked (`publish`: its row, in flight or not). A number of queries
    that does not depend on the number of stations."""
    row = state.row
    context: dict[str, object] = {"status": state.status, "lost": state.lost, "publishing": state.publishing}
    if row is None:
        return context
    context |= {"row": row, "failure": row.failure, "error": row.refusal, "published": row.published}
    if state.status != "ready":
        return context
    summary, content = row.summary, row.content_sha256
    names = {o.code: str(o) for o in contest.options.all()}
    states = [
        (o.name, None if consented is None else "current" if consented == content else "outdated")
        for o, consented in coalition_releases.consents(coalition, contest)
    ]
    return context | {
        "number": row.number,
        "content_sha256": content,
        "members": summary["members"],
        "stations": summary["stations"],
        "turnout": summary["turnout"],
        "shares": [(names.get(code, code), share) for code, share in summary["shares"]],
        "seats": summary["seats"],
        "forensics": summary["forensics"],
        "regions": summary["regions"],
        "photos": summary["photos"],
        "consents": states,
    }
