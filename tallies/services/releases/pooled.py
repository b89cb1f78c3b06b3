"""Gather a coalition's pooled count into a ReleaseData, for the same files, manifest and chain.

The release machinery is the organisation's (gather.py, publish.py, tallies.publication): only
the figures come from elsewhere, the coalition's pool (tallies.services.coalitions) instead of
one organisation's tallies. Stations are the pool's counted stations (conflicts left out); each
is compared with its official protocol when the snapshot has one; commissions sum their pooled
stations. Attribution: each station names the member(s) whose accepted figures it holds, and the
header counts stations per member. No observer is named: a pooled station has no observer code.
Seats, forensics and the regional comparison are the organisation release's documents
(gather.seats_document, forensics.summary_of, regional rows) computed on the pool by the same
services (tallies.services.analysis.pooled). With `show_photos` (every member shares photos),
each station carries the photo of the first member by name with a photo of its counted copy.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from elections.models import Commission, PollingStation
from elections.protocol import Figures
from observers.models import Evidence
from observers.services import audit
from tallies import demo
from tallies.models import ProtocolCopy
from tallies.publication import CommissionEntry, ReceiptEntry, ReleaseData, StationEntry
from tallies.selectors.accepted import countable_copies
from tallies.selectors.copy_coverage import coverage_of_figures
from tallies.selectors.layout import Layout
from tallies.selectors.pool import Pool
from tallies.selectors.receipts import receipts_for
from tallies.selectors.regional import pooled_regional_rows
from tallies.selectors.snapshots import latest_snapshot
from tallies.services.analysis import forensics as forensics_service
from tallies.services.analysis import seats as seats_service
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.pooled import pooled_forensics, pooled_seats
from tallies.services.releases.figures import (
    copy_photos,
    official_figures,
    photo_fields,
    pooled_document,
    source_document,
    station_place,
)
from tallies.services.releases.gather import (
    Publication,
    chain,
    coverage,
    layout_document,
    regional_official,
    seats_document,
)
from tallies.services.releases.summary import header_document, snapshot_document

PEC = Commission.Level.PEC


def gather_pooled(publication: Publication, pooled: Pool) -> ReleaseData:
    """Copy the coalition's pooled count into a ReleaseData published by `publication.organization`.

    `publication.number` is the coalition's release number for the contest (its own series).
    """
    contest, organization = publication.contest, publication.organization
    layout, snapshot = Layout.of(contest), latest_snapshot(contest)
    counted = pooled.counted()
    stations = {s.pk: s for s in PollingStation.objects.filter(pk__in=counted).select_related("pec")}
    official = official_figures(snapshot, [s.pec_id for s in stations.values()])
    names = _names(contest.election_id, stations.values())
    copies = _copies(pooled, stations)
    photos = _photos(copies) if publication.show_photos else {}
    entries = [
        _station(
            stations[pk],
            counted[pk],
            official.get(stations[pk].pec_id),
            layout,
            names,
            pooled,
            photos.get(pk),
        )
        for pk in sorted(counted, key=lambda pk: stations[pk].pec.path)
    ]
    covered = coverage_of_figures(contest, snapshot, counted, layout.turnout_base_code())
    commissions = _commissions(contest.election_id, layout, stations, counted, official, snapshot, covered)
    sequence, head = audit.chain_head(organization)
    credits = [demo.CREDIT] if contest.election.slug == "ru-duma-2011" else []
    header = header_document(publication, None, (sequence, head), credits, publication.license)
    header["official_snapshot"] = snapshot_document(snapshot)
    header["coalition"] = coalition_document(pooled, publication.number)
    return ReleaseData(
        header=header,
        layout=layout_document(layout),
        coverage=coverage(contest, entries, commissions, regional_official(layout, snapshot, commissions)),
        seats=_seats(pooled, publication.created_at),
        violations=[],
        forensics=_forensics(pooled, publication.created_at),
        regions=pooled_regional_rows(counted, contest, snapshot),
        commissions=commissions,
        stations=entries,
        receipts=_receipts(copies, stations),
        chain=chain(organization, sequence),
    )


def coalition_document(pooled: Pool, number: int) -> dict[str, Any]:
    """The coalition, its release number, and per member the stations its figures are in.

    `stations` counts the counted stations a member supplied; `shared` those of them that
    another member supplied too (the same figures, counted once).
    """
    counted = pooled.counted()
    supplied: dict[int, int] = defaultdict(int)
    shared: dict[int, int] = defaultdict(int)
    for station in pooled.stations.values():
        if station.station_id not in counted:
            continue
        for member in station.members:
            supplied[member] += 1
            shared[member] += len(station.members) > 1
    return {
        "id": pooled.coalition.pk,
        "name": pooled.coalition.name,
        "number": number,
        "members": [
            {"slug": o.slug, "name": o.name, "stations": supplied[o.pk], "shared": shared[o.pk]}
            for o in pooled.members
        ],
    }


def _station(  # type: ignore[no-untyped-def]
    station: PollingStation,
    ours: Figures,
    official,
    layout: Layout,
    names: dict[str, str],
    pooled: Pool,
    photo: Evidence | None,
) -> StationEntry:
    differences: dict[str, Any] = {}
    if official:
        lines, options = _restricted(ours, official[0]).differing(official[0])
        differences = {"lines": lines, "options": options}
    members = {o.pk: o.name for o in pooled.members}
    figures = {
        "observer": source_document(layout, ours, 1),
        "official": source_document(layout, official[0], 1) if official else None,
        "differences": differences,
        "supplied_by": sorted(members[m] for m in pooled.stations[station.pk].members),
    }
    return StationEntry(
        **station_place(station, names),
        observer_code="",
        copy_submitted_at=None,
        is_discrepant=bool(differences["lines"] or differences["options"]) if official else None,
        figures=figures,
        **photo_fields(photo),
    )


def _restricted(ours: Figures, theirs: Figures) -> Figures:
    """Only the figures the other side has too (as tallies.services.reconciliation compares)."""
    return Figures(
        {code: value for code, value in ours.lines.items() if code in theirs.lines},
        {code: value for code, value in ours.options.items() if code in theirs.options},
    )


def _commissions(  # type: ignore[no-untyped-def]
    election_id: int, layout: Layout, stations, counted, official, snapshot, covered
) -> list[CommissionEntry]:
    """Every commission above the pooled stations, and the root: pooled sums, official totals."""
    pooled: dict[str, list[int]] = defaultdict(list)
    for pk, station in stations.items():
        for path in station.pec.ancestor_paths():
            pooled[path].append(pk)
    rows = Commission.objects.filter(election_id=election_id).exclude(level=PEC)
    rows = rows.filter(path__in=list(pooled)) | rows.filter(parent__isnull=True)
    commissions = list(rows.order_by("path"))
    totals = official_figures(snapshot, [c.pk for c in commissions])
    pairs = {  # station id → (pooled and official figures, each only where the other gives it too)
        pk: (_restricted(counted[pk], official[s.pec_id][0]), _restricted(official[s.pec_id][0], counted[pk]))
        for pk, s in stations.items()
        if s.pec_id in official
    }
    discrepant = {pk for pk, (ours, theirs) in pairs.items() if any(ours.differing(theirs))}
    found = []
    for c in commissions:
        ids = pooled.get(c.path, [])
        compared = [pk for pk in ids if pk in pairs]
        figures = {
            "observer": pooled_document(layout, [counted[pk] for pk in ids]),
            "official": source_document(layout, *totals[c.pk]) if c.pk in totals else None,
            "compared_observer": _compared(layout, [pairs[pk][0] for pk in compared]),
            "compared_official": _compared(layout, [pairs[pk][1] for pk in compared]),
        }
        if c.pk in covered:
            figures["coverage"] = covered[c.pk]
        wrong = sum(1 for pk in compared if pk in discrepant)
        found.append(
            CommissionEntry(c.pk, c.parent_id, c.level, c.code, c.name, c.path, len(compared), wrong, figures)
        )
    return found


def _compared(layout: Layout, figures: list[Figures]) -> dict[str, Any] | None:
    """One side over the compared stations, as the reconciliation sums them: both sides give the
    same figures at each station, so each percentage is over the same stations on both sides."""
    return pooled_document(layout, figures)


def _names(election_id: int, stations) -> dict[str, str]:  # type: ignore[no-untyped-def]
    paths = {path for station in stations for path in station.pec.ancestor_paths()}
    rows = Commission.objects.filter(election_id=election_id, path__in=paths).values_list("path", "name")
    return dict(rows)


def _seats(pooled: Pool, computed_at: datetime) -> dict[str, Any] | None:
    """The seats document of the pool (None without a seat rule), as one organisation's release."""
    try:
        rule = seats_service.rule_inputs(seats_service.rule_of(pooled.contest))
        return seats_document(computed_at, rule, pooled_seats(pooled))
    except AnalysisError:
        return None


