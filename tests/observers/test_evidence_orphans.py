"""Evidence files that no row names are deleted; files of rows, and recent files, are kept."""

from __future__ import annotations

import pytest
from django.db import transaction

from observers import tasks
from observers.models import Evidence
from observers.services import evidence_orphans
from tests.observers.fixtures.evidence import send, stored_files
from tests.observers.fixtures.evidence_images import jpeg_with_exif

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


class Outer(Exception):
    """What makes the caller's transaction roll back after the upload (a failed Telegram update)."""


def rolled_back_upload(observer) -> None:
    with pytest.raises(Outer), transaction.atomic():
        send(observer, jpeg_with_exif())
        raise Outer


def test_an_upload_whose_outer_transaction_rolled_back_is_deleted(observer):
    rolled_back_upload(observer)
    assert Evidence.objects.count() == 0
    assert len(stored_files("evidence/")) == 1  # the original, GPS and all, with no row

    assert evidence_orphans.delete_orphaned_evidence(older_than=0) == 1

    assert stored_files("evidence/") == []


def test_files_of_rows_are_kept_pending_and_clean(observer, django_capture_on_commit_callbacks):
    pending = send(observer, jpeg_with_exif())
    with django_capture_on_commit_callbacks(execute=True):
        ready = send(observer, jpeg_with_exif())
    ready.refresh_from_db()
    rolled_back_upload(observer)

    assert evidence_orphans.delete_orphaned_evidence(older_than=0) == 1

    assert sorted(stored_files("evidence/")) == sorted([str(pending.upload.name), str(ready.file.name)])


def test_a_recent_orphan_is_left_to_a_later_sweep(observer):
    rolled_back_upload(observer)

    assert tasks.sweep_orphaned_evidence() == 0  # younger than ORPHAN_AGE: its row may still commit

    assert len(stored_files("evidence/")) == 1
