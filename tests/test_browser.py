"""Observer and coordinator pages in a real headless browser, on a 360 px phone, in ru/kk/en.

Drives Debian's Chromium through Playwright (never a downloaded browser). Each page is opened
in each language at 360 × 740 px; the test asserts the page is in that language and that nothing
overflows sideways, and saves a screenshot in var/screenshots/ for a person to look at.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tallies.models import ProtocolCopy
from tests.browser import LANGUAGES, LOG_OUT, assert_fits_a_phone, open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
