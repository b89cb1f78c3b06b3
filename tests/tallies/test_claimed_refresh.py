"""The claim of a stored result's refresh (tallies.services.claimed_refresh), shown on the stored
commission figures: pages asking at the same moment send one refresh, and a claim whose refresh
never finished is claimed again once the broker would have redelivered it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tallies import tasks
from tallies.services.claimed_refresh import lost_after
from tallies.services.stored_figures import FIGURES

PAGES = 4


@pytest.mark.django_db(transaction=True)
def test_of_pages_asking_at_the_same_moment_one_sends_the_refresh(organization, contest, monkeypatch):
    sent: list[dict[str, int]] = []
    monkeypatch.setattr(tasks.refresh_commission_figures, "delay", lambda **key: sent.append(key))
    key = {"organization_id": organization.pk, "contest_id": contest.pk}
    start = threading.Barrier(PAGES)
    answers: list[bool] = []

    def page() -> None:  # its own connection, in autocommit, as a request's
        try:
            start.wait(timeout=10)
            answers.append(FIGURES.request_now(key))
        finally:
            connection.close()

    pages = [threading.Thread(target=page) for _ in range(PAGES)]
    for thread in pages:
        thread.start()
    for thread in pages:
        thread.join(timeout=30)

    assert sorted(answers) == [False] * (PAGES - 1) + [True]
    assert sent == [key]
    assert FIGURES.rows(key).get().requested_at is not None  # claimed until the refresh stores


@pytest.mark.django_db
def test_a_claim_whose_refresh_never_finished_is_claimed_again_after_the_visibility_timeout(
    organization, contest, monkeypatch, django_capture_on_commit_callbacks
):
    sent: list[dict[str, int]] = []
    monkeypatch.setattr(tasks.refresh_commission_figures, "delay", lambda **key: sent.append(key))
    key = {"organization_id": organization.pk, "contest_id": contest.pk}

    with django_capture_on_commit_callbacks(execute=True):
        first, in_flight = FIGURES.request(key), FIGURES.request(key)
    almost_lost = timezone.now() - lost_after() + timedelta(seconds=5)
    FIGURES.rows(key).update(requested_at=almost_lost)
    with django_capture_on_commit_callbacks(execute=True):
        still_in_flight = FIGURES.request(key)
    FIGURES.rows(key).update(requested_at=almost_lost - timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        lost = FIGURES.request(key)

    assert (first, in_flight, still_in_flight, lost) == (True, False, False, True)
    assert sent == [key, key]
