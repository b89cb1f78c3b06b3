"""The coalition release's requests against the task that now prepares it (issue 17, scope 4).

Before, the preview page and the publish request each ran the publishing pipeline on the pool
(tallies.services.coalition_releases.preview_release: pool every member's copies, gather the
release, hash it) inside the request. Now a request records the ask (the job's message is held
here, as a broker with no worker free would hold it) and the task prepares or publishes
(tallies.services.coalition_release_jobs). Measured on the POOL case's coalition of seven:

- before: preview_release, what each of those requests did;
- the preview page asking (preview_state, ask_for_preview, preview_state, release_preview);
- the task preparing the preview, and a check that it stores the hash preview_release gives;
- the preview page reading a prepared preview (`READS` times: median and queries);
- the publish request (ask_to_publish, every member having consented), and the publish task.
"""

from __future__ import annotations

from contextlib import ExitStack
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.report import Report, seconds
from bench.timing import median, timed
from observers.models import Membership, Organization
from tallies import tasks
from tallies.models import CoalitionReleaseConsent, CoalitionReleasePreview
from tallies.selectors.coalitions import release_preview
from tallies.selectors.pool import pooling_members
from tallies.selectors.release_previews import preview_state
from tallies.services import coalition_release_jobs, coalition_releases

READS = 5


def run_release_requests(report: Report, case) -> None:  # type: ignore[no-untyped-def]
    """Time the release's requests before and after, at the POOL case's size (module docstring)."""
    coalition, contest, viewer = case.coalition, case.contest, case.observers[0].organization
    took_before, preview = timed(
        coalition_releases.preview_release, coalition=coalition, contest=contest, organization=viewer
    )
    with _held():
        asking, asked_queries = _request(_page, coalition, contest, viewer)
    ids = {"coalition_id": coalition.pk, "contest_id": contest.pk}
    took_task, _ = timed(coalition_release_jobs.prepare, **ids)
    row = CoalitionReleasePreview.objects.get(coalition=coalition, contest=contest)
    same = row.content_sha256 == preview.content_sha256
    reads = [_request(_page, coalition, contest, viewer) for _ in range(READS)]
    admin = _admin(viewer)
    _consent_all(coalition, contest, row.content_sha256, admin)
    with _held():
        publishing, publish_queries = _request(_ask_to_publish, coalition, contest, viewer, admin)
    took_publish, release_id = timed(coalition_release_jobs.publish, **ids)
    report.note(
        f"coalition release, {case.stations:,} stations: before, each preview and publish request "
        f"prepared it: {seconds(took_before)}. Now: preview page asking {seconds(asking)} "
        f"({asked_queries} queries); the task preparing it {seconds(took_task)} (same SHA-256 as "
        f"before: {same}); preview page read median {seconds(median([r[0] for r in reads]))} "
        f"({reads[-1][1]} queries); publish request {seconds(publishing)} ({publish_queries} "
        f"queries); the publish task {seconds(took_publish)} (release stored: {release_id is not None})"
    )
    report.cost("before: coalition release preview/publish request", case.stations, took_before)
    report.cost(
        "coalition release preview page (asks, reads)", case.stations, median([r[0] for r in reads]), True
    )
    report.cost("coalition release publish request (records the ask)", case.stations, publishing, True)
    report.cost("coalition release preview (the task)", case.stations, took_task)


def _held() -> ExitStack:
    """The preview and publish jobs' messages kept, not run: what the request does alone."""
    held = ExitStack()
    for task in (tasks.prepare_release_preview, tasks.publish_asked_release):
        held.enter_context(mock.patch.object(task, "delay", lambda **ids: None))
    return held


def _request(work, *args) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        took, _ = timed(work, *args)
    return took, len(captured)


def _page(coalition, contest, viewer) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """What the preview view does: read the state, ask when there is none or it is outdated."""
    state = preview_state(coalition, contest)
    if state.status in ("none", "outdated"):
        coalition_release_jobs.ask_for_preview(coalition=coalition, contest=contest, organization=viewer)
        state = preview_state(coalition, contest)
    return release_preview(coalition, contest, state)


def _ask_to_publish(coalition, contest, viewer, admin) -> None:  # type: ignore[no-untyped-def]
    coalition_release_jobs.ask_to_publish(
        coalition=coalition, contest=contest, organization=viewer, by=admin, changelog="Bench"
    )


def _admin(organization: Organization):  # type: ignore[no-untyped-def]
    user, _ = get_user_model().objects.get_or_create(username=f"bench-admin-{organization.slug}")
    Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": Membership.Role.ADMIN}
    )
    return user


def _consent_all(coalition, contest, content: str, by) -> None:  # type: ignore[no-untyped-def]
    """Every member consents to `content` (rows written directly: the bench has one admin)."""
    number = coalition_releases.next_number(coalition, contest)
    CoalitionReleaseConsent.objects.bulk_create(
        CoalitionReleaseConsent(
            coalition=coalition,
            contest=contest,
            number=number,
            organization=o,
            content_sha256=content,
            consented_by=by,
        )
        for o in pooling_members(coalition)
    )
