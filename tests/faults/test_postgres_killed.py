"""Fault (c): PostgreSQL connections killed (or the server restarted) while copies arrive.

Phones keep resending with the same idempotency key until answered; gunicorn and the worker
reconnect (CONN_HEALTH_CHECKS; tasks retry on OperationalError). The server restart runs only
with FAULTS_POSTGRES_RESTART=1, since it interrupts every other user of the machine's server.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import REPEATS, SCALE
from tests.faults.processes import restart_postgres, terminate_connections

pytestmark = [pytest.mark.slow, pytest.mark.faults]


def while_sending(phones, fault, times: int, pause: float = 0.5) -> int:  # type: ignore[no-untyped-def]
    """Run `fault` `times` times, `pause` seconds apart, while the phones send; return its total."""
    phones.revise = True  # each copy is followed by a correction of it
    sending = threading.Thread(target=phones.send, args=(SCALE["per_phone"],))
    sending.start()
    total = 0
    for _ in range(times):
        time.sleep(pause)
        total += fault() or 0
    sending.join()
    return total


def test_connections_killed_during_submissions_lose_nothing(field, stack, phones):
    killed = while_sending(phones, terminate_connections, times=3 * REPEATS)

    assert killed > 0  # gunicorn's and the worker's connections were there to kill
    assert len(phones.acknowledged) == 2 * SCALE["observers"] * SCALE["per_phone"]
    assert_nothing_lost(field, phones)


@pytest.mark.skipif(os.environ.get("FAULTS_POSTGRES_RESTART") != "1", reason="set FAULTS_POSTGRES_RESTART=1")
def test_postgres_restarted_during_submissions_loses_nothing(field, stack, phones):
    while_sending(phones, restart_postgres, times=REPEATS, pause=1.0)

    assert len(phones.acknowledged) == 2 * SCALE["observers"] * SCALE["per_phone"]
    assert_nothing_lost(field, phones)
