"""Fault (d): a gunicorn worker SIGKILLed mid-request; the phone resends, nothing is doubled."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import pytest

from tests.faults.checks import assert_nothing_lost
from tests.faults.conftest import REPEATS, SCALE

pytestmark = [pytest.mark.slow, pytest.mark.faults]


def test_gunicorn_workers_killed_mid_request_lose_and_double_nothing(field, stack, phones):
    phones.revise = True
    sending = threading.Thread(target=phones.send, args=(SCALE["per_phone"],))
    sending.start()
    kills, chosen = 0, random.Random(3)
    while sending.is_alive() and kills < 6 * REPEATS:
        time.sleep(0.3)
        pids = stack.gunicorn.worker_pids()
        if pids:
            os.kill(chosen.choice(pids), signal.SIGKILL)  # the master starts a new one
            kills += 1
    sending.join()

    assert kills and sum(phones.errors.values()) > 0, "no request was cut: the case tested nothing"
    assert len(phones.acknowledged) == 2 * SCALE["observers"] * SCALE["per_phone"]
    assert_nothing_lost(field, phones)
