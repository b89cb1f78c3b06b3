"""Pages of violation acts: filing on a phone, following the act, the coordinator's review queue."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from observers.models import Mandate, Membership, ViolationAct, ViolationType
from observers.services import mandates, violations

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def act(observer, station):
    return violations.file_act(
        observer=observer,
        station=station,
        client_uuid=uuid.uuid4(),
        stage="counting",
        violation_type=ViolationType.objects.get(code="CNT-PROTOCOL-REFUSED"),
        occurred_at=dt.datetime(2011, 12, 4, 23, 40),
        description="The chair refused to give a copy of the protocol.",
    ).act


def form_data(station, **fields):
    data = {
        "station": station.pk,
        "violation_type": ViolationType.objects.get(code="CNT-NO-ANNOUNCE").pk,
        "date": "2011-12-04",
        "time": "20:00",
        "description": "Ballots were sorted without announcing the choice.",
        "legal_article": "",
        "cosigner_codes": "",
        "commission_member": "",
        "filing": "submitted",
        "client_uuid": str(uuid.uuid4()),
    }
    return {**data, **fields}


def test_it_offers_only_the_types_of_the_chosen_stage(alice):
    html = alice.get(reverse("act-new", args=["counting"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Voter&#x27;s choice and votes per party not announced" in html
    assert "Observers not admitted to the count" in html
    assert "Ballot-box stuffing<" not in html  # the voting-stage type
    assert '<optgroup label="Observers&#x27; rights">' in html


def test_it_files_an_act_in_local_time_and_opens_it(alice, station):
    response = alice.post(reverse("act-new", args=["counting"]), form_data(station))

    act = ViolationAct.objects.get()
    assert response.url == reverse("act-detail", args=[act.pk])
    assert act.occurred_at == dt.datetime(2011, 12, 4, 16, 0, tzinfo=dt.UTC)
    assert (act.stage, act.filing) == ("counting", "submitted")


def test_it_puts_a_key_in_the_form_and_files_one_act_when_the_page_is_sent_twice(alice, station):
    html = alice.get(reverse("act-new", args=["counting"])).content.decode()
    data = form_data(station)

    responses = [alice.post(reverse("act-new", args=["counting"]), data) for _ in range(2)]

    assert 'type="hidden" name="client_uuid"' in html
    act = ViolationAct.objects.get()
    assert [r.url for r in responses] == [reverse("act-detail", args=[act.pk])] * 2
    assert str(act.client_uuid) == data["client_uuid"]


def test_it_refuses_a_station_without_a_live_mandate(alice, observer, station):
    mandates.record_event(
        mandate=Mandate.objects.get(observer=observer), status="withdrawn", recorded_by=None
    )

    response = alice.post(
        reverse("act-new", args=["counting"]), form_data(station), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not ViolationAct.objects.exists()


def test_it_names_an_unknown_co_signer_next_to_the_field(alice, station):
    data = form_data(station, cosigner_codes="ZZZZ-9999")

    response = alice.post(reverse("act-new", args=["counting"]), data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.context["form"].errors["cosigner_codes"] == [
        "No observer of your organisation has the code ZZZZ-9999."
    ]


def test_it_shows_the_rejection_reason_to_the_observer(alice, client, act, coordinator):
    client.force_login(coordinator)
    client.post(
        reverse("act-review", args=[act.pk]),
        {"verdict": "rejected", "reason": "Which protocol? Add a photo."},
    )
    client.force_login(act.observer.user)

    html = client.get(reverse("act-detail", args=[act.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Which protocol? Add a photo." in html
    assert "Rejected" in html


def test_it_keeps_a_rejection_without_reason_new(client, act, coordinator):
    client.force_login(coordinator)

    client.post(reverse("act-review", args=[act.pk]), {"verdict": "rejected", "reason": ""})

    act.refresh_from_db()
    assert act.review == "new"


def test_it_lets_the_author_add_co_signers_filing_and_complaint_steps(alice, act, organization):
    alice.post(reverse("act-cosigner", args=[act.pk]), {"observer_code": "", "name": "PEC member Ivanova"})
    alice.post(reverse("act-filing", args=[act.pk]), {"filing": "registered"})
    alice.post(
        reverse("act-complaint", args=[act.pk]), {"body": "tec", "filed_on": "2011-12-05", "outcome": ""}
    )

    act.refresh_from_db()
    assert [row.name for row in act.cosigners.all()] == ["PEC member Ivanova"]
    assert act.filing == "registered"
    assert act.complaints.get().body == "tec"


def test_it_hides_the_act_from_another_organisation(client, act, other_observer, other_organization):
    olga = get_user_model().objects.create_user(username="olga", password="pw")
    Membership.objects.create(user=olga, organization=other_organization, role=Membership.Role.COORDINATOR)

    for user in (olga, other_observer.user):
        client.force_login(user)
        assert client.get(reverse("act-detail", args=[act.pk])).status_code == 404
        assert client.post(reverse("act-review", args=[act.pk]), {"verdict": "verified"}).status_code == 404
        assert client.post(reverse("act-filing", args=[act.pk]), {"filing": "refused"}).status_code == 404
    act.refresh_from_db()
    assert (act.review, act.filing) == ("new", "not_filed")


def test_it_lists_new_acts_in_the_coordinators_queue_by_stage(client, act, coordinator):
    client.force_login(coordinator)

    counting = client.get(reverse("act-review-queue"), {"stage": "counting"}, HTTP_ACCEPT_LANGUAGE="en")
    voting = client.get(reverse("act-review-queue"), {"stage": "voting"}, HTTP_ACCEPT_LANGUAGE="en")

    assert list(counting.context["acts"]) == [act]
    assert not voting.context["acts"]


def test_it_forbids_the_queue_to_observers(alice):
    assert alice.get(reverse("act-review-queue")).status_code == 403


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_renders_the_act_pages_in_each_language(alice, act, language):
    for url in (reverse("act-list"), reverse("act-stage"), reverse("act-new", args=["voting"])):
        assert alice.get(url, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
    detail = alice.get(reverse("act-detail", args=[act.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert act.violation_type.labels[language] in detail
