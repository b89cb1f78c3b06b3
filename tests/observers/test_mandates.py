"""Mandates: issuing, the status history and its allowed transitions, coordinators' and observers' pages."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import translation

from elections.models import PollingStation
from observers.models import Mandate, MandateEvent, Membership
from observers.services import mandates
from observers.services.mandates import MandateError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English (pages default to Russian)."""
    with translation.override("en"):
        yield


def station(number: str) -> PollingStation:
    return PollingStation.objects.select_related("pec").get(number=number)


@pytest.fixture
def mandate(nick, organization, contest, coordinator) -> Mandate:
    """Nick's mandate for station 91 alone."""
    return mandates.issue_mandate(
        organization=organization,
        observer=nick,
        election=contest.election,
        stations=[station("91")],
        issued_by=coordinator,
    )


def record(mandate, status, **details):
    return mandates.record_event(mandate=mandate, status=status, recorded_by=None, **details)


def test_it_issues_a_mandate_with_an_issued_event(mandate, coordinator):
    [event] = mandate.events.all()

    assert (mandate.status, mandate.is_mobile_team) == ("issued", False)
    assert (event.status, event.recorded_by) == ("issued", coordinator)


def test_it_makes_several_stations_a_mobile_team(nick, organization, contest):
    team = mandates.issue_mandate(
        organization=organization,
        observer=nick,
        election=contest.election,
        stations=[station("91"), station("92")],
        issued_by=None,
    )

    assert team.is_mobile_team
    assert team.stations.count() == 2


def test_it_refuses_an_observer_of_another_organisation(other_observer, organization, contest):
    with pytest.raises(MandateError) as refusal:
        mandates.issue_mandate(
            organization=organization,
            observer=other_observer,
            election=contest.election,
            stations=[station("91")],
            issued_by=None,
        )

    assert refusal.value.field == "observer"


def test_it_refuses_a_mandate_without_stations(nick, organization, contest):
    with pytest.raises(MandateError) as refusal:
        mandates.issue_mandate(
            organization=organization, observer=nick, election=contest.election, stations=[], issued_by=None
        )

    assert refusal.value.field == "stations"


def test_it_follows_the_history_and_keeps_the_latest_status(mandate, contest):
    record(mandate, "handed_over")
    record(mandate, "admitted")
    record(mandate, "copy_refused", contest=contest, reason="The chair said there were no forms")
    record(mandate, "removed", reason="violation of the silence regime", by_whom="police")

    mandate.refresh_from_db()
    assert mandate.status == "removed"
    assert list(mandate.events.values_list("status", flat=True)) == [
        "issued",
        "handed_over",
        "admitted",
        "copy_refused",
        "removed",
    ]
    assert mandate.events.last().by_whom == "police"
    assert mandate.events.get(status="admitted").station == station("91")


def test_it_refuses_a_jump_and_names_both_statuses(mandate):
    with pytest.raises(MandateError) as refusal:
        record(mandate, "admitted")

    assert refusal.value.field == "status"
    assert refusal.value.message == "A mandate in status “Issued” cannot become “Admitted to the station”."
    assert mandate.events.count() == 1


def test_it_ends_a_withdrawn_mandate(mandate):
    record(mandate, "withdrawn")

    assert not Mandate.objects.live().filter(pk=mandate.pk).exists()
    with pytest.raises(MandateError, match="Withdrawn"):
        record(mandate, "handed_over")


def test_it_asks_for_the_reason_when_not_admitted(mandate):
    record(mandate, "handed_over")

    with pytest.raises(MandateError) as refusal:
        record(mandate, "not_admitted", reason="  ")

    assert refusal.value.field == "reason"


def test_it_needs_the_contest_of_a_refused_copy(mandate):
    record(mandate, "handed_over")
    record(mandate, "admitted")

    with pytest.raises(MandateError) as refusal:
        record(mandate, "copy_refused")

    assert refusal.value.field == "contest"


def test_it_refuses_a_station_outside_the_mandate(mandate):
    record(mandate, "handed_over")

    with pytest.raises(MandateError) as refusal:
        record(mandate, "admitted", station=station("120"))

    assert refusal.value.field == "station"


