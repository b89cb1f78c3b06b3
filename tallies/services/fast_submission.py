"""The API's copy submission on its hot path: a lean read of the body and one statement to store it.

An election night's submissions are nearly all the same case: an active observer sends a first
copy (or resends it) with every line filled in, under a live mandate. For that case
`submit_api_copy` reads the body by hand, validates the figures against the contest's form as
cached (tallies/services/form_cache.py), evaluates the control relations in Python, and stores
everything in one round trip: the PostgreSQL function `tallies_submit_api_copy`
(tallies/migrations/0016_submission_fast_path.py) does in one transaction what
`services.submit_protocol_copy` does (mandate lock, copy with its figure array, findings, the mandate's
"copy obtained", the station's tally state and current copy). The tally job is queued after it
commits, as before; a resend queues it again if the station is still stale, since the request
that stored the copy may have died before queueing it (the function says so, as
`tallying.requeue_if_stale` does on the full path).

Anything else answers None, having written nothing, and the caller runs the full path
(`CopyInputSerializer` and `submit_protocol_copy`), which gives every error its field and
message: a body of another shape, a missing or extra code, a count out of range, a revision,
figures marked missing, an unknown contest, a station outside the election, no live mandate, a
deactivated observer, a key used for another copy, a form edited since it was cached, a racing
resend. The acknowledgement means what it meant: stored once, validated and checked against the
control relations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.db import connection
from rest_framework import serializers

from config.outbox import enqueue_on_commit
from elections.protocol import Figures, check_relation
from tallies.services import form_cache
from tallies.services.copy_validation import MAX_VOTES
from tallies.services.form_cache import CachedForm

NOTE_LENGTH = 2000  # characters; CopyInputSerializer.note says the same
_NOTE = serializers.CharField(allow_blank=True, max_length=NOTE_LENGTH)
_WHEN = serializers.DateTimeField()
_SQL = (
    "SELECT * FROM tallies_submit_api_copy(%s, %s, %s, %s, %s, %s, %s::bigint[], %s::bigint[], "
    "%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
)
_COLUMNS = (  # as tallies_submit_api_copy RETURNS TABLE them (migrations 0016, 0041)
    "outcome", "copy_id", "state_id", "observer_code", "note", "submitted_at",
    "line_ids", "option_ids", "figure_values", "relation_ids", "lhs", "rhs",
)  # fmt: skip


@dataclass(frozen=True)
class Answer:
    """What the API answers: HTTP 201 for a stored copy, 200 for a resend; `body` as CopySerializer."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True)
class _Body:
    client_uuid: uuid.UUID
    contest: int
    station: int
    lines: dict[str, Any]
    options: dict[str, Any]
    note: str


def submit_api_copy(data: Any, user_id: int) -> Answer | None:
    """Store the copy in `data` (the parsed JSON body) sent by user `user_id`; None: take the full path.

    Stores and answers only the ordinary case (see the module's docstring); None means nothing
    was written. A new copy's tally job is queued once the store has committed.
    """
    body = _parsed(data)
    form = form_cache.form_for(body.contest) if body else None
    if body is None or form is None:
        return None
    figures = _figures(body, form)
    if figures is None:
        return None
    findings = [
        (relation, check.lhs, check.rhs)
        for relation in form.relations
        if not (check := check_relation(relation.expression, figures, relation.tolerance)).holds
    ]
    row = _store(user_id, body, form, figures, findings)
    if row["outcome"] in ("stored", "resend") and row["state_id"] is not None:
        from tallies import tasks  # tasks import services; import here to avoid a cycle

        # A resend names the state only if the station's tallies still lag the copy (migration
        # 0032, as tallying.requeue_if_stale): the first request may have died unqueued.
        enqueue_on_commit(tasks.apply_station_tally, state_id=row["state_id"])
    if row["outcome"] == "stored":
        return Answer(201, _answer(body, row, figures, findings))
    if row["outcome"] == "resend":
        return _resend(body, row, form)
    form_cache.forget(body.contest)  # perhaps edited since: read it again next time
    return None


