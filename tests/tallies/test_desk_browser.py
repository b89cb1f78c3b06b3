"""The desk's pages in a real headless browser on a 360 px phone, in ru/kk/en: nothing overflows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tallies.services import desk
from tests.browser import LANGUAGES, assert_fits_a_phone, open_page
from tests.support import OPTIONS_PEC_91_COPY
from tests.tallies.support import submit_web_copy, with_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def busy_station(observer, bob, coordinator, contest, station):
    """Two disagreeing copies, one quarantined and released, one figure verified: a full desk."""
    first = with_photo(submit_web_copy(observer, contest, station))
    second = submit_web_copy(bob, contest, station, {**OPTIONS_PEC_91_COPY, "p6_UR": 545})
    held = desk.quarantine(copy=second, scope="all", reason="smudged digits on line 10", by=coordinator)
    desk.release(quarantine=held, reason="the observer sent a sharper photo", by=coordinator)
    desk.verify_line(copy=first, code="options.p6_UR", method="photo", by=coordinator)
    return first


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_fits_the_desk_pages_on_a_phone(browser, live_server, client, coordinator, busy_station, language):
    copy = busy_station
    urls = {
        "desk-home": reverse("desk-home", args=[copy.contest_id]),
        "desk-conflicts": reverse("desk-queue", args=[copy.contest_id, "conflicts"]),
        "desk-findings": reverse("desk-queue", args=[copy.contest_id, "findings"]),
        "desk-station": reverse("desk-station", args=[copy.contest_id, copy.station_id]),
        "desk-phone-in": reverse("desk-phone-in", args=[copy.contest_id]),
    }
    for name, url in urls.items():
        context, page = open_page(browser, live_server, client, coordinator, url, language, name)
        assert_fits_a_phone(page, language)
        context.close()
