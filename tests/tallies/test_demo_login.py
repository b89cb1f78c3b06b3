"""The demo coordinator gets through the second factor with a printed single-use backup code."""

import pytest
from django.urls import reverse

from tallies import demo

pytestmark = pytest.mark.django_db


def test_it_lets_the_demo_coordinator_in_with_a_backup_code(client, settings):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    username, _password, codes = demo.ensure_demo_login(demo.demo_organization())
    client.force_login(demo.get_user_model().objects.get(username=username))

    blocked = client.get(reverse("home"))
    verified = client.post(reverse("second-factor-verify"), {"otp_token": codes[0], "next": "/"})

    assert blocked.status_code == 302 and reverse("second-factor-verify") in blocked["Location"]
    assert verified.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_it_keeps_the_same_codes_when_the_demo_runs_again():
    first = demo.ensure_demo_login(demo.demo_organization())

    assert demo.ensure_demo_login(demo.demo_organization()) == first
