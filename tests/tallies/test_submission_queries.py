"""What one copy submission through the API costs in SQL statements, and that the savings change nothing.

Alice submits with her device token, as the field app and the P1 benchmark do, so the token
lookup is counted too. The ceilings are just above today's counts: a new statement per request
should be a decision, not an accident (docs/benchmarks.md, P1).
"""

import pytest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from observers.login_security import ObserverTokenAuthentication, issue_token
from tests.tallies.support import FIRST_COPY_QUERIES, RESEND_QUERIES, body

pytestmark = pytest.mark.django_db

URL = "/api/copies/"


def test_it_stores_a_first_copy_within_the_query_ceiling(
    alice_device, contest, station, django_assert_max_num_queries
):
    with django_assert_max_num_queries(FIRST_COPY_QUERIES):
        response = alice_device.post(URL, body(contest, station), format="json")

    assert response.status_code == 201


def test_it_answers_a_resend_within_the_query_ceiling(
    alice_device, contest, station, django_assert_max_num_queries
):
    copy = body(contest, station)
    alice_device.post(URL, copy, format="json")

    with django_assert_max_num_queries(RESEND_QUERIES):
        response = alice_device.post(URL, copy, format="json")

    assert response.status_code == 200


def test_it_answers_a_new_copy_exactly_as_it_reads_back(alice_device, contest, station):
    # ballots_valid 1000 also breaks valid == options_total and invalid + valid == ballots in boxes.
    response = alice_device.post(URL, body(contest, station, ballots_valid=1000), format="json")

    stored = alice_device.get(f"{URL}{response.data['id']}/")
    assert response.status_code == 201
    assert len(response.data["findings"]) == 3
    assert response.json() == stored.json()


def test_it_answers_a_resend_with_the_first_answer(alice_device, contest, station):
    copy = body(contest, station)
    first = alice_device.post(URL, copy, format="json")

    again = alice_device.post(URL, copy, format="json")

    assert again.json() == first.json()


def test_it_reads_a_token_its_user_and_the_second_factor_rule_in_one_query(
    settings, observer, django_assert_num_queries
):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    token = issue_token(observer.user)

    with django_assert_num_queries(1):
        user, _ = ObserverTokenAuthentication().authenticate_credentials(token)

    assert user == observer.user


def test_it_refuses_a_coordinators_token_when_the_second_factor_is_required(settings, coordinator):
    settings.OTP_REQUIRED_FOR_COORDINATORS = True
    token = issue_token(coordinator)

    with pytest.raises(AuthenticationFailed, match="second factor"):
        ObserverTokenAuthentication().authenticate_credentials(token)


def test_it_accepts_a_coordinators_token_when_no_second_factor_is_required(settings, coordinator):
    settings.OTP_REQUIRED_FOR_COORDINATORS = False
    token = issue_token(coordinator)

    user, _ = ObserverTokenAuthentication().authenticate_credentials(token)

    assert user == coordinator


def test_it_refuses_an_unknown_token_and_an_inactive_users(alice_device, observer, contest, station):
    observer.user.is_active = False
    observer.user.save(update_fields=["is_active"])

    inactive = alice_device.post(URL, body(contest, station), format="json")
    unknown = APIClient(HTTP_AUTHORIZATION="Token not-a-token").post(
        URL, body(contest, station), format="json"
    )

    # 403 rather than 401: the first authentication class (the session's) names no challenge.
    assert (inactive.status_code, str(inactive.data["detail"])) == (403, "User inactive or deleted.")
    assert (unknown.status_code, str(unknown.data["detail"])) == (403, "Invalid token.")
