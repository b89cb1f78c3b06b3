"""Station visits: check in under a live mandate, stages, count start in local time, checklists."""

import datetime as dt
import uuid

import pytest

from observers.models import ChecklistAnswer, ChecklistItem, Mandate, Visit
from observers.services import mandates, visits
from observers.services.visits import ClientKeyConflict, FieldWorkError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def mandate(observer):
    """Alice's live mandate (tests/conftest.py: a mobile team for stations 91, 92 and 120)."""
    return Mandate.objects.get(observer=observer)


@pytest.fixture
def visit(observer, station):
    return visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4()).visit


def withdraw(mandate):
    mandates.record_event(mandate=mandate, status=Mandate.Status.WITHDRAWN, recorded_by=None)


def item(code):
    return ChecklistItem.objects.get(code=code)


def test_it_checks_in_under_the_live_mandate(visit, mandate):
    assert visit.mandate == mandate
    assert visit.checked_out_at is None


def test_it_returns_the_visit_of_a_key_sent_again_even_once_the_mandate_ended(observer, station, mandate):
    key = uuid.uuid4()
    first = visits.check_in(observer=observer, station=station, client_uuid=key)
    withdraw(mandate)

    again = visits.check_in(observer=observer, station=station, client_uuid=key)

    assert (first.created, again) == (True, (first.visit, False))
    assert Visit.objects.count() == 1


def test_it_returns_the_open_visit_when_the_observer_checks_in_again_with_a_new_key(visit, observer, station):
    again = visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4())

    assert again == (visit, False)
    assert Visit.objects.count() == 1


def test_it_refuses_a_key_sent_again_for_another_station_naming_it(visit, observer, other_station):
    with pytest.raises(ClientKeyConflict) as error:
        visits.check_in(observer=observer, station=other_station, client_uuid=visit.client_uuid)

    assert error.value.field == "station"
    assert Visit.objects.count() == 1


def test_it_refuses_a_key_sent_again_with_another_check_in_time(observer, station):
    key = uuid.uuid4()
    visits.check_in(observer=observer, station=station, client_uuid=key, at=dt.datetime(2011, 12, 4, 7, 30))

    with pytest.raises(ClientKeyConflict) as error:
        visits.check_in(
            observer=observer, station=station, client_uuid=key, at=dt.datetime(2011, 12, 4, 7, 45)
        )

    assert error.value.field == "checked_in_at"


def test_it_refuses_a_check_in_without_a_live_mandate(mandate, observer, station):
    withdraw(mandate)

    with pytest.raises(FieldWorkError) as error:
        visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4())

    assert error.value.field == "station"
    assert not Visit.objects.exists()


def test_it_refuses_a_check_in_once_the_observer_was_removed(mandate, observer, station, other_station):
    for status in (Mandate.Status.HANDED_OVER, Mandate.Status.ADMITTED):
        mandates.record_event(mandate=mandate, status=status, recorded_by=None, station=station)
    mandates.record_event(
        mandate=mandate, status=Mandate.Status.REMOVED, recorded_by=None, station=station, reason="streaming"
    )

    with pytest.raises(FieldWorkError):
        visits.check_in(observer=observer, station=other_station, client_uuid=uuid.uuid4())


def test_it_lists_only_the_stations_of_live_mandates(mandate, observer):
    assert sorted(visits.live_stations(observer).values_list("number", flat=True)) == ["120", "91", "92"]

    withdraw(mandate)

    assert not visits.live_stations(observer).exists()


def test_it_keeps_the_latest_answer_and_the_history_of_changes(visit):
    visits.answer(visit=visit, item=item("counting-copy-issued"), yes=True)
    visits.answer(visit=visit, item=item("counting-copy-issued"), yes=False)

    [latest] = visits.latest_answers(visit).values()
    assert latest.yes is False
    assert ChecklistAnswer.objects.filter(visit=visit).count() == 2


def test_it_stores_nothing_when_an_answer_repeats_the_latest(visit):
    first = visits.answer(visit=visit, item=item("opening-ballots-received"), number=1500)
    again = visits.answer(visit=visit, item=item("opening-ballots-received"), number=1500)

    assert (first, again) == (True, False)
    assert ChecklistAnswer.objects.count() == 1


def test_it_withdraws_an_answer_with_a_blank(visit):
    visits.answer(visit=visit, item=item("voting-secrecy-ensured"), yes=True)

    visits.answer(visit=visit, item=item("voting-secrecy-ensured"))

    [latest] = visits.latest_answers(visit).values()
    assert (latest.yes, latest.number) == (None, None)


def test_it_refuses_a_number_for_a_yes_no_item_and_a_negative_count(visit):
    with pytest.raises(FieldWorkError) as error:
        visits.answer(visit=visit, item=item("voting-secrecy-ensured"), number=3)
    assert error.value.field == "voting-secrecy-ensured"

    with pytest.raises(FieldWorkError):
        visits.answer(visit=visit, item=item("mobile-requests"), number=-1)


def test_it_marks_a_stage_observed_when_its_checklist_is_answered(visit):
    visits.answer(visit=visit, item=item("tabulation-protocol-amended"), yes=True)
    visits.answer(visit=visit, item=item("opening-on-time"), yes=True)

    visit.refresh_from_db()
    assert visit.stages == ["opening", "tabulation"]


def test_it_lists_the_answers_that_signal_a_problem(visit):
    visits.answer_all(
        visit=visit,
        answers=[
            (item("counting-copy-issued"), False, None),  # problem_if False
            (item("voting-group-voting"), True, None),  # problem_if True
            (item("voting-secrecy-ensured"), True, None),  # fine
            (item("mobile-requests"), None, 12),  # numbers are never problems
        ],
    )

    assert [row.item.code for row in visits.problems(visit)] == [
        "voting-group-voting",
        "counting-copy-issued",
    ]


def test_it_stores_a_count_start_of_20_00_moscow_time_as_16_00_utc(visit):
    visits.record_count_start(visit=visit, started_at=dt.datetime(2011, 12, 4, 20, 0))

    visit.refresh_from_db()
    assert visit.count_started_at == dt.datetime(
        2011, 12, 4, 16, 0, tzinfo=dt.UTC
    )  # Moscow was UTC+4 in 2011
    assert "counting" in visit.stages


def test_it_checks_out_once_and_keeps_the_first_time(visit):
    first = visits.check_out(visit=visit).checked_out_at

    assert visits.check_out(visit=visit).checked_out_at == first


def test_it_refuses_a_check_out_before_the_check_in(visit):
    with pytest.raises(FieldWorkError):
        visits.check_out(visit=visit, at=dt.datetime(2011, 12, 4, 7, 0))


def test_it_toggles_a_stage_and_refuses_an_unknown_one(visit):
    visits.set_stage(visit=visit, stage="voting")
    visits.set_stage(visit=visit, stage="opening")
    visits.set_stage(visit=visit, stage="voting", observed=False)

    assert visit.stages == ["opening"]
    with pytest.raises(FieldWorkError):
        visits.set_stage(visit=visit, stage="picnic")