def _parsed(data: Any) -> _Body | None:
    """The body's fields if it has the ordinary shape, else None (the serializer will say what is wrong)."""
    if type(data) is not dict or data.get("revises") is not None or data.get("missing", []) != []:
        return None  # a revision, or figures marked missing: the full path
    key, contest, station = data.get("client_uuid"), data.get("contest", 0), data.get("station", 0)
    lines, options, note = data.get("lines"), data.get("options"), data.get("note", "")
    if not (_is_id(contest) and _is_id(station) and isinstance(key, str)):
        return None
    if type(lines) is not dict or type(options) is not dict or type(note) is not str:
        return None
    try:
        client_uuid = uuid.UUID(key)
        note = _NOTE.run_validation(note) if note else ""
    except (ValueError, serializers.ValidationError):
        return None
    return _Body(client_uuid, contest, station, lines, options, note)


def _is_id(value: Any) -> TypeGuard[int]:
    """A positive integer that fits PostgreSQL's bigint (a larger one is the serializer's to refuse)."""
    return type(value) is int and 0 < value < 2**63


def _figures(body: _Body, form: CachedForm) -> Figures | None:
    """The figures in form order if every code is the form's and every count a whole number in range."""
    if body.lines.keys() != form.line_ids.keys() or body.options.keys() != form.option_ids.keys():
        return None
    lines = {code: body.lines[code] for code in form.line_ids}
    options = {code: body.options[code] for code in form.option_ids}
    for value in (*lines.values(), *options.values()):
        if type(value) is not int or not 0 <= value <= MAX_VOTES:
            return None
    return Figures(lines, options)


def _store(
    user_id: int,
    body: _Body,
    form: CachedForm,
    figures: Figures,
    findings: list[tuple[Any, int, int]],
) -> dict[str, Any]:
    arguments: list[Any] = [
        user_id,
        body.client_uuid,
        body.contest,
        form.version,
        body.station,
        body.note,
        form.line_id_array,
        form.option_id_array,
        form_cache.array_literal([*figures.lines.values(), *figures.options.values()]),
        form_cache.array_literal([relation.pk for relation, _lhs, _rhs in findings]),
        form_cache.array_literal([lhs for _relation, lhs, _rhs in findings]),
        form_cache.array_literal([rhs for _relation, _lhs, rhs in findings]),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_SQL, arguments)
        return dict(zip(_COLUMNS, cursor.fetchone(), strict=True))


def _answer(
    body: _Body, row: dict[str, Any], figures: Figures, findings: list[tuple[Any, int, int]]
) -> dict[str, Any]:
    """The copy as CopySerializer renders it (the same keys, values and formats)."""
    return {
        "id": row["copy_id"],
        "client_uuid": str(body.client_uuid),
        "contest": body.contest,
        "station": body.station,
        "observer": row["observer_code"],
        "channel": "api",
        "revises": None,
        "note": row["note"],
        "submitted_at": _WHEN.to_representation(row["submitted_at"]),
        "findings": [
            {
                "relation": relation.code,
                "label": relation.label,
                "expression": relation.expression,
                "lhs": lhs,
                "rhs": rhs,
                "difference": lhs - rhs,
            }
            for relation, lhs, rhs in findings
        ],
        "figures": {"lines": dict(figures.lines), "options": dict(figures.options)},
    }


def _resend(body: _Body, row: dict[str, Any], form: CachedForm) -> Answer | None:
    """The stored copy's answer from the figures the function read back (one element per figure
    given: its line id or option id, and its value); None if the form moved on."""
    lines: dict[str, int] = {}
    options: dict[str, int] = {}
    for line_id, option_id, value in zip(
        row["line_ids"] or [], row["option_ids"] or [], row["figure_values"] or [], strict=True
    ):
        code = form.line_codes.get(line_id) if line_id else form.option_codes.get(option_id)
        if code is None:
            return None
        (lines if line_id else options)[code] = value
    findings = []
    for relation_id, lhs, rhs in zip(
        row["relation_ids"] or [], row["lhs"] or [], row["rhs"] or [], strict=True
    ):
        relation = form.relations_by_id.get(relation_id)
        if relation is None:
            return None
        findings.append((relation, lhs, rhs))
    return Answer(200, _answer(body, row, Figures(lines, options), findings))
