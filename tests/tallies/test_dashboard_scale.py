"""The dashboard on a country-sized election: 10,000 stations, generated once for the module.

The organisation holds copies of 2 % of the stations and has deployed observers to the rest
(tests/tallies/night.py, `deploy`). The page and its JSON must stay within the same pinned query budgets
as on 200 stations, and their counts must still equal the statuses derived from the tables.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.urls import reverse

from tallies.selectors.coverage import Status
from tests.tallies.night import (
    JSON_QUERIES,
    PAGE_QUERIES,
    STATIONS_QUERIES,
    Night,
    expected_statuses,
    generate_night,
    rolled_back,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STATIONS = 10_000


@pytest.fixture(scope="module")
def country(django_db_setup, django_db_blocker) -> Iterator[Night]:
    with rolled_back(django_db_blocker):
        yield generate_night(STATIONS, "0.02")


def test_it_counts_10_000_stations_as_the_database_does(country, client):
    expected = Counter(expected_statuses(country.organization, country.contest).values())
    client.force_login(country.coordinator)

    data = client.get(reverse("dashboard-data", args=[country.contest.pk])).json()

    assert data["total"]["counts"] == {status: expected[status] for status in Status.values}
    assert sum(expected.values()) > 8000  # every station but those with neither mandate nor copy


@pytest.mark.parametrize(
    ("name", "budget"),
    [("dashboard", PAGE_QUERIES), ("dashboard-data", JSON_QUERIES), ("dashboard-stations", STATIONS_QUERIES)],
)
def test_it_answers_for_10_000_stations_within_the_same_query_budget(
    country, client, django_assert_max_num_queries, name, budget
):
    client.force_login(country.coordinator)
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(name, args=[country.contest.pk])).status_code == 200
