"""A release's commission and station figures, copied out of the tallies and the comparison run.

Observer figures are what the tallies count: each commission's ObserverTally and each counted
station's accepted figures (StationTallyState). Official figures come from the snapshot the
comparison run used. Percentages are computed once here (elections.numbers.percent) and stored
as text, so the published pages and files never recompute them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from elections.models import Commission, Contest, PollingStation
from elections.protocol import Figures
from observers.models import Evidence, Organization
from tallies.models import (
    CommissionReconciliation,
    CopyPhoto,
    ObserverTally,
    OfficialProtocol,
    OfficialSnapshot,
    ReconciliationRun,
    StationTallyState,
)
from tallies.publication import CommissionEntry, StationEntry, sha256
from tallies.selectors import station_sets
from tallies.selectors.complete_stations import (
    Basis,
    Subset,
    from_json,
    percentages,
    subsets_of_stations,
    subsets_of_tallies,
)
from tallies.selectors.layout import Layout
from tallies.services.releases.summary import utc

PEC = Commission.Level.PEC


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def source_document(
    layout: Layout,
    figures: Figures | None,
    stations: int,
    missing: Mapping[str, int] | None = None,
    subsets: Mapping[str, Subset] | None = None,
) -> dict[str, Any] | None:
    """One source's figures with turnout and shares as text; None when there are no figures.

    `missing` (ObserverTally.missing) and `subsets` (tallies.selectors.complete_stations): a
    percentage whose figures some counted station lacks is over the stations giving them all;
    ``turnout_stations``/``shares_stations`` say how many, ``*_lacking`` the figures the others
    lack (null for a source that does not say which stations lack what: official, one station).
    """
    if figures is None:
        return None
    found = percentages(layout, figures, stations, missing, subsets)
    return {
        "stations": stations,
        "lines": dict(sorted(figures.lines.items())),
        "options": dict(sorted(figures.options.items())),
        "turnout": _text(found.turnout),
        "shares": {code: _text(share) for code, share in found.shares.items()},
        **_basis("turnout", found.turnout_basis),
        **_basis("shares", found.shares_basis),
    }


def _basis(name: str, basis: Basis | None) -> dict[str, Any]:
    return {
        f"{name}_stations": basis.stations if basis else None,
        f"{name}_lacking": list(basis.lacking) if basis else None,
    }


def pooled_document(layout: Layout, stations: list[Figures]) -> dict[str, Any] | None:
    """The observer source of several stations' figures (a coalition's pool), percentages over
    the stations giving their figures; None without stations."""
    if not stations:
        return None
    total, missing, subsets = subsets_of_stations(layout, stations)
    return source_document(layout, total, len(stations), missing, subsets)


def official_figures(
    snapshot: OfficialSnapshot | None, commission_ids: Iterable[int]
) -> dict[int, tuple[Figures, int, dict[str, int] | None, dict[str, Subset]]]:
    """Commission id → (official figures, stations, missing, subsets) from the snapshot, for the
    given commissions (missing and subsets: a derived total's OfficialProtocol.percent_bases)."""
    if snapshot is None:
        return {}
    protocols = OfficialProtocol.objects.filter(snapshot=snapshot, commission_id__in=list(commission_ids))
    layout = snapshot.figure_layout
    rows = protocols.values_list("commission_id", "stations_count", "bases", "figure_values")
    return {
        cid: (layout.figures(values), stations, *from_json(bases))
        for cid, stations, bases, values in rows.iterator(chunk_size=20_000)
    }


def commission_entries(
    organization: Organization,
    contest: Contest,
    layout: Layout,
    run: ReconciliationRun | None,
    coverage: dict[int, dict[str, Any]] | None = None,
) -> list[CommissionEntry]:
    """Every commission above the stations with observer figures, and the root, in path order.

    `coverage` (commission id → document, tallies.selectors.copy_coverage) is stored in each
    commission's figures under "coverage".
    """
    tallies = {
        t.commission_id: t
        for t in ObserverTally.objects.filter(organization=organization, contest=contest).exclude(
            commission__level=PEC
        )
    }
    subsets = subsets_of_tallies(layout, tallies.values())
    rollups = {r.commission_id: r for r in run.commissions.all()} if run else {}
    root = Commission.objects.filter(election_id=contest.election_id, parent__isnull=True)
    ids = tallies.keys() | rollups.keys() | set(root.values_list("pk", flat=True))
    official = official_figures(run.snapshot if run else None, ids)
    commissions = Commission.objects.filter(pk__in=ids).exclude(level=PEC).order_by("path")
    counts = station_sets.compared_by_path(run)
    found = [
        _commission(
            c,
            layout,
            tallies.get(c.pk),
            subsets.get(c.pk),
            rollups.get(c.pk),
            official.get(c.pk),
            counts.get(c.path, station_sets.StationCounts()),
        )
        for c in commissions
    ]
    for entry in found:
        if coverage and entry.commission_id in coverage:
            entry.figures["coverage"] = coverage[entry.commission_id]
    return found


def _commission(commission, layout, tally, subsets, rollup, official, counts) -> CommissionEntry:  # type: ignore[no-untyped-def]
    """A commission's entry; compared and discrepant are station_sets' counts, and the run's totals
    over the compared stations are kept only while they cover exactly those stations."""
    compared = counts.compared
    if rollup is not None and rollup.stations_compared != compared:
        rollup = None
    figures = {
        "observer": (
            source_document(layout, tally.figures(), tally.stations_count, tally.missing, subsets)
            if tally
            else None
        ),
        "official": source_document(layout, *official) if official else None,
        "compared_observer": _compared(layout, rollup, "observer", compared),
        "compared_official": _compared(layout, rollup, "official", compared),
    }
    c = commission
    discrepant = counts.discrepant
    return CommissionEntry(c.pk, c.parent_id, c.level, c.code, c.name, c.path, compared, discrepant, figures)


def _compared(
    layout: Layout, rollup: CommissionReconciliation | None, side: str, compared: int
) -> dict[str, Any] | None:
    """One side's totals over the compared stations; its percentages over the stations giving
    every figure they need on both sides (CommissionReconciliation.percent_bases)."""
    if rollup is None:
        return None
    figures = rollup.observer_figures() if side == "observer" else rollup.official_figures()
    return source_document(layout, figures, compared, *rollup.percent_bases(side))


def counted_states(organization: Organization, contest: Contest) -> list[StationTallyState]:
    """The organisation's counted stations for the contest, with station, PEC and newest copy."""
    states = station_sets.with_copies(organization.pk, contest.pk)
    related = states.select_related("station__pec", "current_copy__observer")
    return list(related.order_by("station__pec__path"))


def station_entries(
    states: list[StationTallyState], layout: Layout, run: ReconciliationRun | None, show_photos: bool
) -> list[StationEntry]:
    """One entry per counted station: accepted figures, official protocol, differences, photo."""
    comparisons = {c.station_id: c for c in station_sets.compared(run)}
    snapshot = run.snapshot if run else None
    official = official_figures(snapshot, [state.station.pec_id for state in states])
    names = _names(states)
    photos = (
        copy_photos([state.current_copy_id for state in states if state.current_copy_id])
        if show_photos
        else {}
    )
    found = []
    for state in states:
        comparison, protocol = comparisons.get(state.station_id), official.get(state.station.pec_id)
        found.append(_station(state, layout, comparison, protocol, names, photos))
    return found


def _station(state, layout, comparison, official, names, photos) -> StationEntry:  # type: ignore[no-untyped-def]
    station, copy = state.station, state.current_copy
    photo = photos.get(copy.pk)
    figures = {
        "observer": source_document(layout, state.applied_figures(), 1),
        "official": source_document(layout, official[0], 1) if official else None,
        "differences": comparison.differences if comparison else {},
    }
    return StationEntry(
        **station_place(station, names),
        observer_code=copy.observer.code,
        copy_submitted_at=utc(copy.submitted_at),
        is_discrepant=comparison.is_discrepant if comparison else None,
        figures=figures,
        **photo_fields(photo),
    )


def station_place(station: PollingStation, names: dict[str, str]) -> dict[str, Any]:
    """A release's StationEntry fields that place `station`: its id, parent commission, number,
    path, the names of its parent and its region (`names`: commission path → name, "" when
    absent) and its registered voters. An organisation's release and a coalition's use it alike."""
    ancestors = station.pec.ancestor_paths()
    return {
        "station_id": station.pk,
        "parent_id": station.pec.parent_id,
        "number": station.number,
        "path": station.pec.path,
        "parent_name": names.get(ancestors[-1], "") if ancestors else "",
        "region_name": names.get(ancestors[1], "") if len(ancestors) > 2 else "",
        "registered_voters": station.registered_voters,
    }


def photo_fields(photo: Evidence | None) -> dict[str, Any]:
    """A release's StationEntry fields of the station's protocol photo: its Evidence id and the
    SHA-256 of its file (None and "" without a photo)."""
    if photo is None:
        return {"photo_evidence_id": None, "photo_sha256": ""}
    return {"photo_evidence_id": photo.pk, "photo_sha256": file_sha256(photo)}


def _names(states: list[StationTallyState]) -> dict[str, str]:
    """Path → name of every commission above the given stations (one query)."""
    paths = {path for state in states for path in state.station.pec.ancestor_paths()}
    if not states:
        return {}
    election_id = states[0].station.pec.election_id
    rows = Commission.objects.filter(election_id=election_id, path__in=paths).values_list("path", "name")
    return dict(rows)


def copy_photos(copy_ids: list[int]) -> dict[int, Evidence]:
    """Copy id → the newest ready (sanitised) photo attached to it."""
    photos = CopyPhoto.objects.filter(copy_id__in=copy_ids, evidence__status=Evidence.Status.READY)
    ordered = photos.select_related("evidence").order_by("attached_at", "id")
    return {photo.copy_id: photo.evidence for photo in ordered}


def file_sha256(evidence: Evidence) -> str:
    with evidence.file.open("rb") as handle:
        return sha256(handle.read())
