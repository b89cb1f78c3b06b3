"""Violation acts: filing under a live mandate, local time, co-signers, complaints, review, scope."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from elections.models import Commission
from observers.models import ComplaintStep, Mandate, Membership, ViolationAct, ViolationType
from observers.services import mandates, violations
from observers.services.visits import ClientKeyConflict, FieldWorkError
from tests.observers.fixtures.scopes import scope_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

EIGHT_PM = dt.datetime(2011, 12, 4, 20, 0)  # local (Moscow) time, naive as typed on the phone


@pytest.fixture
def file_act(observer, station):
    """File an act as Alice at station 91; keyword arguments override the defaults."""

    def file_act(**overrides):
        fields = {
            "observer": observer,
            "station": station,
            "client_uuid": uuid.uuid4(),
            "stage": "counting",
            "violation_type": ViolationType.objects.get(code="CNT-NO-ANNOUNCE"),
            "occurred_at": EIGHT_PM,
            "description": "The chair sorted the ballots without announcing the choice.",
        }
        return violations.file_act(**{**fields, **overrides}).act

    return file_act


def coordinator_of(organization, username, territory=None):
    user = get_user_model().objects.create_user(username=username, password="pw")
    Membership.objects.create(
        user=user, organization=organization, role=Membership.Role.COORDINATOR, territory=territory
    )
    return user


def test_it_stores_20_00_moscow_time_as_16_00_utc(file_act):
    act = file_act()

    assert act.occurred_at == dt.datetime(2011, 12, 4, 16, 0, tzinfo=dt.UTC)  # Moscow was UTC+4 in 2011
    assert (act.organization, act.election, act.review) == (
        act.observer.organization,
        act.station.pec.election,
        "new",
    )


def test_it_keeps_an_aware_time_as_given(file_act):
    act = file_act(occurred_at=dt.datetime(2011, 12, 4, 16, 30, tzinfo=dt.UTC))

    assert act.occurred_at == dt.datetime(2011, 12, 4, 16, 30, tzinfo=dt.UTC)


def test_it_returns_the_first_act_when_its_key_is_sent_again(file_act, observer, station):
    key = uuid.uuid4()
    first = file_act(client_uuid=key)

    again = violations.file_act(
        observer=observer,
        station=station,
        client_uuid=key,
        stage="counting",
        violation_type=first.violation_type,
        occurred_at=EIGHT_PM,
        description="  The chair sorted the ballots without announcing the choice. ",
    )

    assert again == (first, False)
    assert ViolationAct.objects.count() == 1


def test_it_returns_the_act_of_a_key_even_once_the_mandate_ended(file_act, observer):
    key = uuid.uuid4()
    first = file_act(client_uuid=key)
    mandates.record_event(
        mandate=Mandate.objects.get(observer=observer), status="withdrawn", recorded_by=None
    )

    assert file_act(client_uuid=key) == first


@pytest.mark.parametrize("field", ["station", "occurred_at", "description"])
def test_it_refuses_a_key_sent_again_with_another_act_naming_the_field(file_act, other_station, field):
    key = uuid.uuid4()
    file_act(client_uuid=key)
    changed = {
        "station": other_station,
        "occurred_at": dt.datetime(2011, 12, 4, 21, 0),
        "description": "Other.",
    }

    with pytest.raises(ClientKeyConflict) as error:
        file_act(client_uuid=key, **{field: changed[field]})

    assert error.value.field == field
    assert ViolationAct.objects.count() == 1


def test_it_files_two_acts_that_say_the_same_under_two_keys(file_act):
    assert file_act().pk != file_act().pk
    assert ViolationAct.objects.count() == 2


def test_it_lets_two_observers_use_the_same_key(file_act, bob):
    key = uuid.uuid4()

    assert file_act(client_uuid=key).observer != file_act(client_uuid=key, observer=bob).observer


def test_it_refuses_an_act_for_a_station_without_a_live_mandate(file_act, observer):
    mandate = Mandate.objects.get(observer=observer)
    mandates.record_event(mandate=mandate, status=Mandate.Status.WITHDRAWN, recorded_by=None)

    with pytest.raises(FieldWorkError) as error:
        file_act()

    assert error.value.field == "station"
    assert not ViolationAct.objects.exists()


def test_it_refuses_a_type_of_another_stage_but_takes_observer_rights_at_any(file_act):
    with pytest.raises(FieldWorkError) as error:
        file_act(violation_type=ViolationType.objects.get(code="OPN-BOX-SEAL"))
    assert error.value.field == "violation_type"

    act = file_act(violation_type=ViolationType.objects.get(code="OBS-NO-RECORDING"))
    assert act.violation_type.category == "observer_rights"


def test_it_refuses_an_empty_description_and_a_time_in_the_future(file_act):
    with pytest.raises(FieldWorkError) as error:
        file_act(description="  ")
    assert error.value.field == "description"

    with pytest.raises(FieldWorkError) as error:
        file_act(occurred_at=dt.datetime(2099, 1, 1, 12, 0))
    assert error.value.field == "occurred_at"


def test_it_records_observer_and_commission_member_co_signers(file_act, bob):
    act = file_act(cosigner_codes=["bob2-2222", "BOB2-2222"], commission_member="I. Petrova, PEC member")

    signers = {(row.observer_id, row.name) for row in act.cosigners.all()}
    assert signers == {(bob.pk, ""), (None, "I. Petrova, PEC member")}


def test_it_refuses_co_signers_from_another_organisation_or_the_author(file_act, other_observer, observer):
    for code in (other_observer.code, observer.code, "NOPE-0000"):
        with pytest.raises(FieldWorkError) as error:
            file_act(cosigner_codes=[code])
        assert error.value.field == "cosigners"
    assert not ViolationAct.objects.exists()


def test_it_adds_co_signers_later_once_each(file_act, bob):
    act = file_act()

    violations.add_cosigner(act=act, observer_code=bob.code)
    violations.add_cosigner(act=act, observer_code=bob.code)
    violations.add_cosigner(act=act, name="PEC secretary")

    assert act.cosigners.count() == 2
    with pytest.raises(FieldWorkError):
        violations.add_cosigner(act=act)


def test_it_tracks_filing_and_the_complaint_steps(file_act):
    act = file_act()

    violations.set_filing(act=act, filing="refused")
    violations.add_complaint_step(act=act, body="tec", filed_on=dt.date(2011, 12, 5))
    violations.add_complaint_step(
        act=act,
        body="court",
        filed_on=dt.date(2011, 12, 9),
        answered_on=dt.date(2011, 12, 20),
        outcome="Dismissed",
    )

    act.refresh_from_db()
    assert act.filing == ViolationAct.Filing.REFUSED
    assert list(act.complaints.order_by("filed_on").values_list("body", "outcome")) == [
        ("tec", ""),
        ("court", "Dismissed"),
    ]


def test_it_refuses_an_answer_dated_before_the_complaint(file_act):
    with pytest.raises(FieldWorkError) as error:
        violations.add_complaint_step(
            act=file_act(), body="pec", filed_on=dt.date(2011, 12, 5), answered_on=dt.date(2011, 12, 4)
        )

    assert error.value.field == "answered_on"
    assert not ComplaintStep.objects.exists()


def test_it_lets_a_coordinator_verify_an_act(file_act, coordinator):
    act = violations.review_act(act=file_act(), reviewer=coordinator, verdict="verified")

    assert (act.review, act.reviewed_by) == ("verified", coordinator)


def test_it_needs_a_reason_to_reject_and_keeps_it_for_the_observer(file_act, coordinator):
    act = file_act()
    with pytest.raises(FieldWorkError) as error:
        violations.review_act(act=act, reviewer=coordinator, verdict="rejected")
    assert error.value.field == "reason"

    violations.review_act(
        act=act, reviewer=coordinator, verdict="rejected", reason="No photo of the sorting."
    )

    act.refresh_from_db()
    assert (act.review, act.review_reason) == ("rejected", "No photo of the sorting.")


def test_it_reviews_an_act_only_once(file_act, coordinator):
    act = violations.review_act(act=file_act(), reviewer=coordinator, verdict="verified")

    with pytest.raises(FieldWorkError):
        violations.review_act(act=act, reviewer=coordinator, verdict="rejected", reason="Changed my mind")


def test_it_refuses_a_review_by_another_organisations_coordinator(file_act, other_organization):
    olga = coordinator_of(other_organization, "olga")

    with pytest.raises(PermissionDenied):
        violations.review_act(act=file_act(), reviewer=olga, verdict="verified")
    assert not violations.visible_acts(olga, scope_of(olga)).exists()


def test_it_shows_an_act_to_its_author_co_signers_and_coordinators_only(
    file_act, bob, observer, other_observer, coordinator
):
    act = file_act(cosigner_codes=[bob.code])

    for user in (observer.user, bob.user, coordinator):
        assert list(violations.visible_acts(user, scope_of(user))) == [act]
    assert not violations.visible_acts(other_observer.user, None).exists()


def test_it_limits_a_territorial_coordinator_to_the_territory(file_act, organization, other_station):
    tverskoy = Commission.objects.get(name="85 Тверской район")
    tim = coordinator_of(organization, "tim", territory=tverskoy)
    at_91, at_120 = file_act(), file_act(station=other_station)

    assert list(violations.visible_acts(tim, scope_of(tim))) == [at_120]
    assert [act.pk for act in violations.review_queue(user=tim, organization=organization)] == [at_120.pk]
    with pytest.raises(PermissionDenied):
        violations.review_act(act=at_91, reviewer=tim, verdict="verified")


def test_it_filters_the_review_queue_by_stage_and_region(file_act, coordinator, organization):
    counting = file_act()
    file_act(stage="voting", violation_type=ViolationType.objects.get(code="VOT-GROUP"))
    moscow = Commission.objects.get(level="SEC", name="Город Москва")

    queue = violations.review_queue(
        user=coordinator, organization=organization, stage="counting", region=moscow
    )

    assert list(queue) == [counting]
