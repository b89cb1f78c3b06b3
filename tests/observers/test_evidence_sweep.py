"""The photo outbox drain: an upload whose sanitising message was lost is queued again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from observers import tasks
from observers.models import Evidence
from observers.services import evidence as service
from tests.observers.fixtures.evidence import send
from tests.observers.fixtures.evidence_images import jpeg_with_exif

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


def uploaded_minutes_ago(observer, minutes: int) -> Evidence:
    """An upload whose sanitising message never ran (its on-commit callback is dropped)."""
    evidence = send(observer, jpeg_with_exif())
    Evidence.objects.filter(pk=evidence.pk).update(uploaded_at=timezone.now() - timedelta(minutes=minutes))
    return evidence


def test_it_sanitises_uploads_left_pending_and_leaves_fresh_ones_to_their_message(observer):
    lost, fresh = uploaded_minutes_ago(observer, 5), uploaded_minutes_ago(observer, 0)

    assert tasks.sweep_pending_evidence() == 1  # tasks run in-process in the tests

    assert Evidence.objects.get(pk=lost.pk).status == Evidence.Status.READY
    assert Evidence.objects.get(pk=fresh.pk).status == Evidence.Status.PENDING


def test_a_second_sweep_finds_nothing_and_a_ready_photo_is_not_redone(observer):
    lost = uploaded_minutes_ago(observer, 5)
    service.requeue_pending_evidence()
    file_name = Evidence.objects.get(pk=lost.pk).file.name

    assert service.requeue_pending_evidence() == 0
    assert service.sanitise_evidence(evidence_id=lost.pk) == Evidence.Status.READY
    assert Evidence.objects.get(pk=lost.pk).file.name == file_name
