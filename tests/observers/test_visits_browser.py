"""Visit and act pages in headless Chromium on a 360 px phone, in ru, kk and en.

Uses the browser helpers of tests/browser.py (Debian's chromium, never a downloaded one):
each page must be in the requested language and must not overflow the screen sideways.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse

from observers.models import ViolationType
from observers.services import violations, visits
from tests.browser import LANGUAGES, assert_fits_a_phone, open_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def visit(observer, station):
    return visits.check_in(observer=observer, station=station, client_uuid=uuid.uuid4()).visit


@pytest.fixture
def act(observer, station):
    return violations.file_act(
        observer=observer,
        station=station,
        client_uuid=uuid.uuid4(),
        stage="counting",
        violation_type=ViolationType.objects.get(code="CNT-PROTOCOL-NOT-POSTED"),
        occurred_at=dt.datetime(2011, 12, 5, 1, 15),
        description="The protocol was not posted; the chair took it to the TEC at once.",
    ).act


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_fits_the_observers_visit_and_act_pages_on_a_phone(
    browser,
    live_server,
    client,
    observer,
    visit,
    act,
    language,
):
    pages = {
        "visits-list": reverse("visit-list"),
        "visits-detail": reverse("visit-detail", args=[visit.pk]),
        "visits-checklist": reverse("visit-checklist", args=[visit.pk, "counting"]),
        "violations-form": reverse("act-new", args=["counting"]),
        "violations-detail": reverse("act-detail", args=[act.pk]),
    }
    for name, url in pages.items():
        context, page = open_page(browser, live_server, client, observer.user, url, language, name)
        assert_fits_a_phone(page, language)
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_fits_the_review_queue_on_a_phone(browser, live_server, client, coordinator, act, language):
    context, page = open_page(
        browser, live_server, client, coordinator, reverse("act-review-queue"), language, "violations-queue"
    )
    assert_fits_a_phone(page, language)
    assert act.violation_type.labels[language] in page.inner_text("main")
    context.close()
