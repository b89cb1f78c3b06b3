"""The observers of a fault case and their phones: copies sent over HTTP, resent until answered.

`build_field` makes a generated election (honest figures known for every station), an approved
organisation and observers with API tokens and live mandates. `Phones` plays the observers'
devices: each thread sends its stations' copies to /api/copies/ and, like the offline-first
client, resends the same body with the same `client_uuid` after any error or 5xx until it gets
an answer, waiting as long as a 503's Retry-After says (at most MAX_PAUSE); a copy is
*acknowledged* when the server answered 200 or 201 with its id. `upload_photo` posts one photo
to /api/evidence/ and expects a 201.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from elections.generator import GeneratedStation, plan_election
from elections.models import Contest, PollingStation
from elections.protocol import Figures
from observers.models import Organization
from tallies import generator
from tests.faults.processes import HTTPS

RESEND_PAUSE = 0.2  # seconds between resends
MAX_PAUSE = 10.0  # seconds: the longest Retry-After a phone honours
GIVE_UP = 120.0  # seconds a phone keeps resending one copy


@dataclass
class Field:
    """The election of a fault case: its contest, organisation, stations and observers' tokens."""

    contest: Contest
    organization: Organization
    honest: dict[int, Figures]  # station id → the figures on its protocol
    tokens: list[tuple[str, list[int]]]  # (API token, station ids of its mandate)


def build_field(seed: int, stations: int, observers: int) -> Field:
    """A generated election of `stations` stations and `observers` observers sharing them out."""
    plan = plan_election(seed=seed, stations=stations, falsify=Decimal(0), copies=Decimal(0))
    contest = generator.load_contest(seed)
    generator.import_official(contest, plan, seed)  # creates the commissions and stations
    by_number: dict[str, GeneratedStation] = {s.number: s for s in plan}
    station_rows = list(PollingStation.objects.filter(pec__election=contest.election).order_by("number"))
    organization = generator.generated_organization()
    tokens = []
    for index in range(observers):
        mine = station_rows[index::observers]
        token = generator.observer_with_token(
            organization, contest, mine, f"fault-observer-{index:03d}", f"FAULT-{index + 1:04d}"
        )
        tokens.append((token, [s.pk for s in mine]))
    honest = {s.pk: by_number[s.number].honest for s in station_rows}
    return Field(contest, organization, honest, tokens)


def revised(figures: Figures) -> Figures:
    """The correction a phone sends after its first copy: 3 votes moved from p6_UR to p4_KPRF."""
    moved = min(3, figures.options["p6_UR"])
    options = {**figures.options, "p6_UR": figures.options["p6_UR"] - moved}
    options["p4_KPRF"] += moved
    return Figures(dict(figures.lines), options)


@dataclass
class Phones:
    """Observers' devices sending copies (and optionally a correction of each) until answered."""

    base: str
    field: Field
    settle_bound: Any = None  # conftest.Bound: how long their copies may take to be tallied
    revise: bool = False
    acknowledged: dict[str, int] = field(default_factory=dict)  # client_uuid → copy id
    sent: set[str] = field(default_factory=set)
    errors: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, stations_per_phone: int | None = None, start: int = 0) -> None:
        """Each phone sends the copies of its stations[start:start + n], all phones at once."""
        threads = [
            threading.Thread(target=self._phone, args=(token, stations[start:][:stations_per_phone]))
            for token, stations in self.field.tokens
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _phone(self, token: str, stations: Iterable[int]) -> None:
        for station in stations:
            figures = self.field.honest[station]
            first = self._until_answered(token, station, figures, None)
            if self.revise and first is not None:
                self._until_answered(token, station, revised(figures), first)

    def _until_answered(self, token: str, station: int, figures: Figures, revises: int | None) -> int | None:
        key = str(uuid.uuid4())
        body = {"client_uuid": key, "contest": self.field.contest.pk, "station": station, "revises": revises}
        body |= {"lines": figures.lines, "options": figures.options}
        with self._lock:
            self.sent.add(key)
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            answer, pause = self._post(token, body)
            if isinstance(answer, int):
                with self._lock:
                    self.acknowledged[key] = answer
                return answer
            if answer.startswith("refused"):
                self.refused.append(f"{key}: {answer}")
                return None
            with self._lock:
                self.errors[answer] += 1
            time.sleep(pause)
        self.refused.append(f"{key}: no answer within {GIVE_UP:.0f} s")
        return None

    def _post(self, token: str, body: dict) -> tuple[int | str, float]:
        """(copy id on 200/201, "refused …" on another 4xx, or the kind of failure; seconds to wait)."""
        headers = {**HTTPS, "Content-Type": "application/json", "Authorization": f"Token {token}"}
        request = urllib.request.Request(f"{self.base}/api/copies/", json.dumps(body).encode(), headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return int(json.loads(response.read())["id"]), 0.0
        except urllib.error.HTTPError as error:
            if error.code >= 500:
                header = error.headers.get("Retry-After")
                kind = f"HTTP {error.code}" + (
                    " without Retry-After" if error.code == 503 and not header else ""
                )
                return kind, retry_after(header)
            return f"refused {error.code}: {error.read()[:300]!r}", 0.0
        except (OSError, ValueError, http.client.HTTPException) as error:
            # reset, refused, cut off, timed out; half a body (IncompleteRead: the worker was killed
            # between the headers and the body, as a phone may see it): the phone sends again
            return type(error).__name__, RESEND_PAUSE


def retry_after(header: str | None) -> float:
    """Seconds a 5xx's Retry-After (delay-seconds form) asks for, within [RESEND_PAUSE, MAX_PAUSE]."""
    try:
        return min(max(float(header or ""), RESEND_PAUSE), MAX_PAUSE)
    except ValueError:
        return RESEND_PAUSE


def upload_photo(base: str, token: str, data: bytes) -> dict:
    """POST a photo to /api/evidence/ as multipart/form-data; return the JSON answer."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="protocol.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        **HTTPS,
        "Authorization": f"Token {token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    request = urllib.request.Request(f"{base}/api/evidence/", body, headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        return json.loads(response.read())
