"""Fixtures of the observers tests: the shipped reference data, evidence sent and sanitised.

Personas, the geography and `fresh_storage` are in tests/conftest.py; evidence helpers in
tests/observers/fixtures/.
"""

from __future__ import annotations

import pytest

from observers.models import ChecklistItem, Evidence, Observer, ViolationType
from observers.services import violations, visits
from tests.observers.fixtures.evidence import send


@pytest.fixture
def reference_data(db):
    """The shipped taxonomy and checklists, reloaded if a transactional test flushed them."""
    if not (ViolationType.objects.exists() and ChecklistItem.objects.exists()):
        violations.load_violation_types()
        visits.load_checklist_items()


@pytest.fixture
def sent(django_capture_on_commit_callbacks, observer):
    """send(data, name=..., observer=alice) that also runs the sanitising task, as after a commit."""

    def _sent(data: bytes, name: str = "photo.jpg", by: Observer | None = None, **kwargs) -> Evidence:
        with django_capture_on_commit_callbacks(execute=True):
            evidence = send(by or observer, data, name, **kwargs)
        evidence.refresh_from_db()
        return evidence

    return _sent
