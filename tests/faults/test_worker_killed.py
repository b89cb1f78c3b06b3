"""Fault (a): a Celery worker SIGKILLed mid-tally and mid-photo loses nothing.

To kill it *during* a task, not between two, the test holds a row lock that the task needs (the
organisation's national tally row; the evidence row) and waits until PostgreSQL reports the
worker's connection waiting for it. No sweep is sent: only redelivery may apply the tallies
(reject-on-worker-lost for a pool process, the visibility timeout for a whole worker).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from observers.models import Evidence
from tallies.models import StationTallyState
from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import REPEATS, SCALE
from tests.faults.field import upload_photo
from tests.faults.processes import holding_lock, wait_until, waiting_on_locks
from tests.observers.fixtures.evidence_images import GPS_IFD, jpeg_with_exif

pytestmark = [pytest.mark.slow, pytest.mark.faults]

NATIONAL_TALLY = (
    "SELECT t.id FROM tallies_observertally t JOIN elections_commission c ON c.id = t.commission_id "
    "WHERE t.organization_id = %s AND t.contest_id = %s AND c.parent_id IS NULL FOR UPDATE OF t"
)


@pytest.mark.parametrize("victim", ["pool process", "whole worker"], ids=["pool-process", "whole-worker"])
def test_a_worker_killed_mid_tally_loses_no_copy(field, stack, phones, victim):
    phones.send(1)  # one copy per phone, tallied normally: the national tally row now exists
    wait_until(lambda: _tallied(field), "the first copies tallied")
    per_round = SCALE["per_phone"]
    for round_ in range(REPEATS):
        with holding_lock(NATIONAL_TALLY, [field.organization.pk, field.contest.pk]):
            phones.send(per_round, start=1 + round_ * per_round)
            wait_until(waiting_on_locks, "the worker blocked inside apply_station_tally")
            if victim == "pool process":
                stack.worker.kill_child()
            else:
                stack.worker.kill()
        if victim == "whole worker":
            stack.worker.start()

    assert len(phones.acknowledged) == SCALE["observers"] * (1 + REPEATS * per_round)
    assert_nothing_lost(field, phones)
    if victim == "pool process":
        worker_log = (stack.folder / "worker.log").read_text(errors="replace")
        assert "SIGKILL" in worker_log  # the worker saw its pool process die mid-task


def _tallied(field) -> bool:  # type: ignore[no-untyped-def]
    states = StationTallyState.objects.filter(organization=field.organization)
    return states.exists() and not states.stale().exists()


def test_a_worker_killed_mid_photo_still_sanitises_it_once(field, stack):
    stack.worker.stop()  # the photo's job waits in Redis until the lock below is held
    answer = upload_photo(stack.gunicorn.base, field.tokens[0][0], jpeg_with_exif(size=(2000, 1500)))
    assert answer["status"] == "pending"

    with holding_lock("SELECT id FROM observers_evidence WHERE id = %s FOR UPDATE", [answer["id"]]):
        stack.worker.start()
        wait_until(waiting_on_locks, "the worker blocked inside sanitise_evidence")
        stack.worker.kill_child()

    evidence = wait_until(
        lambda: Evidence.objects.filter(pk=answer["id"], status=Evidence.Status.READY).first(),
        "photo sanitised",
    )
    media = stack.folder / "media"  # the stack's processes store files there, not in the test's storage
    image = Image.open(io.BytesIO((media / evidence.file.name).read_bytes()))
    assert not image.getexif().get_ifd(GPS_IFD) and not evidence.upload
    assert len(list((media / "evidence" / "clean").iterdir())) == 1  # sanitised once
    assert not list((media / "evidence" / "incoming").iterdir())  # the raw upload is gone
