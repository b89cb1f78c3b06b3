"""Record coverage samples: an organisation's stations by status at one moment of election night.

A sample holds, for every contest of the election, the counts overall ("all") and for each region
and TEC ("commission:<id>"), so a territory coordinator's progress chart reads its own area:
{"contest:<id>": {"all" | "commission:<id>": {status: stations}}}. Celery beat records one every
five minutes for the elections being held (tallies.tasks.record_election_night_coverage); a
coordinator can ask for one.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from elections.models import Contest, Election
from observers.models import Mandate, Organization
from tallies.models import CoverageSample
from tallies.selectors.coverage import CoverageScope, coverage_report
from tallies.selectors.dashboard import contest_key

ELECTION_NIGHT = timedelta(days=1)  # election day ± this, so every time zone's night is covered


def record_coverage(*, organization_id: int, election_id: int) -> CoverageSample:
    """Store the organisation's coverage counts now, per contest of the election (2 queries each)."""
    organization = Organization.objects.get(pk=organization_id)
    contests = Contest.objects.filter(election_id=election_id).select_related("election")
    counts = {
        contest_key(c.pk): coverage_report(CoverageScope(organization, c)).as_sample() for c in contests
    }
    return CoverageSample.objects.create(organization=organization, election_id=election_id, counts=counts)


def elections_being_held(today: date | None = None) -> list[tuple[int, int]]:
    """(organisation id, election id) for approved organisations with mandates in an election held
    yesterday, today or tomorrow (UTC dates)."""
    today = today or timezone.now().date()
    elections = Election.objects.filter(held_on__range=(today - ELECTION_NIGHT, today + ELECTION_NIGHT))
    pairs = Mandate.objects.filter(
        election__in=elections, organization__status=Organization.Status.APPROVED
    ).values_list("organization_id", "election_id")
    return sorted(set(pairs))


def record_election_night_coverage(today: date | None = None) -> int:
    """Record a sample for every organisation deployed in an election being held; return how many."""
    pairs = elections_being_held(today)
    for organization_id, election_id in pairs:
        record_coverage(organization_id=organization_id, election_id=election_id)
    return len(pairs)
