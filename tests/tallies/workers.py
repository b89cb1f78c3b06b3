"""Real Celery workers on the test database, fed through Redis (the worker tests' helpers).

The fixtures `queue` (a queue of the test's own) and `celery_through_redis` (this process sends
tasks to Redis instead of running them eagerly) are in tests/tallies/conftest.py.
"""

from __future__ import annotations

import os

import pytest
import redis
from django.db import connection

BROKER_URL = "redis://127.0.0.1:6379/15"


def require_services() -> None:
    """Skip without Redis; under CI fail instead, since CI must run this test."""
    reason = None
    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"needs Redis at {BROKER_URL}: {error}"
    if reason and os.environ.get("CI") == "true":
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


def database_url() -> str:
    db = connection.settings_dict  # NAME is the test database's name here
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
