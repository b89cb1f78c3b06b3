"""Nothing unpublished is reachable: every public page, file and API endpoint is enumerated.

Before an admin publishes: 404 everywhere. With an embargo: 404 until the publication time,
then 200. The URL lists below are checked against the URL configuration, so a new public
route without a test here fails the suite.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from config.api_urls import PUBLIC_API
from tallies.selectors.receipts import receipt_for
from tallies.urls import PUBLIC_PAGES
from tests.publication.support import coalition_release_urls, current_copy, later, publish

pytestmark = pytest.mark.django_db

# Routes not about one release: they list or check published releases, or need a login.
GLOBAL_ROUTES = {
    "public-index",
    "public-receipt-lookup",
    "public-verifier",
    "public-manage",
    "public-api-releases",
}


def release_urls(args, station, tec, receipt) -> dict[str, str]:
    """Every public URL of a release (named by route) for the release at `args`."""
    return {
        "public-latest": reverse("public-latest", args=args[:3]),
        "public-release": reverse("public-release", args=args),
        "public-commission": reverse("public-commission", args=[*args, tec.pk]),
        "public-station": reverse("public-station", args=[*args, station.pk]),
        "public-station-photo": reverse("public-station-photo", args=[*args, station.pk]),
        "public-violations": reverse("public-violations", args=args),
        "public-data": reverse("public-data", args=args),
        "public-file": reverse("public-file", args=[*args, "stations.csv"]),
        "public-zip": reverse("public-zip", args=args),
        "public-receipt": reverse("public-receipt", args=[receipt]),
    }


def api_release_urls(release_id, station, tec) -> dict[str, str]:
    return {
        "public-api-release": reverse("public-api-release", args=[release_id]),
        "public-api-commissions": reverse("public-api-commissions", args=[release_id]),
        "public-api-commission": reverse("public-api-commission", args=[release_id, tec.pk]),
        "public-api-stations": reverse("public-api-stations", args=[release_id]),
        "public-api-station": reverse("public-api-station", args=[release_id, station.pk]),
    }


@pytest.fixture
def receipt(reconciled, organization, contest, station):
    return receipt_for(current_copy(organization, contest, station))


def all_urls(organization, contest, station, tec, receipt, release_id):
    args = [organization.slug, contest.election.slug, contest.slug, 1]
    return {**release_urls(args, station, tec, receipt), **api_release_urls(release_id, station, tec)}


def statuses(client, urls):
    return {name: client.get(url).status_code for name, url in urls.items()}


def test_it_enumerates_every_public_route():
    names = {p.name for p in PUBLIC_PAGES} | {p.name for p in PUBLIC_API}
    covered = set(release_urls(["o", "e", "c", 1], mock.Mock(pk=1), mock.Mock(pk=1), "0" * 64))
    covered |= set(api_release_urls(1, mock.Mock(pk=1), mock.Mock(pk=1)))
    covered |= set(coalition_release_urls([1, "e", "c", 1], mock.Mock(pk=1), mock.Mock(pk=1)))

    assert names == covered | GLOBAL_ROUTES


def test_it_answers_404_everywhere_before_anything_is_published(
    client, reconciled, organization, contest, station, tec, receipt
):
    urls = all_urls(organization, contest, station, tec, receipt, release_id=1)

    assert set(statuses(client, urls).values()) == {404}
    assert client.get(reverse("public-index")).context["groups"] == []
    assert client.get(reverse("public-api-releases")).json()["count"] == 0


def test_it_hides_an_embargoed_release_until_its_time_and_shows_it_after(
    client, reconciled, organization, contest, station, tec, receipt, admin, photo
):
    release = publish(organization, contest, admin, publish_at=later(60), show_photos=True)
    urls = all_urls(organization, contest, station, tec, receipt, release.pk)

    assert set(statuses(client, urls).values()) == {404}
    assert client.get(reverse("public-api-releases")).json()["count"] == 0
    assert client.get(reverse("public-index")).context["groups"] == []  # no "v1" listed
    with mock.patch("django.utils.timezone.now", return_value=later(61)):
        after = statuses(client, urls)
    assert after == {name: 302 if name == "public-latest" else 200 for name in urls}


def test_it_serves_every_url_of_a_release_published_now(
    client, reconciled, organization, contest, station, tec, receipt, admin, photo
):
    release = publish(organization, contest, admin, show_photos=True)

    found = statuses(client, all_urls(organization, contest, station, tec, receipt, release.pk))

    assert found.pop("public-latest") == 302
    assert set(found.values()) == {200}


def test_it_serves_no_photo_when_the_organisation_chose_not_to(
    client, reconciled, organization, contest, station, admin, photo
):
    release = publish(organization, contest, admin, show_photos=False)

    response = client.get(reverse("public-station-photo", args=[*release.url_args(), station.pk]))

    assert response.status_code == 404
    assert (
        b"photo.jpg"
        not in client.get(reverse("public-station", args=[*release.url_args(), station.pk])).content
    )


def test_it_never_shows_another_organisations_station(client, release, contest):
    station_92 = contest.election.commissions.get(code="92").station
    args = release.url_args()

    assert client.get(reverse("public-station", args=[*args, station_92.pk])).status_code == 404
    assert client.get(reverse("public-api-station", args=[release.pk, station_92.pk])).status_code == 404


def test_it_needs_an_admin_of_the_organisation_to_reach_the_publishing_page(
    client, coordinator, admin, organization
):
    url = reverse("public-manage", args=[organization.slug])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(admin)
    assert client.get(url).status_code == 200
