"""The desk's transcription of a photo-only copy in a real headless browser on a 360 px phone: the
photo beside (above) the form, zoomable by the page's own script under the CSP, nothing overflows."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from tallies.models import ProtocolCopy
from tallies.services import desk, photos
from tests.browser import LANGUAGES, assert_fits_a_phone, open_page
from tests.observers.fixtures.evidence_images import jpeg_with_exif, upload
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_storage"),
]


@pytest.fixture
def photographed(observer, station) -> ProtocolCopy:
    """Alice's copy of station 91 as one photo, sanitised on commit (Celery runs eagerly)."""
    submitted, _added = photos.submit_photo_only_copy(
        observer=observer, station=station, uploads=[upload(jpeg_with_exif((1200, 1600)), "p.jpg")],
        client_uuid=uuid.uuid4(), channel=ProtocolCopy.Channel.WEB,
    )  # fmt: skip
    return submitted.copy


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_fits_the_transcription_on_a_phone_and_zooms_the_photo(
    browser, live_server, client, dave, photographed, language
):
    url = reverse("desk-transcribe", args=[photographed.pk])
    context, page = open_page(browser, live_server, client, dave, url, language, "desk-transcribe")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.reload()
    page.wait_for_function("document.querySelector('[data-photo]').naturalWidth > 0")

    assert_fits_a_phone(page, language)
    frame = page.evaluate("document.querySelector('.photo-frame').clientWidth")
    page.click("[data-zoom=in]")
    page.click("[data-zoom=in]")
    zoomed = page.evaluate("document.querySelector('[data-photo]').getBoundingClientRect().width")
    assert zoomed > 2 * frame and page.inner_text("[data-zoom-level]") == "225 %"
    assert_fits_a_phone(page, language)  # the photo scrolls inside its frame, not the page
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_it_fits_the_settlement_on_a_phone(
    browser, live_server, client, coordinator, dave, erin, photographed
):
    for by, options in ((coordinator, OPTIONS_PEC_91_COPY), (dave, {**OPTIONS_PEC_91_COPY, "p6_UR": 446})):
        desk.transcribe_photo_copy(
            copy=photographed, lines=LINES_PEC_91_COPY, options=options, client_uuid=uuid.uuid4(), by=by
        )
    url = reverse("desk-transcription-settle", args=[photographed.pk])
    context, page = open_page(browser, live_server, client, erin, url, "ru", "desk-transcription-settle")

    assert_fits_a_phone(page, "ru")
    assert page.locator("input[name='options.p6_UR']").count() == 1
    context.close()
