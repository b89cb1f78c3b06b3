"""The demo's logins: a printed backup code passes the second factor; nobody else's account is touched."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from observers.models import Membership
from tallies import demo, demo_people

pytestmark = pytest.mark.django_db


def test_it_lets_the_demo_coordinator_in_with_a_backup_code(client, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    login = demo_people.member("coordinator", demo.demo_organization(), Membership.Role.COORDINATOR)
    client.force_login(get_user_model().objects.get(username=login.username))

    blocked = client.get(reverse("home"))
    verified = client.post(reverse("second-factor-verify"), {"otp_token": login.backup_codes[0], "next": "/"})

    assert blocked.status_code == 302 and reverse("second-factor-verify") in blocked["Location"]
    assert verified.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_keeps_the_same_codes_and_password_when_the_demo_runs_again():
    first = demo_people.member("admin", demo.demo_organization(), Membership.Role.ADMIN)
    user = get_user_model().objects.get(username="admin")

    assert demo_people.member("admin", demo.demo_organization(), Membership.Role.ADMIN) == first
    assert len(first.backup_codes) == demo_people.BACKUP_CODES and user.check_password(first.password)


def test_it_refuses_to_touch_an_account_the_demo_did_not_create():
    someone = get_user_model().objects.create_user(username="coordinator", password="their own")

    with pytest.raises(demo_people.DemoError, match="did not create"):
        demo_people.member("coordinator", demo.demo_organization(), Membership.Role.COORDINATOR)

    someone.refresh_from_db()
    assert someone.check_password("their own") and not someone.memberships.exists()


def test_run_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--i-know-this-is-a-demo"):
        call_command("run_demo", "--no-serve")

    assert not get_user_model().objects.exists()
