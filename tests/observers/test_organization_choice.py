"""A member of several organisations names the one they work in (issue 12, reproduction 1).

A freshly approved organisation added Golos's coordinator; she then saw the newcomer's data on
the home page, the results API and the desk, because the first organisation by name was taken.
Now the newcomer can only invite her, and once she accepts she chooses: never first-by-name.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from observers.models import Membership, Organization
from observers.services import memberships
from tallies.models import ProtocolCopy
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY, act_and_upload, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(db) -> Organization:
    """Aardvark Watch: approved, first by name, its admin Nina."""
    organization = Organization.objects.create(
        slug="aardvark", name="Aardvark Watch", status=Organization.Status.APPROVED
    )
    nina = get_user_model().objects.create_user(username="nina")
    Membership.objects.create(user=nina, organization=organization, role=Membership.Role.ADMIN)
    return organization


@pytest.fixture
def golos_copy(observer, contest, station, django_capture_on_commit_callbacks) -> ProtocolCopy:
    with django_capture_on_commit_callbacks(execute=True):
        return submit(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)


def invite(newcomer, user):
    nina = newcomer.memberships.get().user
    return memberships.invite_member(
        organization=newcomer, by=nina, username=user.username, role=Membership.Role.COORDINATOR
    )


def test_an_invitation_alone_shows_her_nothing_of_the_newcomer(client, newcomer, coordinator, golos_copy):
    invite(newcomer, coordinator)
    client.force_login(coordinator)

    home = client.get(reverse("home"))
    contests = client.get(reverse("api-contest-list"))

    assert [section["organization"].slug for section in home.context["organizations"]] == ["golos"]
    assert contests.status_code == 200 and len(contests.json()) == 1


def test_a_member_of_two_organisations_chooses_one_before_any_page_shows_data(
    client, newcomer, coordinator, contest, golos_copy
):
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    home = client.get(reverse("home"))
    desk = client.get(reverse("desk-home", args=[contest.pk]))
    api = client.get(reverse("api-contest-list"))

    sections = [section["organization"].slug for section in home.context["organizations"]]
    assert sections == ["aardvark", "golos"]  # each named, with links that name it (?org=)
    assert f"{reverse('desk-home', args=[contest.pk])}?org=golos" in home.content.decode()
    assert desk.status_code == 302 and desk["Location"].startswith(reverse("account-organization"))
    assert api.status_code == 403


def test_the_choice_holds_for_the_session_and_the_url_can_name_another(
    client, newcomer, coordinator, contest, golos_copy
):
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    chosen = client.post(reverse("account-organization"), {"organization": "golos", "next": "/"})
    golos = client.get(reverse("api-contest-list")).json()
    aardvark = client.get(reverse("api-contest-list"), {"org": "aardvark"}).json()

    assert chosen.status_code == 302 and chosen["Location"] == "/"
    assert [row["id"] for row in golos] == [contest.pk]
    assert aardvark == []
    assert client.get(reverse("api-contest-list")).json() == []  # ?org= became the session's choice


def test_nobody_chooses_an_organisation_they_do_not_coordinate(client, newcomer, coordinator):
    client.force_login(coordinator)

    chosen = client.post(reverse("account-organization"), {"organization": "aardvark"})
    named = client.get(reverse("api-contest-list"), {"org": "aardvark"})

    assert chosen.status_code == 403 and named.status_code == 403
    assert "organization" not in client.session


def test_the_switcher_sends_nobody_to_another_site(client, newcomer, coordinator):
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    response = client.post(
        reverse("account-organization"), {"organization": "golos", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("home")


@pytest.fixture
def golos_objects(observer, contest, station, golos_copy) -> dict[str, int]:
    """Golos's copy, a violation act and a photo, by the kind of route that names them."""
    act, evidence = act_and_upload(observer, contest, station, golos_copy.submitted_at)
    return {"copy": golos_copy.pk, "act": act.pk, "evidence": evidence.pk}


DETAIL_ROUTES = {  # route name → the kind of object its pk names
    "api-copy-detail": "copy",
    "act-detail": "act",
    "api-act-detail": "act",
    "evidence-detail": "evidence",
    "api-evidence-detail": "evidence",
}
LIST_ROUTES = {
    "api-copy-list": "copy",
    "act-list": "act",
    "api-act-list": "act",
    "api-evidence-list": "evidence",
}


def test_objects_read_by_id_answer_only_within_the_chosen_organisation(
    client, newcomer, coordinator, golos_objects
):
    """Issue 12: Golos's copy, act or photo is a 404 while she works in Aardvark, shown once she switches."""
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    def statuses() -> dict[str, int]:
        urls = {name: reverse(name, args=[golos_objects[kind]]) for name, kind in DETAIL_ROUTES.items()}
        return {name: client.get(url).status_code for name, url in urls.items()}

    client.post(reverse("account-organization"), {"organization": "aardvark"})
    in_aardvark = statuses()
    client.post(reverse("account-organization"), {"organization": "golos"})
    in_golos = statuses()

    assert in_aardvark == dict.fromkeys(DETAIL_ROUTES, 404)
    assert in_golos == dict.fromkeys(DETAIL_ROUTES, 200)


def test_lists_of_field_work_show_only_the_chosen_organisations(client, newcomer, coordinator, golos_objects):
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    def shown() -> dict[str, bool]:
        pages = {
            name: client.get(reverse(name), HTTP_ACCEPT="text/html,application/json") for name in LIST_ROUTES
        }
        assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(LIST_ROUTES, 200)
        return {name: str(golos_objects[LIST_ROUTES[name]]) in _ids(page) for name, page in pages.items()}

    client.post(reverse("account-organization"), {"organization": "aardvark"})
    in_aardvark = shown()
    client.post(reverse("account-organization"), {"organization": "golos"})
    in_golos = shown()

    assert in_aardvark == dict.fromkeys(LIST_ROUTES, False)
    assert in_golos == dict.fromkeys(LIST_ROUTES, True)


def test_a_member_of_two_organisations_who_chose_none_is_asked_to_choose(
    client, newcomer, coordinator, golos_objects
):
    memberships.accept_invitation(invitation=invite(newcomer, coordinator), by=coordinator)
    client.force_login(coordinator)

    web = client.get(reverse("act-detail", args=[golos_objects["act"]]))
    api = client.get(reverse("api-copy-detail", args=[golos_objects["copy"]]))

    assert web.status_code == 302 and web["Location"].startswith(reverse("account-organization"))
    assert api.status_code == 403


def _ids(page) -> set[str]:  # type: ignore[no-untyped-def]
    """The ids a list answers with: the JSON rows' ids, or the object links of an HTML page."""
    import re

    if page["Content-Type"].startswith("application/json"):
        body = page.json()
        rows = body["results"] if isinstance(body, dict) else body
        return {str(row["id"]) for row in rows}
    return set(re.findall(r'href="/[a-z]+/(\d+)/"', page.content.decode()))
