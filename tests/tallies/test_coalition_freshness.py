"""The coalition page says what its figures are as of: the stored pool's moment, and when it is behind.

The pooled count and its comparison with the latest official snapshot are stored by a task
(tallies.services.coalition_pool) with the versions of their inputs; the page reads them and says
"pooled at …" while those inputs are current, "as of …, being updated" once they moved (issue 17),
never a member's run state, in the reader's language. Tasks run in-process here, so the first
reading stores the pool. `reconciled` (tests/conftest.py): Golos copied stations 91 and 120,
Other observers 92.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tallies import services, tasks
from tallies.models import ProtocolCopy, StationTallyState
from tallies.services import coalition_pool, desk
from tallies.services.results_import import withdraw_snapshot

pytestmark = pytest.mark.django_db

COMPARED = "Pooled and compared with the latest official results at "
POOLED_ONLY = "Pooled at "
UPDATING = "These figures are as of "
RUSSIAN = "Общий подсчёт составлен и сравнён с последними официальными результатами"
KAZAKH = "соңғы ресми нәтижелермен салыстырылды; содан бері ештеңе өзгерген жоқ"


def coalition_page(client, coalition, contest, language="en"):
    response = client.get(
        reverse("coalition-results", args=[coalition.pk, contest.pk]), headers={"Accept-Language": language}
    )
    assert response.status_code == 200
    return response


class HeldTask:
    """Stands in for tallies.tasks.refresh_coalition_pool.delay: records the jobs, runs none."""

    def __init__(self) -> None:
        self.sent: list[dict[str, int]] = []

    def __call__(self, **kwargs: int) -> None:
        self.sent.append(kwargs)


def test_the_coalition_page_says_when_it_pooled_and_compared(
    client, reconciled, coalition, contest, admins, organization
):
    client.force_login(admins[organization.pk])
    before = timezone.now()

    response = coalition_page(client, coalition, contest)

    freshness = response.context["page"].freshness
    assert freshness.status == "pooled" and before <= freshness.computed_at <= timezone.now()
    local = freshness.computed_at.astimezone(ZoneInfo(contest.election.time_zone))
    text = response.content.decode()
    assert f"{COMPARED}{local:%Y-%m-%d %H:%M}" in text and 'data-comparison="pooled"' in text
    assert response.context["page"].counted == 3


def test_without_official_results_it_says_it_pooled_only(
    client, reconciled, coalition, contest, admins, organization
):
    withdraw_snapshot(reconciled.snapshot, "wrong file")
    client.force_login(admins[organization.pk])

    text = coalition_page(client, coalition, contest).content.decode()

    assert POOLED_ONLY in text and COMPARED not in text


def test_a_members_stale_run_does_not_make_the_pooled_figures_stale(
    client, reconciled, coalition, contest, station, admins, organization, coordinator,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(admins[organization.pk])
    counted = coalition_page(client, coalition, contest).context["page"].counted
    copy = ProtocolCopy.objects.get(organization=organization, contest=contest, station=station)
    with django_capture_on_commit_callbacks(execute=True):
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)

    response = coalition_page(client, coalition, contest)
    own = client.get(reverse("results-root", args=[contest.pk]), headers={"Accept-Language": "en"})

    assert 'data-comparison="stale"' in own.content.decode()  # Golos's own run fell behind
    assert response.context["page"].counted == counted - 1  # the member's tally job refreshed the pool
    assert COMPARED in response.content.decode() and 'data-comparison="pooled"' in response.content.decode()


def test_figures_behind_their_inputs_are_labelled_and_a_refresh_is_sent(
    client, reconciled, coalition, contest, station, admins, organization, coordinator, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(admins[organization.pk])
    counted = coalition_page(client, coalition, contest).context["page"].counted
    held = HeldTask()
    monkeypatch.setattr(tasks.refresh_coalition_pool, "delay", held)
    copy = ProtocolCopy.objects.get(organization=organization, contest=contest, station=station)
    with django_capture_on_commit_callbacks(execute=False):  # the tally job is left to the sweep
        desk.quarantine(copy=copy, scope="all", reason="smudged digits", by=coordinator)
    state = StationTallyState.objects.get(organization=organization, contest=contest, station=station)
    services.apply_station_tally(state_id=state.pk)  # as the sweep applies it: no task, no hook

    response = coalition_page(client, coalition, contest)

    page = response.context["page"]
    assert page.freshness.status == "updating" and page.counted == counted  # as stored, not mixed
    text = response.content.decode()
    local = page.freshness.computed_at.astimezone(ZoneInfo(contest.election.time_zone))
    assert f"{UPDATING}{local:%Y-%m-%d %H:%M}" in text and 'data-comparison="updating"' in text
    assert COMPARED not in text
    assert held.sent == [{"coalition_id": coalition.pk, "contest_id": contest.pk}]
    coalition_page(client, coalition, contest)
    assert len(held.sent) == 1  # one refresh in flight, however many readings

    coalition_pool.refresh(coalition_id=coalition.pk, contest_id=contest.pk)  # the job runs
    page = coalition_page(client, coalition, contest).context["page"]
    assert page.freshness.status == "pooled" and page.counted == counted - 1


@pytest.mark.parametrize(("language", "note"), [("ru", RUSSIAN), ("kk", KAZAKH)])
def test_the_note_is_in_the_readers_language(
    client, reconciled, coalition, contest, admins, organization, language, note
):
    client.force_login(admins[organization.pk])

    text = coalition_page(client, coalition, contest, language).content.decode()

    assert note in text and COMPARED not in text
