"""The observer's phone pages of a visit: my stations, check in, stages, checklists, count start."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse

from observers.models import ChecklistAnswer, Mandate, Visit
from observers.services import mandates, visits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def visit(observer, station):
    return visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4()).visit


def test_it_lists_the_mandated_stations_with_a_check_in_button(alice):
    html = alice.get(reverse("visit-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for number in ("91", "92", "120"):
        assert f"Polling station {number}" in html
    assert html.count('action="/visits/check-in/"') == 3
    assert len(set(re.findall(r'name="client_uuid" value="([0-9a-f-]{36})"', html))) == 3  # a key each
    assert "Not admitted? Record it" in html


def test_it_checks_in_and_opens_the_visit_page(alice, station):
    response = alice.post(reverse("visit-check-in"), {"station": station.pk, "client_uuid": uuid.uuid4()})

    visit = Visit.objects.get()
    assert response.url == reverse("visit-detail", args=[visit.pk])


def test_a_page_cached_before_check_ins_had_keys_still_checks_in_once(alice, station):
    first = alice.post(reverse("visit-check-in"), {"station": station.pk})
    again = alice.post(reverse("visit-check-in"), {"station": station.pk})  # tapped twice

    visit = Visit.objects.get()
    assert first.url == again.url == reverse("visit-detail", args=[visit.pk])


def test_it_refuses_a_check_in_without_a_live_mandate_with_a_message(alice, observer, station):
    mandates.record_event(
        mandate=Mandate.objects.get(observer=observer), status="withdrawn", recorded_by=None
    )

    response = alice.post(
        reverse("visit-check-in"),
        {"station": station.pk, "client_uuid": uuid.uuid4()},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "no live mandate" in response.content.decode()
    assert not Visit.objects.exists()


def test_it_shows_the_checklist_and_saves_only_changed_answers(alice, visit):
    url = reverse("visit-checklist", args=[visit.pk, "counting"])
    answers = {"counting-copy-issued": "no", "counting-choice-announced": "yes"}

    assert (
        "Were observers given a certified copy" in alice.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    alice.post(url, answers)
    alice.post(url, {**answers, "counting-copy-issued": "yes"})

    assert ChecklistAnswer.objects.count() == 3
    latest = {row.item.code: row.yes for row in visits.latest_answers(visit).values()}
    assert latest == {"counting-copy-issued": True, "counting-choice-announced": True}


def test_it_records_the_count_start_in_local_time(alice, visit):
    alice.post(reverse("visit-count-start", args=[visit.pk]), {"date": "2011-12-04", "time": "20:00"})

    visit.refresh_from_db()
    assert visit.count_started_at == dt.datetime(2011, 12, 4, 16, 0, tzinfo=dt.UTC)
    page = alice.get(reverse("visit-detail", args=[visit.pk])).content.decode()
    assert 'value="20:00"' in page


def test_it_marks_a_stage_and_checks_out(alice, visit):
    alice.post(reverse("visit-stage", args=[visit.pk]), {"stage": "opening", "observed": "1"})
    alice.post(reverse("visit-check-out", args=[visit.pk]))

    visit.refresh_from_db()
    assert visit.stages == ["opening"]
    assert visit.checked_out_at is not None


def test_it_hides_another_observers_visit(client, other_observer, visit):
    client.force_login(other_observer.user)

    for name, args in [("visit-detail", [visit.pk]), ("visit-checklist", [visit.pk, "voting"])]:
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("visit-check-out", args=[visit.pk])).status_code == 404


def test_it_forbids_the_pages_to_a_coordinator_who_is_not_an_observer(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("visit-list")).status_code == 403


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_renders_the_pages_and_checklist_labels_in_each_language(alice, visit, language):
    for url in (reverse("visit-list"), reverse("visit-detail", args=[visit.pk])):
        response = alice.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert f'lang="{language}"' in response.content.decode()
    checklist = alice.get(
        reverse("visit-checklist", args=[visit.pk, "opening"]), HTTP_ACCEPT_LANGUAGE=language
    )
    label = {
        "ru": "Открылся ли участок вовремя?",
        "kk": "Учаске уақтылы ашылды ма?",
        "en": "Did the station open",
    }
    assert label[language] in checklist.content.decode()
