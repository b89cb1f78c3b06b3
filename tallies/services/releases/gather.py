"""Gather everything a release shows into a ReleaseData: header, layout, figures, coverage, etc.

Only organisation-level attribution and pseudonymous observer codes are gathered: no names,
phones, usernames or e-mails, and no violation act's text, only counts by stage and category.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q

from elections.models import Contest, PollingStation
from observers.models import AuditEntry, Coalition, Organization, ViolationAct
from observers.models.visits import Stage
from observers.selectors.violations import taxonomy
from observers.services import audit
from tallies import demo
from tallies.models import (
    AnalysisRun,
    OfficialSnapshot,
    Release,
    StationTallyState,
)
from tallies.publication import CommissionEntry, ReceiptEntry, ReleaseData, StationEntry
from tallies.selectors.accepted import countable_copies
from tallies.selectors.commission import latest_run
from tallies.selectors.complete_stations import from_json
from tallies.selectors.copy_coverage import coverage_by_commission, official_in_regions_with_copies
from tallies.selectors.layout import Layout
from tallies.selectors.receipts import receipts_for
from tallies.selectors.regional import regional_rows
from tallies.services.analysis import forensics as forensics_service
from tallies.services.releases.figures import (
    commission_entries,
    counted_states,
    source_document,
    station_entries,
)
from tallies.services.releases.summary import header_document

LICENSE = "CC-BY-4.0"  # proposed on the publishing page; the admin chooses explicitly
LICENSES = {  # SPDX identifier → name, the licences an organisation may publish under
    "CC-BY-4.0": "Creative Commons Attribution 4.0 (CC BY 4.0)",
    "CC-BY-SA-4.0": "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)",
    "CC0-1.0": "Creative Commons Zero 1.0 (CC0, public domain dedication)",
}


@dataclass(frozen=True)
class Publication:
    """What the publisher chose: the release's number, dates, changelog, photo consent and licence."""

    organization: Organization
    contest: Contest
    number: int
    created_at: datetime
    publish_at: datetime
    changelog: str
    show_photos: bool
    previous: Release | None
    license: str = LICENSE  # an SPDX identifier of LICENSES
    coalition: Coalition | None = None  # a coalition's release: numbered in the coalition's series


def gather(publication: Publication) -> ReleaseData:
    """Copy the organisation's current findings for the contest into a ReleaseData."""
    organization, contest = publication.organization, publication.contest
    layout, run = Layout.of(contest), latest_run(organization, contest)
    states = counted_states(organization, contest)
    stations = station_entries(states, layout, run, publication.show_photos)
    snapshot = run.snapshot if run else None
    covered = coverage_by_commission(contest, snapshot, states, layout.turnout_base_code())
    commissions = commission_entries(organization, contest, layout, run, covered)
    sequence, head = audit.chain_head(organization)
    credits = [demo.CREDIT] if contest.election.slug == "ru-duma-2011" else []
    header = header_document(publication, run, (sequence, head), credits, publication.license)
    return ReleaseData(
        header=header,
        layout=layout_document(layout),
        coverage=coverage(contest, stations, commissions, regional_official(layout, snapshot, commissions)),
        seats=seats(organization, contest),
        violations=violations(organization, contest),
        forensics=forensics(organization, contest),
        regions=regional_rows(organization.pk, contest, snapshot),
        commissions=commissions,
        stations=stations,
        receipts=receipts(states),
        chain=chain(organization, sequence),
    )


def layout_document(layout: Layout) -> dict[str, Any]:
    """The protocol's lines (code, number, labels by language, turnout roles) and options."""
    lines = [
        {
            "code": line.code,
            "number": line.number,
            "labels": line.labels,
            "is_turnout_base": line.is_turnout_base,
            "is_turnout_numerator": line.is_turnout_numerator,
            "role": line.role,
        }
        for line in layout.lines
    ]
    options = [
        {"code": o.code, "name": o.name, "short_name": o.short_name, "is_against_all": o.is_against_all}
        for o in layout.options
    ]
    return {"lines": lines, "options": options}


def coverage(
    contest: Contest,
    stations: list[StationEntry],
    commissions: list[CommissionEntry],
    in_regions_with_copies: dict[str, Any] | None,
) -> dict[str, Any]:
    """How much of the election the copies cover, nationally (tallies.selectors.copy_coverage).

    Stations, registered voters, TECs and regions with copies out of their totals (a total is
    None when it is not known, never the stations with copies themselves), the stations
    compared one by one, and `official_in_regions_with_copies`: the official figures summed over
    the regions that have copies, to set beside the national official figure.
    """
    root = next((c for c in commissions if c.parent_id is None), None)
    national = dict(root.figures.get("coverage", {})) if root else {}
    if not national:
        count = PollingStation.objects.filter(pec__election_id=contest.election_id).count()
        national = {"stations_with_copies": len(stations), "stations_total": count or None}
    compared = [s for s in stations if s.is_discrepant is not None]
    return {
        **national,
        "stations_compared": len(compared),
        "stations_discrepant": sum(1 for s in compared if s.is_discrepant),
        "official_in_regions_with_copies": in_regions_with_copies,
    }


