"""The public API: read-only, paginated, cached, throttled, documented in the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.settings import api_settings

from tallies.models import Release
from tests.publication.support import publish

pytestmark = pytest.mark.django_db


def get(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_it_lists_published_releases_with_their_hashes(client, release):
    found = get(client, reverse("public-api-releases"))

    assert found["count"] == 1
    item = found["results"][0]
    assert item["number"] == 1 and item["organization"] == {"slug": "golos", "name": "Golos"}
    assert item["manifest_sha256"] == release.manifest_sha256
    assert item["audit_chain_head"] == {"sequence": 0, "entry_hash": "0" * 64}
    assert item["permalink"].endswith(release.get_absolute_url())


def test_it_details_a_release_with_its_files(client, release):
    found = get(client, reverse("public-api-release", args=[release.pk]))

    assert found["superseded_by"] is None
    assert {f["name"] for f in found["files"]} == set(release.files.values_list("name", flat=True))
    assert found["summary"]["coverage"]["stations_with_copies"] == 2


def test_it_names_the_version_that_supersedes_a_release(client, release, organization, contest, admin):
    publish(organization, contest, admin, changelog="Correction.")

    assert get(client, reverse("public-api-release", args=[release.pk]))["superseded_by"] == 2


def test_it_gives_commission_figures_by_source(client, release, tec):
    found = get(client, reverse("public-api-commissions", args=[release.pk]), level="TEC")
    one = get(client, reverse("public-api-commission", args=[release.pk, tec.pk]))

    assert [c["name"] for c in found["results"]] == ["84 Пресненский район", "85 Тверской район"]
    assert one["figures"]["compared_official"]["options"]["p6_UR"] == 1115
    assert one["figures"]["compared_observer"]["turnout"] == "66.57"


def test_it_gives_station_comparisons_and_filters_the_discrepant(client, release, station):
    discrepant = get(client, reverse("public-api-stations", args=[release.pk]), discrepant="true")
    one = get(client, reverse("public-api-station", args=[release.pk, station.pk]))

    assert [s["number"] for s in discrepant["results"]] == ["91"]
    assert one["figures"]["differences"]["options"]["p6_UR"] == [445, 1115]
    assert one["photo_url"] is None and "observer_code" in one


def test_it_paginates(client, release, organization, contest, admin):
    for number in range(2, 4):
        publish(organization, contest, admin, changelog=f"Version {number}.")

    found = get(client, reverse("public-api-releases"), page_size=1, page=2)

    assert found["count"] == 3 and [r["number"] for r in found["results"]] == [2]
    assert found["next"] and found["previous"]
    assert Release.objects.count() == 3


def test_it_answers_anonymous_readers_without_a_session_or_token(client, release, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("public-api-releases")).status_code == 200
    assert client.post(reverse("public-api-releases"), {}).status_code == 405


def test_it_throttles_a_client_that_asks_too_often(client, release, monkeypatch):
    monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, "public_api", "3/minute")
    urls = [reverse("public-api-stations", args=[release.pk]) + f"?n={n}" for n in range(5)]  # not cached yet

    statuses = [client.get(url).status_code for url in urls]

    assert statuses == [200, 200, 200, 429, 429]


def test_it_documents_the_public_endpoints_in_the_schema(client, coordinator):
    client.force_login(coordinator)

    schema = client.get(reverse("schema"), headers={"accept": "application/json"}).content.decode()

    for path in ("/api/public/releases/", "/api/public/releases/{release_id}/stations/{station_id}/"):
        assert path in schema
