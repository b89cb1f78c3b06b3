"""Fault (c): PostgreSQL connections killed, or the server itself restarted, while copies arrive.

Phones keep resending with the same idempotency key until answered (after a 503's Retry-After);
gunicorn and the worker reconnect (CONN_HEALTH_CHECKS; tasks retry on OperationalError). The
server restart runs on a PostgreSQL server of the case's own (tests/faults/private_postgres.py),
never the machine's, which others use: so it always runs, unless FAULTS_POSTGRES_RESTART=0.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import connection

from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import REPEATS, SCALE
from tests.faults.field import GIVE_UP
from tests.faults.processes import terminate_connections, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.faults]

OUTAGE = 1.0  # seconds the server stays down before it is started again (then its own start-up)


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


@pytest.mark.skipif(os.environ.get("FAULTS_POSTGRES_RESTART") == "0", reason="FAULTS_POSTGRES_RESTART=0")
@pytest.mark.parametrize("database", ["private"], indirect=True)
def test_postgres_restarted_during_submissions_loses_nothing(database, field, stack, phones):
    """The case's own server is SIGKILLed (1st, 3rd, 5th time) or shut down fast, then restarted.

    Each restart comes once a further share of the copies is acknowledged, so phones are sending
    during every outage; each outage must answer them 503 with Retry-After, never another 5xx.
    """
    phones.revise = True  # each copy is followed by a correction of it
    expected = 2 * SCALE["observers"] * SCALE["per_phone"]
    sending = threading.Thread(target=phones.send, args=(SCALE["per_phone"],))
    sending.start()
    unavailable = []  # 503s the phones got during each outage
    for index in range(REPEATS):
        share = (index + 1) * expected // (REPEATS + 1)
        wait_until(
            lambda share=share: len(phones.acknowledged) >= share or not sending.is_alive(),
            f"{share} copies acknowledged before restart {index + 1}",
            timeout=GIVE_UP,
        )
        before = phones.errors["HTTP 503"]
        database.kill() if index % 2 == 0 else database.stop_fast()
        time.sleep(OUTAGE)
        database.start()
        connection.close()  # the test process's own connection died with the server
        unavailable.append(phones.errors["HTTP 503"] - before)
    sending.join()

    assert database.starts == 1 + REPEATS
    assert database.recoveries() == (REPEATS + 1) // 2  # every SIGKILL was a crash PostgreSQL recovered from
    assert all(unavailable), f"an outage answered no 503 (503s per outage: {unavailable})"
    other = {kind: n for kind, n in phones.errors.items() if kind.startswith("HTTP") and kind != "HTTP 503"}
    assert not other, f"the outages answered other than 503 with Retry-After: {other}"
    assert len(phones.acknowledged) == expected
    assert_nothing_lost(field, phones)