def _forensics(pooled: Pool, computed_at: datetime) -> dict[str, Any] | None:
    """The forensics summary of the pool's counted stations (None below the tests' minimum)."""
    try:
        result = pooled_forensics(pooled)
    except AnalysisError:
        return None
    return forensics_service.summary_of(result, forensics_service.OBSERVERS, pooled.contest, computed_at)


def _copies(pooled: Pool, stations: dict[int, PollingStation]) -> list[ProtocolCopy]:
    """Every member's accepted copy behind a counted station, members by name."""
    found = []
    for member in pooled.members:
        ids = [pk for pk in stations if member.pk in pooled.stations[pk].members]
        found += list(countable_copies(member.pk, pooled.contest.pk, ids)) if ids else []
    return found


def _photos(copies: list[ProtocolCopy]) -> dict[int, Evidence]:
    """Station id → the photo of the first copy (members by name) that has a sanitised one."""
    by_copy = copy_photos([copy.pk for copy in copies])
    found: dict[int, Evidence] = {}
    for copy in copies:
        if copy.pk in by_copy:
            found.setdefault(copy.station_id, by_copy[copy.pk])
    return found


def _receipts(copies: list[ProtocolCopy], stations: dict[int, PollingStation]) -> list[ReceiptEntry]:
    """The receipt of every member's accepted copy behind a counted station (any observer can
    find theirs in the coalition's release)."""
    receipts = receipts_for(copies)
    found = [
        ReceiptEntry(
            receipts[copy.pk],
            copy.station_id,
            stations[copy.station_id].number,
            stations[copy.station_id].pec.path,
        )
        for copy in copies
    ]
    return sorted(found, key=lambda entry: entry.receipt)