def test_it_lets_a_mobile_team_move_on_to_its_next_station(observer, contest):
    team = observer.mandates.get()
    record(team, "handed_over")
    record(team, "admitted", station=station("91"))
    record(team, "admitted", station=station("92"))

    assert team.events.filter(status="admitted").count() == 2


def test_it_keeps_the_history_append_only(mandate):
    event = mandate.events.get()

    with pytest.raises(DatabaseError), transaction.atomic():
        MandateEvent.objects.filter(pk=event.pk).update(reason="rewritten")


def test_it_lets_an_observer_record_only_what_happens_at_the_station(mandate, nick):
    record(mandate, "handed_over")
    mandates.record_observer_event(observer=nick, mandate=mandate, status="admitted")

    with pytest.raises(MandateError) as refusal:
        mandates.record_observer_event(observer=nick, mandate=mandate, status="withdrawn")

    assert refusal.value.field == "status"


def test_it_refuses_an_event_on_another_observers_mandate(mandate, observer):
    record(mandate, "handed_over")

    with pytest.raises(MandateError) as refusal:
        mandates.record_observer_event(observer=observer, mandate=mandate, status="admitted")

    assert refusal.value.field == "mandate"


def test_it_issues_a_mandate_from_the_coordinators_page(carol, organization, contest, nick):
    url = reverse("organization-mandates", args=[organization.slug]) + f"?election={contest.election.pk}"

    response = carol.post(url, {"observer": nick.pk, "numbers": "91, 120"})

    assert response.status_code == 302
    issued = nick.mandates.get()
    assert sorted(issued.stations.values_list("number", flat=True)) == ["120", "91"]
    assert issued.is_mobile_team


def test_it_says_which_station_number_does_not_exist(carol, organization, contest, nick):
    url = reverse("organization-mandates", args=[organization.slug]) + f"?election={contest.election.pk}"

    response = carol.post(url, {"observer": nick.pk, "numbers": "91 999"})

    assert response.context["form"].errors["numbers"] == ["No station 999."]
    assert not nick.mandates.exists()


def test_it_records_a_handover_from_the_coordinators_page(carol, organization, mandate):
    url = reverse("organization-mandate", args=[organization.slug, mandate.pk])

    carol.post(url, {"status": "handed_over"})

    mandate.refresh_from_db()
    assert mandate.status == "handed_over"


def test_it_shows_a_territory_coordinator_only_mandates_in_the_territory(
    client, organization, contest, mandate
):
    tverskoy = station("120").pec.parent
    user = Membership.objects.get(role="coordinator").user
    Membership.objects.filter(user=user).update(territory=tverskoy)
    client.force_login(user)

    response = client.get(reverse("organization-mandate", args=[organization.slug, mandate.pk]))

    assert response.status_code == 404


def test_it_hides_mandates_from_another_organisation(client, other_observer, organization, mandate):
    Membership.objects.filter(user=other_observer.user).update(role="coordinator")
    client.force_login(other_observer.user)

    assert client.get(reverse("organization-mandates", args=[organization.slug])).status_code == 403
    assert (
        client.get(reverse("organization-mandate", args=[organization.slug, mandate.pk])).status_code == 403
    )


def test_it_lists_the_observers_own_mandates(alice, observer):
    html = alice.get(reverse("my-mandates"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert observer.code in html
    assert "Polling station 91, 84 Пресненский район" in html


def test_it_lets_the_observer_record_not_admitted_on_the_phone(alice, observer):
    team = observer.mandates.get()
    record(team, "handed_over")
    url = reverse("mandate-detail", args=[team.pk])

    alice.post(
        url,
        {
            "status": "not_admitted",
            "station": station("91").pk,
            "reason": "No PCR test",
            "by_whom": "PEC chair",
        },
    )

    event = team.events.last()
    assert (event.status, event.reason, event.by_whom, event.recorded_by) == (
        "not_admitted",
        "No PCR test",
        "PEC chair",
        observer.user,
    )


def test_it_offers_the_observer_only_their_statuses(alice, observer):
    team = observer.mandates.get()
    record(team, "handed_over")

    form = alice.get(reverse("mandate-detail", args=[team.pk])).context["form"]

    assert [value for value, _ in form.fields["status"].choices] == ["admitted", "not_admitted"]


def test_it_hides_another_observers_mandate(alice, mandate):
    assert alice.get(reverse("mandate-detail", args=[mandate.pk])).status_code == 404
