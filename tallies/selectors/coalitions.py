"""The coalition page: members and what they cover, the pooled count, its comparison, conflicts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from elections.models import Commission, Contest, PollingStation
from observers.models import Coalition, Organization
from tallies.models import OfficialSnapshot, Release
from tallies.selectors.comparison_aggregates import AggregateComparison, aggregate_comparisons_of
from tallies.selectors.complete_stations import subsets_of_stations
from tallies.selectors.layout import BasisNote, Layout, _source, basis_notes
from tallies.selectors.pool import Pool, StationComparison, compare_stations, photo_members, pool
from tallies.selectors.snapshots import latest_snapshot
from tallies.selectors.station_sets import Freshness, computed_when_read
from tallies.services import coalition_releases
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.pooled import pooled_seats


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
    """Everything the coalition page shows for one contest."""

    pool: Pool
    members: list[MemberRow]
    counted: int
    in_conflict: int
    turnout: Decimal | None
    shares: list[tuple[str, Decimal | None, int]]
    snapshot: OfficialSnapshot | None
    stations: StationComparison | None
    aggregates: list[AggregateComparison]
    conflicts: list[ConflictRow]
    releases: list[Release]
    next_number: int
    consents: list[tuple[str, str | None]]
    seats: list[tuple[str, int | None, int | None]]
    freshness: Freshness  # pooled and compared on reading (station_sets.computed_when_read)
    basis_notes: list[BasisNote] = field(default_factory=list)  # percentages over fewer stations


def coalition_page(
    coalition: Coalition, contest: Contest, viewer: Organization | None = None
) -> CoalitionPage:
    """Pool the members' figures and compare them at the finest level the official data allow.

    Both are computed now, from the members' tallies and the latest official snapshot, so the page
    says "as of now" (`freshness`), not a stored run's state: the members' own comparison runs do
    not enter the pooled figures, so their states are not this page's.

    `viewer` is the member looking: its conflicts link the photos it may see (photo_members).
    """
    pooled = pool(coalition, contest)
    layout = Layout.of(contest)
    counted = list(pooled.counted().values())
    total, missing, subsets = subsets_of_stations(layout, counted)
    found = _source(layout, total, len(counted), missing, 0, subsets)
    assert found is not None
    shares = found.shares
    snapshot = latest_snapshot(contest)
    by_station = snapshot is not None and snapshot.level == Commission.Level.PEC
    return CoalitionPage(
        pooled,
        _members(pooled),
        len(pooled.counted()),
        len(pooled.in_conflict()),
        found.turnout,
        [(str(o), shares.get(o.code), total.options.get(o.code, 0)) for o in contest.options.all()],
        snapshot,
        compare_stations(pooled, snapshot) if snapshot and by_station else None,
        aggregate_comparisons_of(pooled.counted(), contest, snapshot) if snapshot and not by_station else [],
        _conflicts(pooled, contest, photo_members(coalition, viewer) if viewer else set()),
        list(
            Release.objects.filter(coalition=coalition, contest=contest)
            .select_related("organization", "contest__election")
            .order_by("-number")
        ),
        coalition_releases.next_number(coalition, contest),
        _consents(coalition, contest),
        _seats(pooled, contest),
        computed_when_read(),
        basis_notes(layout, found),
    )


def _seats(pooled: Pool, contest: Contest) -> list[tuple[str, int | None, int | None]]:
    """(option, official seats, pooled seats) by the contest's rule; empty without a seat rule."""
    try:
        found = pooled_seats(pooled)
    except AnalysisError:
        return []
    official, ours = found["official"] or {}, found["observer"] or {}
    return [
        (str(o), (official.get("seats") or {}).get(o.code), (ours.get("seats") or {}).get(o.code))
        for o in contest.options.filter(is_against_all=False)
    ]


def _consents(coalition: Coalition, contest: Contest) -> list[tuple[str, str | None]]:
    """(member name, SHA-256 of the content it last consented to for the next release, or None),
    for every current member; the preview page says whether that is still the content."""
    return [(o.name, content) for o, content in coalition_releases.consents(coalition, contest)]


def _members(pooled: Pool) -> list[MemberRow]:
    regions = _region_names(pooled.contest, list(pooled.stations))
    per: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for station in pooled.stations.values():
        for member in station.members:
            per[member][regions.get(station.station_id, "")] += 1
    return [
        MemberRow(o.name, sum(per[o.pk].values()), dict(sorted(per[o.pk].items()))) for o in pooled.members
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


def _conflicts(pooled: Pool, contest: Contest, photos: set[int]) -> list[ConflictRow]:
    stations = dict(
        PollingStation.objects.filter(pk__in=[s.station_id for s in pooled.in_conflict()]).values_list(
            "pk", "number"
        )
    )
    names = {o.pk: o.name for o in pooled.members}
    labels = {("lines", line.code): str(line) for line in contest.form.lines.all()}
    labels |= {("options", o.code): str(o) for o in contest.options.all()}
    rows = []
    for station in pooled.in_conflict():
        for (kind, code), values in sorted(station.conflicts.items()):
            rows.append(
                ConflictRow(
                    station.station_id,
                    stations.get(station.station_id, ""),
                    kind,
                    code,
                    labels.get((kind, code), code),
                    sorted(
                        (names.get(org, str(org)), value, org if org in photos else None)
                        for org, value in values.items()
                    ),
                )
            )
    return rows


def release_preview(coalition: Coalition, contest: Contest, viewer: Organization) -> dict[str, object]:
    """The preview page's context: the next release as `viewer` would publish it now (nothing
    stored), its content's SHA-256, and each member's consent: "current" (to this content),
    "outdated" (to other content) or None. Raises ReleaseError with nothing counted."""
    preview = coalition_releases.preview_release(coalition=coalition, contest=contest, organization=viewer)
    data, content = preview.data, preview.content_sha256
    root = next((c for c in data.commissions if c.parent_id is None), None)
    observer = (root.figures.get("observer") or {}) if root else {}
    states = [
        (o.name, None if consented is None else "current" if consented == content else "outdated")
        for o, consented in coalition_releases.consents(coalition, contest)
    ]
    return {
        "number": preview.publication.number,
        "content_sha256": content,
        "members": data.header["coalition"]["members"],
        "stations": len(data.stations),
        "turnout": observer.get("turnout"),
        "shares": [(str(o), (observer.get("shares") or {}).get(o.code)) for o in contest.options.all()],
        "seats": data.seats is not None,
        "forensics": data.forensics is not None,
        "regions": sum(
            1 for row in data.regions or [] if row.get("status") not in ("no_official", "no_copies")
        ),
        "photos": preview.publication.show_photos,
        "consents": states,
    }
