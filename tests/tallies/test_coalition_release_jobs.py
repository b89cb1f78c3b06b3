"""A coalition's release preview and publish run in tasks; the request only records the ask (issue 17).

`reconciled` (tests/conftest.py): Golos copied stations 91 and 120, Other observers station 92.
`held` keeps the messages a request sends instead of running them, as a broker with no worker
free would: what the request itself did is then all there is.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from observers.models import Organization
from tallies import generator, tasks
from tallies.models import CoalitionReleasePreview, Release, ReleaseFile
from tallies.selectors.release_previews import lost_after, preview_state
from tallies.services import coalition_release_jobs, coalition_releases, releases
from tests.support import LINES_PEC_120, OPTIONS_PEC_120, submit
from tests.tallies.test_coalition_pool_store import admin, generated_coalition

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def held(monkeypatch):
    """The messages sent to the preview and publish tasks, kept and not run: [(task name, ids)]."""
    sent: list[tuple[str, dict[str, int]]] = []
    for task in (tasks.prepare_release_preview, tasks.publish_asked_release):
        monkeypatch.setattr(task, "delay", lambda _name=task.name, **ids: sent.append((_name, ids)))
    return sent


def refuse_to_pool(*args, **kwargs):
    raise AssertionError("the request pooled the members' copies")


@pytest.fixture
def no_pooling(monkeypatch):
    """Pooling or gathering a release in the request fails the test."""
    monkeypatch.setattr(coalition_releases, "pool", refuse_to_pool)
    monkeypatch.setattr(coalition_releases, "gather_pooled", refuse_to_pool)


def preview_page(client, coalition, contest):
    return client.get(reverse("coalition-release-preview", args=[coalition.pk, contest.pk]), headers=EN)


def prepared(coalition, contest, organization) -> CoalitionReleasePreview:
    """The preview asked and prepared by its task, as a worker would (the message itself may be held)."""
    coalition_release_jobs.ask_for_preview(coalition=coalition, contest=contest, organization=organization)
    tasks.prepare_release_preview(coalition_id=coalition.pk, contest_id=contest.pk)
    return CoalitionReleasePreview.objects.get(coalition=coalition, contest=contest)


def consent_all(coalition, contest, content: str, admins) -> None:
    for pk, user in admins.items():
        coalition_releases.consent_to_release(
            coalition=coalition, contest=contest, organization=Organization.objects.get(pk=pk), by=user,
            content=content,
        )  # fmt: skip


def ask_to_publish(client, coalition, contest):
    url = reverse("coalition-release-publish", args=[coalition.pk, contest.pk])
    return client.post(url, {"changelog": "First"}, headers=EN, follow=True)


def test_the_preview_page_pools_nothing_and_says_being_prepared(
    client, reconciled, coalition, contest, organization, admins, held, no_pooling
):
    client.force_login(admins[organization.pk])

    response = preview_page(client, coalition, contest)

    assert response.status_code == 200 and response.context["status"] == "preparing"
    assert "is being prepared" in response.content.decode() and response["Refresh"] == "5"
    assert held == [
        ("tallies.tasks.prepare_release_preview", {"coalition_id": coalition.pk, "contest_id": contest.pk})
    ]
    preview_page(client, coalition, contest)
    assert len(held) == 1  # one job in flight, however often the page is read


def test_the_task_stores_the_preview_and_hash_that_preparing_afresh_gives(
    client, reconciled, coalition, contest, organization, admins, held
):
    client.force_login(admins[organization.pk])
    preview_page(client, coalition, contest)
    held.clear()

    tasks.prepare_release_preview(coalition_id=coalition.pk, contest_id=contest.pk)
    response = preview_page(client, coalition, contest)

    afresh = coalition_releases.preview_release(
        coalition=coalition, contest=contest, organization=organization
    )
    row = CoalitionReleasePreview.objects.get(coalition=coalition)
    assert row.content_sha256 == afresh.content_sha256 and row.number == 1
    assert row.summary == coalition_release_jobs.summary_of(afresh)
    context = response.context
    assert context["status"] == "ready" and context["content_sha256"] == afresh.content_sha256
    assert (context["stations"], [m["name"] for m in context["members"]]) == (3, ["Golos", "Other observers"])
    assert "Consent to this release" in response.content.decode() and "Refresh" not in response
    assert held == []  # a current preview is not asked again


def test_consent_and_publish_through_the_pages_publish_exactly_the_previewed_content(
    client, reconciled, coalition, contest, organization, other_organization, admins, held, monkeypatch
):
    client.force_login(admins[organization.pk])
    preview_page(client, coalition, contest)
    tasks.prepare_release_preview(coalition_id=coalition.pk, contest_id=contest.pk)
    content = preview_page(client, coalition, contest).context["content_sha256"]
    consent_all(coalition, contest, content, admins)
    held.clear()

    with monkeypatch.context() as request_only:  # the request pools nothing
        request_only.setattr(coalition_releases, "pool", refuse_to_pool)
        request_only.setattr(coalition_releases, "gather_pooled", refuse_to_pool)
        asked = ask_to_publish(client, coalition, contest)

    assert "is being published" in asked.content.decode() and not Release.objects.exists()
    assert held == [
        ("tallies.tasks.publish_asked_release", {"coalition_id": coalition.pk, "contest_id": contest.pk})
    ]
    release_id = tasks.publish_asked_release(coalition_id=coalition.pk, contest_id=contest.pk)
    release = Release.objects.get(pk=release_id)
    row = CoalitionReleasePreview.objects.get(coalition=coalition)
    assert (release.coalition, release.organization, release.changelog) == (coalition, organization, "First")
    assert row.published == release and row.publish_content_sha256 == content
    assert (
        tasks.publish_asked_release(coalition_id=coalition.pk, contest_id=contest.pk) is None
    )  # redelivered
    assert Release.objects.count() == 1 and releases.verify_stored(release) == []


def test_publishing_refuses_at_once_naming_what_changed_since_the_preview(
    client, reconciled, coalition, contest, organization, other_organization, other_observer, other_station,
    admins, held, django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(admins[organization.pk])
    row = prepared(coalition, contest, organization)
    consent_all(coalition, contest, row.content_sha256, admins)
    held.clear()
    with django_capture_on_commit_callbacks(execute=True):  # a new copy: Other observers' station 120
        submit(other_observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)

    page = ask_to_publish(client, coalition, contest).content.decode()

    assert "the counted figures of Other observers" in page and "Nothing was published" in page
    assert not Release.objects.exists()
    assert held == [
        ("tallies.tasks.prepare_release_preview", {"coalition_id": coalition.pk, "contest_id": contest.pk})
    ]


def test_the_task_refuses_content_other_than_the_consented_one_and_the_page_says_so(
    client, reconciled, coalition, contest, organization, other_observer, other_station, admins, held,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.force_login(admins[organization.pk])
    row = prepared(coalition, contest, organization)
    consent_all(coalition, contest, row.content_sha256, admins)
    ask_to_publish(client, coalition, contest)
    with django_capture_on_commit_callbacks(execute=True):  # a copy arrives while the job waits
        submit(other_observer, contest, other_station, LINES_PEC_120, OPTIONS_PEC_120)

    assert tasks.publish_asked_release(coalition_id=coalition.pk, contest_id=contest.pk) is None

    row.refresh_from_db()
    assert not Release.objects.exists() and row.publish_requested_at is None
    assert "changed since the preview" in row.publish_error and "Other observers" in row.publish_error
    assert "Publishing failed" in preview_page(client, coalition, contest).content.decode()


def test_a_content_changed_without_any_input_moving_is_refused_by_its_hash(
    reconciled, coalition, contest, organization, admins, held
):
    row = prepared(coalition, contest, organization)
    consent_all(coalition, contest, row.content_sha256, admins)
    coalition_release_jobs.ask_to_publish(
        coalition=coalition,
        contest=contest,
        organization=organization,
        by=admins[organization.pk],
        changelog="x",
    )
    CoalitionReleasePreview.objects.filter(pk=row.pk).update(
        publish_content_sha256="0" * 64
    )  # another content

    tasks.publish_asked_release(coalition_id=coalition.pk, contest_id=contest.pk)

    row.refresh_from_db()
    assert not Release.objects.exists()
    assert "a copy, receipt or photo of a counted station" in row.publish_error


def test_publishing_waits_for_every_members_consent_to_the_prepared_content(
    client, reconciled, coalition, contest, organization, other_organization, admins, held
):
    client.force_login(admins[organization.pk])
    row = prepared(coalition, contest, organization)
    coalition_releases.consent_to_release(
        coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk],
        content=row.content_sha256,
    )  # fmt: skip
    held.clear()

    page = ask_to_publish(client, coalition, contest).content.decode()

    assert "waiting for: Other observers" in page and held == []


def test_a_failed_preparation_stores_nothing_and_the_page_offers_to_ask_again(
    client, reconciled, coalition, contest, organization, admins, monkeypatch
):
    client.force_login(admins[organization.pk])

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(coalition_releases, "preview_release", broken)
    page = preview_page(client, coalition, contest)

    row = CoalitionReleasePreview.objects.get(coalition=coalition)
    assert page.context["status"] == "failed" and (row.content_sha256, row.computed_at) == ("", None)
    assert "disk full" in page.content.decode() and "Ask again" in page.content.decode()
    assert preview_page(client, coalition, contest).context["status"] == "failed"  # not asked again by itself
    monkeypatch.undo()
    client.post(reverse("coalition-release-prepare", args=[coalition.pk, contest.pk]))
    assert preview_page(client, coalition, contest).context["status"] == "ready"


def test_a_failed_publish_writes_nothing_and_says_so(
    client, reconciled, coalition, contest, organization, admins, monkeypatch
):
    client.force_login(admins[organization.pk])
    row = prepared(coalition, contest, organization)
    consent_all(coalition, contest, row.content_sha256, admins)

    def broken(*args, **kwargs):
        raise RuntimeError("storage unreachable")

    monkeypatch.setattr(releases, "store_release", broken)
    page = ask_to_publish(client, coalition, contest).content.decode()

    assert not Release.objects.exists() and not ReleaseFile.objects.exists()
    assert "Publishing failed" in page and "storage unreachable" in page
    monkeypatch.undo()
    ask_to_publish(client, coalition, contest)  # asked again
    assert Release.objects.filter(coalition=coalition, number=1).exists()


def test_a_lost_message_is_sent_again_by_the_sweep(reconciled, coalition, contest, organization, held):
    coalition_release_jobs.ask_for_preview(  # the message is held: lost with its worker
        coalition=coalition, contest=contest, organization=organization
    )
    rows = CoalitionReleasePreview.objects.filter(coalition=coalition)

    assert coalition_release_jobs.sweep() == 0  # not lost yet: a worker may still be on it
    rows.update(requested_at=rows.get().requested_at - lost_after() - timedelta(seconds=1))
    assert preview_state(coalition, contest).lost
    assert coalition_release_jobs.sweep() == 1 and len(held) == 2
    assert coalition_release_jobs.sweep() == 0  # claimed again: one job in flight


def test_with_the_broker_down_the_page_says_so_and_the_next_sweep_prepares_it(
    client, reconciled, coalition, contest, organization, admins, broker_down, monkeypatch
):
    client.force_login(admins[organization.pk])
    broker_down(tasks.prepare_release_preview)

    page = preview_page(client, coalition, contest)

    assert page.context["status"] == "preparing" and page.context["lost"]
    assert "Ask again" in page.content.decode()
    monkeypatch.undo()  # the broker is back
    assert tasks.sweep_release_previews() == 1
    assert preview_page(client, coalition, contest).context["status"] == "ready"


def test_only_a_members_coordinators_ask_for_or_see_the_preview(client, reconciled, coalition, contest, held):
    outsider = get_user_model().objects.create_user(username="mallory", password="pw")
    client.force_login(outsider)
    args = [coalition.pk, contest.pk]

    assert preview_page(client, coalition, contest).status_code == 403
    assert client.post(reverse("coalition-release-prepare", args=args)).status_code == 403
    assert client.post(reverse("coalition-release-publish", args=args), {"changelog": "x"}).status_code == 403
    assert held == [] and not CoalitionReleasePreview.objects.exists()


def request_queries(client, coalition, contest) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Queries of the preview page (prepared) and of asking to publish, the jobs held."""
    with CaptureQueriesContext(connection) as page:
        assert preview_page(client, coalition, contest).context["status"] == "ready"
    with CaptureQueriesContext(connection) as publish:
        assert "is being published" in ask_to_publish(client, coalition, contest).content.decode()
    return len(page), len(publish)


