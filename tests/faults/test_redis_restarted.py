"""Fault (b): Redis restarted with tasks queued, or down while copies arrive, loses nothing.

The broker is an optimisation, not the record: every change writes its station's stale
StationTallyState (and every upload its pending Evidence) in the same transaction as the data,
and the beat jobs drain them. With an append-only file (as docker-compose.yml runs Redis) the
queued tasks survive the restart themselves; without one they are gone and the drain applies
the stations. The test sends the beat jobs' messages itself instead of waiting a minute.
"""

from __future__ import annotations

import pytest

from observers.models import Evidence
from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import SCALE
from tests.faults.field import upload_photo
from tests.faults.processes import beat_tick, wait_until
from tests.observers.fixtures.evidence_images import jpeg_with_exif

pytestmark = [pytest.mark.slow, pytest.mark.faults]


@pytest.mark.parametrize("stack", [False, True], indirect=True, ids=["in-memory", "append-only-file"])
def test_redis_restarted_with_tasks_queued_loses_no_tally_and_no_photo(field, stack, phones):
    appendonly = stack.redis.appendonly
    stack.worker.stop()  # nobody consumes: the jobs wait in Redis
    phones.send(SCALE["per_phone"])
    photo = upload_photo(stack.gunicorn.base, field.tokens[0][0], jpeg_with_exif())
    queued = stack.redis.queued()
    assert queued == len(phones.acknowledged) + 1  # a tally job per copy and the photo's job

    stack.redis.restart()

    assert stack.redis.queued() == (queued if appendonly else 0)
    stack.worker.start()
    if not appendonly:
        beat_tick(stack.redis.url, "tallies.tasks.sweep_stale_tallies")
        beat_tick(stack.redis.url, "observers.tasks.sweep_pending_evidence", older_than=0)
    assert_nothing_lost(field, phones)
    wait_until(lambda: Evidence.objects.filter(pk=photo["id"], status="ready").exists(), "photo sanitised")


def test_copies_sent_while_redis_is_down_are_acknowledged_and_tallied_later(field, stack, phones):
    stack.redis.kill()

    phones.send(SCALE["per_phone"])

    assert not phones.errors, f"phones saw errors although the database took their copies: {phones.errors}"
    stack.redis.start()
    beat_tick(stack.redis.url, "tallies.tasks.sweep_stale_tallies")
    assert_nothing_lost(field, phones)
