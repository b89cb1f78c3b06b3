"""Comparison and shares tables reflow to one card per row on a phone, and fold nothing away.

At 360 px each row of a table of three columns or more is a card whose values carry their
column's name; at 1366 px the same table is a table. Nothing scrolls sideways on either.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def open_results(browser, live_server, client, coordinator, contest, width):
    client.force_login(coordinator)
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + reverse("results-root", args=[contest.pk]))
    page.screenshot(path=f"var/screenshots/results-cards-{width}.png", full_page=True)
    return context, page


def test_it_shows_each_row_of_the_comparison_as_a_card_on_a_phone(
    browser,
    live_server,
    client,
    reconciled,
    coordinator,
    contest,
):
    context, page = open_results(browser, live_server, client, coordinator, contest, 360)

    assert page.locator("table.cards").count() >= 2
    cell = page.locator("table.cards td[data-label='Official']").first
    assert cell.evaluate("e => getComputedStyle(e).display") == "flex"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"Official"'
    assert page.evaluate(OVERFLOW) <= 0
    context.close()


def test_it_folds_the_later_sections_of_a_long_page_on_a_phone(
    browser, live_server, client, reconciled, coordinator, contest
):
    context, page = open_results(browser, live_server, client, coordinator, contest, 360)

    folds = page.locator("main > details.fold")
    assert folds.count() >= 2
    assert all(not folds.nth(i).evaluate("e => e.open") for i in range(folds.count()))
    folds.first.locator("summary").click()
    assert folds.first.evaluate("e => e.open")
    context.close()


def test_it_keeps_the_tables_as_tables_on_a_desktop(
    browser,
    live_server,
    client,
    reconciled,
    coordinator,
    contest,
):
    context, page = open_results(browser, live_server, client, coordinator, contest, 1366)

    assert page.locator("table.cards td").first.evaluate("e => getComputedStyle(e).display") == "table-cell"
    assert page.locator("details.fold").count() == 0
    assert page.evaluate(OVERFLOW) <= 0
    context.close()
