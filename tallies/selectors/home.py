"""What each role's home page lists: an observer's stations and copies, a coordinator's contests.

Reads only; the pages are tallies/views/home.py. An observer's stations are those of their
live mandates (Mandate.objects.live_of, the rule that lets them check in and
send copies); their copies carry the receipt hash the public receipt check asks for.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from elections.models import Contest, PollingStation
from elections.sorting import natural_key
from observers.models import Mandate, Observer, Organization, Visit
from tallies.models import ProtocolCopy
from tallies.selectors.commission import contests_with_data
from tallies.selectors.receipts import receipts_for

RECENT_COPIES = 10


@dataclass(frozen=True)
class StationWork:
    """A station of a live mandate: the mandate (to record "not admitted"), the open visit, the contests."""

    station: PollingStation
    mandate: Mandate
    open_visit: Visit | None
    contests: list[Contest]


@dataclass(frozen=True)
class CopyReceipt:
    """One of the observer's copies with its receipt hash (64 hex characters)."""

    copy: ProtocolCopy
    receipt: str


def observer_stations(observer: Observer) -> list[StationWork]:
    """The stations of the observer's live mandates, each under its newest mandate, by number."""
    mandates = Mandate.objects.live_of(observer).prefetch_related(
        "stations__pec__parent", "stations__pec__election"
    )
    newest: dict[int, tuple[Mandate, PollingStation]] = {}
    for mandate in mandates.order_by("-pk"):
        for station in mandate.stations.all():
            newest.setdefault(station.pk, (mandate, station))
    open_at = {
        visit.station_id: visit
        for visit in Visit.objects.filter(observer=observer, checked_out_at=None, station_id__in=newest)
    }
    elections = {station.pec.election_id for _, station in newest.values()}
    contests: dict[int, list[Contest]] = {}
    for contest in Contest.objects.filter(election_id__in=elections).order_by("pk"):
        contests.setdefault(contest.election_id, []).append(contest)
    rows = [
        StationWork(station, mandate, open_at.get(station.pk), contests.get(station.pec.election_id, []))
        for mandate, station in newest.values()
    ]
    return sorted(rows, key=lambda row: (row.station.pec.election_id, natural_key(row.station.number)))


def observer_copies(observer: Observer, limit: int | None = RECENT_COPIES) -> list[CopyReceipt]:
    """The observer's own copies, newest first (at most `limit`), each with its receipt.

    The desk's entries typed from a copy's photos are left out: they are the coordinators'
    typing, not a copy of the observer's; the revision their agreed figures become is listed.
    """
    copies = (
        ProtocolCopy.objects.sent_by(observer)
        .select_related("station__pec__parent", "contest__election")
        .annotate(findings_count=Count("findings"))
        .order_by("-submitted_at", "-pk")
    )
    chosen = list(copies if limit is None else copies[:limit])
    receipts = receipts_for(chosen)
    return [CopyReceipt(copy, receipts[copy.pk]) for copy in chosen]


def coordinator_contests(organization: Organization) -> list[Contest]:
    """The contests an organisation has copies or comparisons for, newest election first."""
    return list(contests_with_data(organization))