def regional_official(
    layout: Layout, snapshot: OfficialSnapshot | None, commissions: list[CommissionEntry]
) -> dict[str, Any] | None:
    """The official figures summed over the regions with copies (None without official regions)."""
    root = next((c for c in commissions if c.parent_id is None), None)
    ids = [
        c.commission_id
        for c in commissions
        if root and c.parent_id == root.commission_id and c.figures["observer"]
    ]
    found = official_in_regions_with_copies(snapshot, ids)
    if found is None:
        return None
    figures, stations, regions, bases = found
    return {**(source_document(layout, figures, stations, *from_json(bases)) or {}), "regions": regions}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def seats(organization: Organization, contest: Contest) -> dict[str, Any] | None:
    """The latest seat allocation by both sources (AnalysisRun kind "seats"), or None."""
    runs = AnalysisRun.objects.done().filter(
        organization=organization, contest=contest, kind=AnalysisRun.Kind.SEATS
    )
    run = runs.order_by("-finished_at", "-id").first()
    if run is None:
        return None
    return seats_document(run.finished_at or run.started_at, run.inputs.get("rule"), run.result)


def seats_document(
    computed_at: datetime, rule: dict[str, Any] | None, result: dict[str, Any]
) -> dict[str, Any]:
    """Seats as a release stores them: when, the rule (seats.rule_inputs), each source's allocation
    (seats.allocate_both's result: one organisation's run, or a coalition's pool)."""
    return {
        "computed_at": computed_at.astimezone(UTC).isoformat(),
        "rule": rule,
        "official": _seat_source(result.get("official")),
        "observer": _seat_source(result.get("observer")),
    }


def _seat_source(source: dict[str, Any] | None) -> dict[str, Any] | None:
    if not source:
        return None
    keys = ("seats", "votes", "stations", "error", "passed")
    return {key: source.get(key) for key in keys}


def forensics(organization: Organization, contest: Contest) -> dict[str, Any] | None:
    """The latest forensics run by the published method (official figures first), as leads, or None."""
    runs = AnalysisRun.objects.done().filter(
        organization=organization,
        contest=contest,
        kind=AnalysisRun.Kind.FORENSICS,
        inputs__method=forensics_service.METHOD,
    )
    for source in (forensics_service.OFFICIAL, forensics_service.OBSERVERS):
        run = runs.filter(inputs__source=source).order_by("-finished_at", "-id").first()
        if run is not None:
            return forensics_service.release_summary(run)
    return None


def violations(organization: Organization, contest: Contest) -> list[dict[str, Any]]:
    """Counts of violation acts not rejected on review, and of verified ones, by stage and category."""
    rows = (
        ViolationAct.objects.filter(organization=organization, election_id=contest.election_id)
        .exclude(review=ViolationAct.Review.REJECTED)
        .values("stage", "violation_type__category")
        .annotate(acts=Count("pk"), verified=Count("pk", filter=Q(review=ViolationAct.Review.VERIFIED)))
    )
    labels = {row["code"]: row["labels"] for row in taxonomy()["categories"]}
    stages = list(Stage.values)
    found = [
        {
            "stage": row["stage"],
            "category": row["violation_type__category"],
            "category_labels": labels.get(row["violation_type__category"], {}),
            "acts": row["acts"],
            "verified": row["verified"],
        }
        for row in rows
    ]
    return sorted(found, key=lambda row: (stages.index(row["stage"]), row["category"]))


def receipts(states: list[StationTallyState]) -> list[ReceiptEntry]:
    """The receipt of every accepted copy: the current, unquarantined copies of counted stations."""
    if not states:
        return []
    stations = {state.station_id: state.station for state in states}
    copies = list(countable_copies(states[0].organization_id, states[0].contest_id, stations))
    found = receipts_for(copies)
    return sorted(
        (
            ReceiptEntry(
                found[copy.pk],
                copy.station_id,
                stations[copy.station_id].number,
                stations[copy.station_id].pec.path,
            )
            for copy in copies
        ),
        key=lambda entry: entry.receipt,
    )


def chain(organization: Organization, sequence: int) -> list[tuple[int, str, str]]:
    """(sequence, prev_hash, entry_hash) of the organisation's audit entries up to `sequence`."""
    entries = AuditEntry.objects.filter(organization=organization, sequence__lte=sequence)
    return list(entries.order_by("sequence").values_list("sequence", "prev_hash", "entry_hash"))
