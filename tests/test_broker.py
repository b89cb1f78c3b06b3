"""The Redis transport that keeps one Redis client per channel (config.broker)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from kombu import Connection, Exchange, Queue

from config.broker import Transport
from tests.tallies.workers import BROKER_URL, require_services


def _transport_module(broker_url: str) -> str:
    """The module of the transport class the app's broker connection uses, with `broker_url` set."""
    code = (
        "from config import celery_app; print(type(celery_app.connection_for_write().transport).__module__)"
    )
    environment = {**os.environ, "CELERY_BROKER_URL": broker_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_settings_pick_it_for_a_redis_broker_and_no_other():
    assert _transport_module(BROKER_URL) == "config.broker"
    assert _transport_module("rediss://127.0.0.1:6380/0") == "config.broker"
    assert _transport_module("sentinel://127.0.0.1:26379") == "kombu.transport.redis"  # its own class there
    assert _transport_module("") == "kombu.transport.memory"  # no broker: tasks run in-process


@pytest.fixture
def queue_name():
    import uuid

    import redis

    require_services()
    name = f"test-broker-{uuid.uuid4().hex}"
    yield name
    redis.Redis.from_url(BROKER_URL).delete(name, f"_kombu.binding.{name}")


def test_it_sends_every_message_through_one_client_of_the_channels_pool(queue_name):
    queue = Queue(queue_name, Exchange(queue_name, "direct"), routing_key=queue_name)
    with Connection(BROKER_URL, transport=Transport) as connection:
        channel = connection.default_channel
        producer = connection.Producer(channel)
        sent = []

        def publish(number: int) -> None:
            producer.publish({"n": number}, exchange=queue.exchange, routing_key=queue_name, declare=[queue])
            sent.append(number)

        publish(0)
        client = channel._command_client
        assert client is not None and client.connection_pool is channel.pool
        publish(1)
        publish(2)
        assert channel._command_client is client

        channel._after_fork()  # as in a forked child: the pool is dropped, so is the client
        publish(3)
        assert channel._command_client is not client
        assert channel._command_client.connection_pool is channel.pool

        received = []
        with connection.SimpleQueue(queue) as simple:
            for _ in sent:
                message = simple.get(timeout=2)
                received.append(message.payload["n"])
                message.ack()
            with pytest.raises(simple.Empty):  # and nothing more
                simple.get(timeout=0.2)
    assert received == sent  # each message once, in order
