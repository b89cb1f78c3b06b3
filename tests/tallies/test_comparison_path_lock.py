"""A reconciliation and an edit of the register's paths never overlap (migration 0039, PATHS_LOCK).

A run copies each station's PEC path into its comparisons; the register's triggers correct the
copies when a path changes, but only the copies they can see. So a run and a statement that may
change a PEC's path or a station's PEC wait for each other: each test holds one side open in a
second connection and sees the other side wait (lock_timeout turns the wait into an error).
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.db import OperationalError, connection, transaction

from elections.models import Commission, PollingStation
from tallies import services
from tallies.models import StationComparison
from tallies.services.reconciliation import PATHS_LOCK
from tests.support import LINES_PEC_120, OPTIONS_PEC_120, import_copy, write_official_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def copied(contest, observer, other_station, tmp_path, django_capture_on_commit_callbacks):
    """Station 120's official protocol and a copy that differs from it, not yet reconciled."""
    path = write_official_file(tmp_path, [("85 Тверской район", "120", LINES_PEC_120, OPTIONS_PEC_120)])
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")
        import_copy(observer, contest, other_station, {**OPTIONS_PEC_120, "p6_UR": 1}, LINES_PEC_120)
    return other_station


@pytest.fixture
def other() -> Iterator[psycopg.Connection]:
    """A second connection to the test database, in a transaction rolled back at the end."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
    ) as second:
        yield second
        second.rollback()


def waits(work) -> bool:  # type: ignore[no-untyped-def]
    """True when `work` waited for a lock (lock_timeout 200 ms); its transaction is rolled back."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            work()
    except OperationalError as error:
        assert "lock timeout" in str(error)
        return True
    return False


def test_a_run_waits_for_a_path_edit_in_progress(copied, organization, contest, other):
    other.execute("UPDATE elections_commission SET path = path WHERE id = %s", [copied.pec_id])

    run = lambda: services.reconcile(organization_id=organization.pk, contest_id=contest.pk)  # noqa: E731
    assert waits(run)
    other.rollback()
    assert not waits(run)
    assert StationComparison.objects.get(station=copied).path == copied.pec.path


def test_a_path_edit_and_a_station_move_wait_for_a_run_in_progress(copied, contest, other):
    other.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", list(PATHS_LOCK))  # as a run does
    pec = Commission.objects.filter(pk=copied.pec_id)

    assert waits(lambda: pec.update(path=pec.get().path))
    assert waits(lambda: PollingStation.objects.filter(pk=copied.pk).update(pec_id=copied.pec_id))
    assert not waits(lambda: pec.update(name="renamed"))  # not a statement that can change a path
    assert not waits(lambda: PollingStation.objects.filter(pk=copied.pk).update(registered_voters=1))
