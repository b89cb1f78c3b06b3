"""Desk personas and copies, and Alice's API device, shared by the tallies test modules."""

import pytest
from rest_framework.test import APIClient

from observers.login_security import issue_token
from tests.tallies.test_desk_fixtures import bob, copy, dave, olga, tina  # noqa: F401


@pytest.fixture
def alice_device(observer):
    """Alice's phone: an API client sending her token (the field app's and P1's way)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(observer.user)}")
    return client
