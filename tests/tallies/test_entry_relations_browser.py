"""The copy form checks the control relations as the observer types, in a real browser.

Valid ballots typed as 1050 instead of 1005 (the mistake seen in the field): lines 10 and 9
are marked with the value that would make "9 + 10 = 7 + 8" hold, and sending asks once
"send as it is?"; the copy is still stored (and flagged by the server), and its receipt is shown.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tallies.models import ProtocolCopy
from tallies.selectors.receipts import receipt_for
from tests.browser import open_page
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill(page, lines, options) -> None:
    for code, value in lines.items():
        page.fill(f"input[name='lines.{code}']", str(value))
    for code, value in options.items():
        page.fill(f"input[name='options.{code}']", str(value))


@pytest.fixture
def form_page(browser, live_server, client, contest, observer, station):
    url = reverse("copy-new", args=[contest.pk]) + f"?station={station.pk}"
    context, page = open_page(browser, live_server, client, observer.user, url, "en", "copy-form-relations")
    yield page
    context.close()


def test_it_marks_the_lines_of_a_broken_relation_with_the_expected_value(form_page):
    page = form_page
    fill(page, {**LINES_PEC_91_OFFICIAL, "ballots_valid": 1795}, OPTIONS_PEC_91_OFFICIAL)

    broken = page.locator(".figure-field.relation-broken input")
    names = {broken.nth(i).get_attribute("name") for i in range(broken.count())}
    assert {"lines.ballots_valid", "lines.ballots_invalid", "lines.ballots_in_stationary_boxes"} <= names
    hints = page.inner_text("form[data-relations]")
    assert "expected 1750" in hints  # line 10 that makes both relations hold again
    assert "Control relations that do not hold: 2" in page.inner_text("#relations-live")
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0


def test_it_clears_the_marks_once_the_figure_is_corrected(form_page):
    page = form_page
    fill(page, {**LINES_PEC_91_OFFICIAL, "ballots_valid": 1795}, OPTIONS_PEC_91_OFFICIAL)

    page.fill("input[name='lines.ballots_valid']", "1750")

    assert page.locator(".relation-broken").count() == 0
    assert "No control relation is broken so far." in page.inner_text("#relations-live")


def test_it_asks_before_sending_a_copy_that_breaks_relations_and_still_stores_it(form_page):
    page = form_page
    fill(page, {**LINES_PEC_91_OFFICIAL, "ballots_valid": 1795}, OPTIONS_PEC_91_OFFICIAL)

    page.click("form[data-outbox] button[type=submit]")
    assert page.locator("#relations-confirm").is_visible()
    assert "Control relations that do not hold: 2" in page.inner_text("#relations-confirm")
    assert ProtocolCopy.objects.count() == 0
    page.click("#relations-confirm [data-relations-send]")
    page.wait_for_url("**/copies/*/")

    copy = ProtocolCopy.objects.get()
    assert copy.findings.count() == 2  # the server judged it the same way
    assert receipt_for(copy) in page.inner_text("#receipt")


def test_it_sends_a_copy_whose_relations_hold_without_asking(form_page):
    page = form_page
    fill(page, LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL)

    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_url("**/copies/*/")

    assert ProtocolCopy.objects.get().findings.count() == 0
