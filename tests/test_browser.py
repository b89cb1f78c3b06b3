"""Observer and coordinator pages in a real headless browser, on a 360 px phone, in ru/kk/en.

Drives Debian's Chromium through Playwright (never a downloaded browser). Each page is opened
in each language at 360 × 740 px; the test asserts the page is in that language and that nothing
overflows sideways, and saves a screenshot in var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tallies.models import ProtocolCopy

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium")
LANGUAGES = ["ru", "kk", "en"]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# Words of each page's chrome in each language: prove the catalogs are used, not just <html lang>.
LOG_OUT = {"ru": "Выйти", "kk": "Шығу", "en": "Log out"}
BRAND = {"ru": "Параллельный подсчёт", "kk": "Байқаушылар санағы", "en": "Observer tally"}  # our catalog


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (apt-get install chromium): browser tests must run in CI")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def open_page(browser, live_server, client, user, url: str, language: str, name: str):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    if user is not None:
        client.force_login(user)
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
        )
    page = context.new_page()
    response = page.goto(live_server.url + url)
    assert response.status == 200, f"{url} answered {response.status}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{language}.png"), full_page=True)
    return context, page


def assert_fits_a_phone(page, language: str) -> None:
    assert page.evaluate("document.documentElement.lang") == language
    assert BRAND[language] in page.inner_text("header")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the 360px screen"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_login_page_on_a_phone(browser, live_server, client, language):
    context, page = open_page(browser, live_server, client, None, reverse("login"), language, "login")

    assert_fits_a_phone(page, language)
    assert page.locator("input[type=password]").count() == 1
    assert page.locator("button[type=submit]").count() >= 1
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_copy_form_to_an_observer_on_a_phone(
    browser, live_server, client, contest, observer, language
):
    url = reverse("copy-new", args=[contest.pk])
    context, page = open_page(browser, live_server, client, observer.user, url, language, "copy-form")

    assert_fits_a_phone(page, language)
    assert page.locator("input[name='lines.voters_on_list']").count() == 1
    assert page.locator("input[name='missing.lines.voters_on_list'][type=checkbox]").count() == 1
    assert LOG_OUT[language] in page.inner_text("header")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_receipt_of_a_flagged_copy_on_a_phone(
    browser, live_server, client, reconciled, observer, language
):
    copy = ProtocolCopy.objects.filter(observer=observer, station__number="91").get()
    url = reverse("copy-detail", args=[copy.pk])
    context, page = open_page(browser, live_server, client, observer.user, url, language, "copy-receipt")

    assert_fits_a_phone(page, language)
    assert "2165" in page.inner_text("main")  # the broken relation, both sides shown
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_the_national_results_to_a_coordinator_on_a_phone(
    browser, live_server, client, reconciled, coordinator, contest, language
):
    url = reverse("results-root", args=[contest.pk])
    context, page = open_page(browser, live_server, client, coordinator, url, language, "results-nation")

    assert_fits_a_phone(page, language)
    assert "+670" in page.inner_text("main") or "670" in page.inner_text("main")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_a_station_comparison_on_a_phone(
    browser, live_server, client, reconciled, coordinator, contest, station, language
):
    url = reverse("results-station", args=[contest.pk, station.pk])
    context, page = open_page(browser, live_server, client, coordinator, url, language, "results-station")

    assert_fits_a_phone(page, language)
    assert "2124" in page.inner_text("main") and "2326" in page.inner_text("main")
    context.close()
