"""Election.register_version (elections migration 0009): moved by PostgreSQL on every statement
that changes an election's commissions or stations, never by another election's, never back."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from elections.models import Commission, Election, PollingStation
from tallies.models import CommissionFiguresState
from tallies.selectors.commission import commission_results
from tallies.services import stored_figures

pytestmark = pytest.mark.django_db


def version(election: Election) -> int:
    return Election.objects.values_list("register_version", flat=True).get(pk=election.pk)


def test_every_change_of_a_station_or_commission_moves_its_election_only(contest, station):
    election = contest.election
    other = Election.objects.create(
        slug="other", name="Other", country="KZ", held_on=election.held_on, time_zone="Asia/Almaty"
    )
    seen = [version(election)]
    PollingStation.objects.filter(pk=station.pk).update(registered_voters=1234)
    seen.append(version(election))
    pec = Commission.objects.create(
        election=election, parent=station.pec.parent, level=Commission.Level.PEC, name="9999", path=""
    )
    seen.append(version(election))
    PollingStation.objects.create(pec=pec, number="9999")
    seen.append(version(election))
    PollingStation.objects.filter(pec=pec).delete()
    seen.append(version(election))
    PollingStation.objects.filter(pk=-1).update(registered_voters=1)  # no row: the statement still ran
    unchanged_statement = version(election)

    assert seen == sorted(set(seen)) and len(seen) == 5  # each moved it
    assert unchanged_statement == seen[-1]  # a statement over no row of it does not
    assert version(other) == 0


def test_a_save_of_an_election_read_earlier_does_not_move_it_back(contest, station):
    election = Election.objects.get(pk=contest.election_id)
    PollingStation.objects.filter(pk=station.pk).update(registered_voters=4321)
    moved = version(election)

    election.name = "Renamed"
    election.save()

    assert version(election) == moved > election.register_version


def test_the_stored_figures_are_stale_once_the_register_changed(
    reconciled, carol, organization, contest, station
):
    stored_figures.refresh(organization_id=organization.pk, contest_id=contest.pk)
    root = Commission.objects.get(election=contest.election, parent=None)
    current = commission_results(organization=organization, contest=contest, commission=root)
    CommissionFiguresState.objects.update(requested_at=timezone.now())  # a refresh in flight: none sent

    PollingStation.objects.filter(pk=station.pk).update(
        registered_voters=(station.registered_voters or 0) + 500
    )
    page = carol.get(reverse("results-root", args=[contest.pk]))

    assert current.figures_status == "current"
    assert page.context["results"].figures_status == "updating"
