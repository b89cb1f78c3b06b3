"""The results API names contests, elections and ballot options in the request's language.

Options are named by their short name (elections.names) in the station comparison's rows and
the discrepant stations' differences; places keep their one name (module config.openapi).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

UNITED_RUSSIA_SHORT = {"en": "UR", "ru": "ЕР", "kk": "БР"}
CONTEST = {"kk": "Федералдық партиялық тізім", "en": "Federal party list", "ru": "Федеральный список партий"}


@pytest.fixture
def api(coordinator) -> APIClient:
    client = APIClient()
    client.force_authenticate(coordinator)
    return client


@pytest.fixture
def named(reconciled, contest):
    contest.options.filter(code="p6_UR").update(short_names=UNITED_RUSSIA_SHORT)
    return reconciled


def label_of(rows: list[dict], code: str) -> str:
    return next(row["label"] for row in rows if row["code"] == code)


@pytest.mark.parametrize("language", ["kk", "en", "ru"])
def test_the_results_api_names_in_the_request_language(named, api, contest, station, language):
    headers = {"Accept-Language": language}

    contests = api.get(reverse("api-contest-list"), headers=headers).json()
    station_url = reverse("api-station-comparison", args=[contest.pk, station.pk])
    compared = api.get(station_url, headers=headers).json()
    root = api.get(reverse("api-contest-results", args=[contest.pk]), headers=headers).json()

    assert contests[0]["name"] == CONTEST[language]
    assert label_of(compared["rows"], "p6_UR") == UNITED_RUSSIA_SHORT[language]
    differences = root["discrepant_stations"]["results"][0]["differences"]
    assert label_of(differences, "p6_UR") == UNITED_RUSSIA_SHORT[language]
    assert root["commission"]["name"] == "ЦИК России"  # a place has one name
