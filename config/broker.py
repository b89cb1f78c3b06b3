"""kombu's Redis transport with one Redis client per channel instead of one per message.

kombu 5.7's Redis channel builds a new `redis.Redis` object for every command it sends outside
its consumer (`Channel.conn_or_acquire`: each publish, queue size, purge). Building one fills a
table of about 170 response callbacks, about a fifth of a tally job's send on the API's hot path
(docs/benchmarks.md, issue 17). The client is only a front of the channel's connection pool,
which holds the connections, so this channel keeps the one it built and builds another only when
the pool is replaced (after a fork, on close). Every command still takes a connection from that
same pool, as before, with the same retries and errors: what is sent to Redis is unchanged.

Used by naming it as Celery's `broker_transport` for a `redis://` or `rediss://` broker
(config/settings.py); any other broker keeps its own transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    """A Redis channel that reuses its command client for as long as its connection pool lives."""

    _command_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        """`client` if given, else this channel's client of its current pool (built on first use)."""
        if client:
            yield client
            return
        pool = self.pool
        cached = self._command_client
        if cached is None or cached.connection_pool is not pool:
            cached = self._command_client = self._create_client()
        yield cached


class Transport(redis.Transport):
    """kombu's Redis transport with `Channel` above."""

    Channel = Channel
