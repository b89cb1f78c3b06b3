"""Navigation by role: the menu and the home page offer each role its work, and only that.

Alice observes, Carol coordinates, Adam administers Golos, Stan is platform staff. Every link
of a persona's menu and home page must open (200) for that persona: no link to a page that
would answer 403.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from elections.sorting import natural_key
from observers.models import Organization
from tallies.models import ProtocolCopy
from tallies.selectors.receipts import receipt_for

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<a [^>]*href="(/[^"]*)"')


def home_of(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def links(page: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in LINK.findall(page)}


def test_it_gives_an_observer_their_stations_with_check_in_not_admitted_and_a_copy(
    client, observer, contest, station
):
    page = home_of(client, observer.user)

    assert reverse("visit-check-in") in page
    assert f"{reverse('copy-new', args=[contest.pk])}?station={station.pk}" in links(page)
    mandate = observer.mandates.get()
    assert reverse("mandate-detail", args=[mandate.pk]) in links(page)
    assert reverse("act-stage") in links(page)
    assert reverse("dashboard", args=[contest.pk]) not in page  # not a coordinator


def test_it_lists_an_observers_copies_with_their_receipts_and_a_link_to_check_them(
    client, reconciled, observer
):
    copy = ProtocolCopy.objects.filter(observer=observer, station__number="91").get()
    receipt = receipt_for(copy)

    page = home_of(client, observer.user)

    assert receipt in page
    assert reverse("public-receipt", args=[receipt]) in links(page)
    assert reverse("copy-detail", args=[copy.pk]) in links(page)


def test_it_gives_a_coordinator_the_election_night_of_each_contest(client, reconciled, coordinator, contest):
    found = {
        link.split("?")[0] for link in links(home_of(client, coordinator))
    }  # ?org= names the organisation

    for name in ("dashboard", "desk-home", "results-root", "results-comparison", "analysis-seats"):
        assert reverse(name, args=[contest.pk]) in found
    assert reverse("roster-list", args=["golos"]) in found
    assert reverse("public-manage", args=["golos"]) not in found  # publishing is for admins
    assert reverse("organization-members", args=["golos"]) not in found


def test_it_gives_an_admin_members_coalitions_and_publishing(client, admin):
    found = links(home_of(client, admin))

    for name in ("organization-members", "organization-coalitions", "public-manage", "funnel"):
        assert reverse(name, args=["golos"]) in found


def test_it_gives_platform_staff_the_organisations_to_review(client, staff):
    Organization.objects.create(slug="new", name="New", status=Organization.Status.PENDING)

    page = home_of(client, staff)

    assert reverse("organization-review-queue") in links(page)
    assert "1 organisation waits for review." in page


def test_it_tells_a_user_without_a_role_where_to_go(client, db):
    user = get_user_model().objects.create_user(username="nobody", password="pw")

    found = links(home_of(client, user))

    assert reverse("organization-sign-up") in found and reverse("public-index") in found


@pytest.mark.parametrize("persona", ["alice", "carol", "adam", "stan"])
def test_it_links_only_to_pages_the_persona_may_open(client, reconciled, persona, request):
    user = {
        "alice": lambda: request.getfixturevalue("observer").user,
        "carol": lambda: request.getfixturevalue("coordinator"),
        "adam": lambda: request.getfixturevalue("admin"),
        "stan": lambda: request.getfixturevalue("staff"),
    }[persona]()
    found = links(home_of(client, user))

    assert reverse("public-index") in found and len(found) >= 4
    for url in sorted(found):
        status = client.get(url).status_code
        assert status == 200 or (status == 404 and "/public/receipts/" in url), f"{url} answered {status}"


def test_it_shows_the_menu_of_each_role_and_the_public_section_to_everyone(client, observer, coordinator):
    anonymous = client.get(reverse("public-index")).content.decode()
    assert reverse("public-index") in anonymous and reverse("copy-list") not in anonymous

    client.force_login(observer.user)
    menu = client.get(reverse("public-index")).content.decode()
    assert reverse("visit-list") in menu and reverse("roster-list", args=["golos"]) not in menu

    client.force_login(coordinator)
    menu = client.get(reverse("public-index")).content.decode()
    assert reverse("roster-list", args=["golos"]) in menu and reverse("visit-list") not in menu


def test_it_links_the_login_page_to_the_published_results(client, db):
    assert reverse("public-index") in links(client.get(reverse("login")).content.decode())


def test_it_sorts_commission_numbers_naturally():
    numbers = ["100", "10", "2", "1", "10a", "9"]

    assert sorted(numbers, key=natural_key) == ["1", "2", "9", "10", "10a", "100"]
