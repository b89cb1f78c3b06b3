"""Desk personas and copies, shared by the desk test modules."""

from tests.tallies.test_desk_fixtures import bob, copy, dave, olga, tina  # noqa: F401
