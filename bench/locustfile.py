"""Locust users for P1, run headless by bench.p1_api: BENCH_P1_SPEC names a JSON file with the
contest, one observer (token, stations) per user and the figures to send.

CopyUser POSTs /api/copies/ with a fresh client_uuid each time, cycling through its mandate's
stations, and keeps the keys the server acknowledged (201); on quitting they are written to the
JSON file BENCH_P1_ACKS names. HelloUser POSTs the same body to the bare /bench/hello/. No wait
between requests.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, events, task

SPEC = json.loads(Path(os.environ["BENCH_P1_SPEC"]).read_text(encoding="utf-8"))
NEXT = itertools.count()
HEADERS = {"Content-Type": "application/json", "X-Forwarded-Proto": "https"}
ACKNOWLEDGED: list[str] = []


@events.quitting.add_listener
def write_acknowledged(**kwargs: object) -> None:
    if os.environ.get("BENCH_P1_ACKS"):
        Path(os.environ["BENCH_P1_ACKS"]).write_text(json.dumps(ACKNOWLEDGED), encoding="utf-8")


class BenchUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)

    def on_start(self) -> None:
        observer = SPEC["observers"][next(NEXT) % len(SPEC["observers"])]
        self.headers = {**HEADERS, "Authorization": f"Token {observer['token']}"}
        self.stations = itertools.cycle(observer["stations"])

    def body(self) -> tuple[str, str]:
        """(the JSON body of a fresh copy, its client_uuid)."""
        key = str(uuid.uuid4())
        copy = {"client_uuid": key, "contest": SPEC["contest"], "station": next(self.stations)}
        return json.dumps(copy | SPEC["figures"]), key


class CopyUser(BenchUser):
    @task
    def submit(self) -> None:
        body, key = self.body()
        response = self.client.post("/api/copies/", data=body, headers=self.headers, name="POST /api/copies/")
        if response.status_code == 201:
            ACKNOWLEDGED.append(key)


class HelloUser(BenchUser):
    @task
    def hello(self) -> None:
        self.client.post(
            "/bench/hello/", data=self.body()[0], headers=self.headers, name="POST /bench/hello/"
        )
