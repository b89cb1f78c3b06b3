"""The seat rule's move from tallies to elections (issue 16) on a database migrated before it.

Only Django's state moved: the rows stay where they are, and the change log stays append-only
under the triggers elections 0008 creates in place of tallies'.
"""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from elections.models import SeatRule, SeatRuleChange

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BEFORE_THE_MOVE = [("elections", "0007_names_by_language"), ("tallies", "0023_fill_percent_bases")]


def migrate(targets):
    """Migrate the test database to `targets`; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets, at_end=True).apps


def test_an_existing_database_keeps_its_seat_rules_and_their_append_only_log(contest):
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        before = migrate(BEFORE_THE_MOVE)
        seats = before.get_model("tallies", "SeatRule").objects.get(contest_id=contest.pk).seats
        before.get_model("tallies", "SeatRuleChange").objects.create(
            contest_id=contest.pk, via="before the move", after={"seats": seats}
        )
    finally:
        migrate(leaves)

    change = SeatRuleChange.objects.get(contest=contest, via="before the move")
    assert change.after == {"seats": SeatRule.objects.get(contest=contest).seats}
    assert SeatRuleChange.objects.filter(contest=contest).count() == 2  # with the spec's
    with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
        SeatRuleChange.objects.filter(pk=change.pk).update(via="edited")
    with pytest.raises(ProgrammingError, match="pgtrigger"), transaction.atomic():
        SeatRuleChange.objects.filter(pk=change.pk).delete()
