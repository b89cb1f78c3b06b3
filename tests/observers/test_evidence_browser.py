"""Evidence pages in Debian's headless Chromium on a 360 px phone: nothing overflows sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from observers import tasks
from tests.browser import assert_fits_a_phone, open_page
from tests.observers.fixtures.evidence import send
from tests.observers.fixtures.evidence_images import jpeg_with_exif

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_storage"),
]


@pytest.fixture
def ready(observer):
    evidence = send(observer, jpeg_with_exif(size=(1600, 1200)), name="IMG_20111204_2114_PEC91.jpg")
    tasks.sanitise_evidence(evidence_id=evidence.pk)
    return evidence


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("evidence-new", lambda e: reverse("evidence-new")),
        ("evidence-detail", lambda e: reverse("evidence-detail", args=[e.pk])),
        ("evidence-index", lambda e: reverse("evidence-index")),
    ],
)
def test_it_fits_an_observers_phone(browser, live_server, client, observer, ready, name, url, language):
    context, page = open_page(browser, live_server, client, observer.user, url(ready), language, name)

    assert_fits_a_phone(page, language)
    if name != "evidence-new":  # the page's photo comes through the checked view, with the session
        photo = context.request.get(live_server.url + page.locator("img").first.get_attribute("src"))
        assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"
    context.close()