def test_the_requests_cost_as_many_queries_at_60_stations_as_at_3(client, monkeypatch):
    counts = []
    for seed, stations in ((311, 3), (312, 60)):
        coalition, contest = generated_coalition(seed, stations)
        organization = Organization.objects.get(slug=generator.ORGANIZATION_SLUG)
        members = {o.pk: admin(o) for o in (organization, Organization.objects.get(slug="rivals"))}
        row = prepared(coalition, contest, organization)
        consent_all(coalition, contest, row.content_sha256, members)
        client.force_login(members[organization.pk])
        with monkeypatch.context() as held:
            held.setattr(tasks.publish_asked_release, "delay", lambda **ids: None)
            counts.append(request_queries(client, coalition, contest))
    assert counts[0] == counts[1]


def test_the_job_writes_its_refusal_in_the_language_of_the_member_who_asked(
    reconciled, coalition, contest, organization, admins, held
):
    row = prepared(coalition, contest, organization)
    consent_all(coalition, contest, row.content_sha256, admins)
    with translation.override("kk"):  # the page the member asked from was in Kazakh
        coalition_release_jobs.ask_to_publish(
            coalition=coalition, contest=contest, organization=organization, by=admins[organization.pk],
            changelog="x",
        )  # fmt: skip
        unnamed = str(coalition_releases.UNNAMED_CHANGE)
    CoalitionReleasePreview.objects.filter(pk=row.pk).update(publish_content_sha256="0" * 64)

    with translation.override("en"):  # the worker's own language
        tasks.publish_asked_release(coalition_id=coalition.pk, contest_id=contest.pk)

    row.refresh_from_db()
    assert unnamed != str(coalition_releases.UNNAMED_CHANGE) and unnamed in row.publish_error


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_an_organisations_release_refusal_is_in_the_readers_language(organization, contest, language):
    with translation.override(language), pytest.raises(releases.ReleaseError) as refused:
        releases.preview_release(organization=organization, contest=contest, changelog=" ")
    with translation.override("en"):
        english = str(coalition_releases.NO_CHANGELOG)

    assert str(refused.value) != english
