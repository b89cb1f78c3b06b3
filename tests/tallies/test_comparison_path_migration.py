"""Migration 0039 on a database with comparisons already stored: each gets its station's PEC path."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tallies.models import StationComparison

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE = [("tallies", "0038_release_preview_language")]


def migrate(targets) -> None:  # type: ignore[no-untyped-def]
    MigrationExecutor(connection).migrate(targets)


def test_it_fills_the_path_of_every_existing_comparison(reconciled):
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM tallies_stationcomparison")
            (stored,) = cursor.fetchone()
    finally:
        migrate(leaves)

    rows = StationComparison.objects.select_related("station__pec")
    assert stored == len(rows) == 3  # two of Golos's stations and the other organisation's
    assert [row.path for row in rows] == [row.station.pec.path for row in rows]
