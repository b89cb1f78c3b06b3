"""The dashboard in headless Chromium on a 360 px phone: charts, map, live update, strict CSP.

Election night in miniature (`reconciled`): Golos has counted copies of stations 91 and 120 and a
mandate for 92 without a copy. Stations 91 and 92 get coordinates; 120 has none.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from elections.models import PollingStation
from observers.models import ViolationAct, ViolationType
from tallies import services
from tallies.models import ProtocolCopy
from tests.browser import LANGUAGES, SCREENSHOTS, assert_fits_a_phone
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH_CSP = (
    "window.cspViolations = [];"
    "document.addEventListener('securitypolicyviolation',"
    " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
)


def open_dashboard(browser, live_server, client, user, url: str, language: str):
    """Open the dashboard at `url` as `user` (360 × 740 px, `language`) once its chart is drawn."""
    context, page = open_phone(browser, live_server, client, user, url, language)
    expect(page.locator("#progress-chart")).to_have_attribute("width", re.compile(r"\d+"))  # drawn
    return context, page


def open_phone(browser, live_server, client, user, url: str, language: str):
    """Open `url` logged in as `user` at 360 × 740 px in `language`, recording CSP violations."""
    client.force_login(user)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
        ]
    )
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    assert page.goto(live_server.url + url).status == 200
    return context, page


@pytest.fixture
def located(reconciled, contest):
    stations = {s.number: s for s in PollingStation.objects.filter(pec__election=contest.election)}
    for number, (lat, lng) in {"91": ("55.760000", "37.580000"), "92": ("55.770000", "37.600000")}.items():
        stations[number].latitude, stations[number].longitude = lat, lng
        stations[number].save(update_fields=["latitude", "longitude"])
    return stations


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_draws_the_charts_and_the_map_on_a_phone_without_breaking_the_csp(
    browser,
    live_server,
    client,
    located,
    coordinator,
    contest,
    language,
):
    url = reverse("dashboard", args=[contest.pk])
    context, page = open_dashboard(browser, live_server, client, coordinator, url, language)
    page.wait_for_selector("#station-map canvas")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{language}.png"), full_page=True)

    assert_fits_a_phone(page, language)
    assert page.evaluate("Chart.getChart('shares-chart').data.datasets.length") == 2
    assert page.inner_text("#count-complete") == "2"
    assert page.evaluate("window.cspViolations") == []
    context.close()


def test_it_updates_the_counts_without_reloading(
    browser,
    live_server,
    client,
    located,
    coordinator,
    contest,
    observer,
):
    url = reverse("dashboard", args=[contest.pk])
    context, page = open_dashboard(browser, live_server, client, coordinator, url, "en")
    assert page.inner_text("#count-missing") == "1"

    services.submit_protocol_copy(
        observer=observer, contest=contest, station=located["92"], lines=LINES_PEC_91_OFFICIAL,
        options=OPTIONS_PEC_91_OFFICIAL, client_uuid=uuid.uuid4(), channel=ProtocolCopy.Channel.WEB,
    )  # fmt: skip
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # polls at once

    expect(page.locator("#count-complete")).to_have_text("3")  # selectors, not eval: the CSP forbids it
    assert page.inner_text("#count-missing") == "0"
    assert page.evaluate("Chart.getChart('progress-chart').data.datasets[0].data.at(-1)") == 3
    context.close()


def test_it_draws_the_violations_chart_on_the_process_page(
    browser,
    live_server,
    client,
    located,
    coordinator,
    contest,
    observer,
):
    kind, _ = ViolationType.objects.get_or_create(  # a transactional test's flush drops the shipped ones
        code="TEST-CAROUSEL",
        defaults={"stage": "voting", "category": "ballot_integrity", "labels": {"en": "Carousel"}},
    )
    ViolationAct.objects.create(
        organization=observer.organization,
        observer=observer,
        station=located["91"],
        election=contest.election,
        stage=kind.stage,
        violation_type=kind,
        occurred_at=timezone.now(),
        description="carousel",
    )
    url = reverse("dashboard-process", args=[contest.pk])

    context, page = open_phone(browser, live_server, client, coordinator, url, "en")

    expect(page.locator("#violations-chart")).to_have_attribute("width", re.compile(r"\d+"))
    assert_fits_a_phone(page, "en")
    assert page.evaluate("window.cspViolations") == []
    context.close()
