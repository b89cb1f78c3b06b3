"""The coalition page says what its figures are as of: pooled (and compared) when it is read.

The pooled count and its comparison with the latest official snapshot are computed on each
reading from the members' tallies (tallies.selectors.coalitions), so the page says "as of now"
(station_sets.computed_when_read), never a member's run state, in the reader's language.
`reconciled` (tests/conftest.py): Golos copied stations 91 and 120, Other observers 92.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tallies.models import ProtocolCopy
from tallies.services import desk
from tallies.services.results_import import withdraw_snapshot

pytestmark = pytest.mark.django_db

COMPARED = "Pooled and compared with the latest official results when this page was loaded ("
POOLED_ONLY = "Pooled when this page was loaded ("
RUSSIAN = "Общий подсчёт составлен и сравнён с последними официальными результатами"
KAZAKH = "Ортақ санақ осы бет жүктелген кезде"


def coalition_page(client, coalition, contest, language="en"):
    response = client.get(
        reverse("coalition-results", args=[coalition.pk, contest.pk]), headers={"Accept-Language": language}
    )
    assert response.status_code == 200
    return response


def test_the_coalition_page_says_it_pooled_and_compared_when_it_was_loaded(
    client, reconciled, coalition, contest, admins, organization
):
    client.force_login(admins[organization.pk])
    before = timezone.now()

    response = coalition_page(client, coalition, contest)

    freshness = response.context["page"].freshness
    assert freshness.status == "read" and before <= freshness.computed_at <= timezone.now()
    local = freshness.computed_at.astimezone(ZoneInfo(contest.election.time_zone))
    text = response.content.decode()
    assert f"{COMPARED}{local:%Y-%m-%d %H:%M}" in text and 'data-comparison="read"' in text
    assert POOLED_ONLY not in text


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
    assert response.context["page"].counted == counted - 1  # the pool already leaves the copy out
    assert (
        COMPARED in response.content.decode() and 'data-comparison="stale"' not in response.content.decode()
    )


@pytest.mark.parametrize(("language", "note"), [("ru", RUSSIAN), ("kk", KAZAKH)])
def test_the_note_is_in_the_readers_language(
    client, reconciled, coalition, contest, admins, organization, language, note
):
    client.force_login(admins[organization.pk])

    text = coalition_page(client, coalition, contest, language).content.decode()

    assert note in text and COMPARED not in text
