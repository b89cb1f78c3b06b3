"""A stored derived result kept current by one claimed refresh at a time (issue 17, scope 4): the
mechanism of the coalition pool (tallies.services.coalition_pool) and of the per-commission
figures (tallies.services.stored_figures).

Each result has a state row per key (its `<field>_id` columns, unique together): the versions of
the inputs it was computed from (`inputs`, a JSON document compared as a whole), the moment they
were read (`computed_at`; None: nothing stored yet), the claim of the refresh in flight
(`requested_at`) and the rest after the last one (`rest_until`, tallies.services.refresh_rest).

A refresh is asked for by a conditional UPDATE that claims the row, so at most one is in flight
per key however many ask, and none while the result rests. A claim lasts until its refresh
stores the result, or `lost_after` seconds: a message the broker redelivers is claimed again.
The refresh reads the inputs and computes the result in one database snapshot (`one_snapshot`),
stores both, clears the claim, starts the rest, and asks again if the inputs moved meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from config.outbox import enqueue_on_commit, send_or_leave_to_sweep
from tallies.services.refresh_rest import rest_until, rested

Key = dict[str, int]  # the state row's key, `<field>_id` → id; also the task's keyword arguments
Inputs = dict[str, Any]
Result = TypeVar("Result")


def lost_after() -> timedelta:
    """How long a claimed refresh may stay unfinished before it counts as lost: the broker's
    visibility timeout (CELERY_VISIBILITY_TIMEOUT, seconds), within which it redelivers an
    unacknowledged message."""
    return timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT)


def claimable(now: datetime) -> Q:
    """The state rows a refresh may be claimed for at `now`: none in flight (or its claim lost)
    and done resting (tallies.services.refresh_rest)."""
    return (Q(requested_at__isnull=True) | Q(requested_at__lt=now - lost_after())) & rested(now)


@contextmanager
def one_snapshot() -> Iterator[None]:
    """A transaction whose reads all see one moment (REPEATABLE READ), so that the stored figures
    never mix inputs; inside a caller's transaction (a test), that transaction's own."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


@dataclass(frozen=True)
class ClaimedRefresh:
    """One kind of stored result: `model` its state rows (module docstring), `key` the names of
    their key fields (("coalition_id", "contest_id")), `task` the name of the task in tallies.tasks
    that refreshes one key, called with the key as keyword arguments."""

    model: type[Model]
    key: tuple[str, ...]
    task: str

    def rows(self, key: Key) -> QuerySet[Any]:
        """The key's state row (none before the first ask)."""
        return self.model._default_manager.filter(**key)

    def request(self, key: Key) -> bool:
        """Claim the key's refresh (creating its state row if there is none) and send the task
        once the current transaction commits. True when claimed; False when a refresh is in flight
        (claimed less than `lost_after` ago) or the result rests. A broker outage after the commit
        is logged and left to the sweep (config.outbox.enqueue_on_commit), never raised."""
        if not self._claim(key, timezone.now()):
            return False
        self.enqueue(key)
        return True

    def request_now(self, key: Key) -> bool:
        """`request` for a page, which writes nothing else and runs in autocommit: the claim is
        committed by itself and the task sent at once (run in-process when tasks run eagerly).
        False also when the broker is down: the claim is then released, and the next reading or
        the sweep asks again. Raises what the task raises when it runs in-process."""
        now = timezone.now()
        if not self._claim(key, now):
            return False
        if send_or_leave_to_sweep(self._task(), **key):
            return True
        self.rows(key).filter(requested_at=now).update(requested_at=None)
        return False

    def enqueue(self, key: Key) -> None:
        """Send the task of a key the caller has claimed, once the current transaction commits."""
        enqueue_on_commit(self._task(), **key)

    def refresh(
        self,
        key: Key,
        *,
        measure: Callable[[], tuple[Inputs, Result]],
        write: Callable[[Result], dict[str, Any]],
        inputs_now: Callable[[], Inputs],
    ) -> None:
        """Compute and store the key's result, clear its claim, start its rest; ask again
        (`request`) if its inputs moved meanwhile.

        `measure()` reads the inputs and computes the result, in one snapshot; `write(result)`
        stores it in the transaction that holds the state row locked and returns the state row's
        own fields to set with it; `inputs_now()` reads the inputs again once stored. Raises what
        they raise, with nothing stored and the claim left to be lost.
        """
        with one_snapshot():
            computed_at = timezone.now()
            inputs, result = measure()
        self._ensure(key)
        with transaction.atomic():
            rows = self.rows(key)
            list(rows.select_for_update().values_list("pk"))  # one store at a time per key
            fields = write(result)
            rows.update(
                inputs=inputs,
                computed_at=computed_at,
                requested_at=None,
                rest_until=rest_until(computed_at),
                **fields,
            )
        if inputs_now() != inputs:
            self.request(key)

    def sweep(self, inputs_now: Callable[[Any], Inputs]) -> int:
        """Ask for a refresh (`request`) of every result that may be claimed now and has nothing
        stored or inputs other than `inputs_now(row)` (the state row, its key's objects loaded);
        return how many were asked for. The beat job's, every minute: it drains lost messages."""
        related = [name.removesuffix("_id") for name in self.key]
        rows: QuerySet[Any] = self.model._default_manager.filter(claimable(timezone.now()))
        rows = rows.select_related(*related)
        asked = 0
        for row in rows:
            if row.computed_at is None or row.inputs != inputs_now(row):
                asked += self.request({name: getattr(row, name) for name in self.key})
        return asked

    def _ensure(self, key: Key) -> None:
        self.model._default_manager.bulk_create([self.model(**key)], ignore_conflicts=True)

    def _claim(self, key: Key, now: datetime) -> bool:
        self._ensure(key)
        return self.rows(key).filter(claimable(now)).update(requested_at=now) > 0

    def _task(self) -> Any:
        from tallies import tasks  # tasks import services; import here to avoid a cycle

        return getattr(tasks, self.task)
