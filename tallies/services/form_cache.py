"""A contest's protocol form as a submission reads it, kept per process and per form version.

What a submission needs from the form (the codes and ids of its lines and ballot options, its
control relations) changes only when an organiser edits the form, so it is read once, not once
per copy. Each entry carries the contest's `form_version`, a number the database changes in the
same transaction as any such edit (tallies/migrations/0016_submission_fast_path.py); the store
(`tallies_submit_api_copy`) refuses to write under another version, and the caller then reads
the form again. Entries are never trusted on their own, so no process needs telling of an edit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from elections.models import ControlRelation

_SQL = """
SELECT c.form_version, c.election_id, c.form_id, k.kind, k.id, k.position, k.code, k.expression,
       k.tolerance, k.labels
  FROM elections_contest c
  LEFT JOIN LATERAL (
      SELECT 0 AS kind, l.id, l.position, l.code::text, ''::text AS expression, 0 AS tolerance,
             '{}'::text AS labels
        FROM elections_protocolline l WHERE l.form_id = c.form_id
      UNION ALL
      SELECT 1, o.id, o.position, o.code::text, '', 0, '{}'
        FROM elections_ballotoption o WHERE o.contest_id = c.id
      UNION ALL
      SELECT 2, r.id, 0, r.code::text, r.expression::text, r.tolerance, r.labels::text
        FROM elections_controlrelation r WHERE r.form_id = c.form_id
  ) k ON true
 WHERE c.id = %s
"""


@dataclass(frozen=True)
class CachedForm:
    """A contest's form at one version: ids by code in form (ballot) order, relations by id."""

    contest_id: int
    election_id: int
    version: int
    line_ids: dict[str, int]
    option_ids: dict[str, int]
    relations: list[ControlRelation]
    line_codes: dict[int, str] = field(default_factory=dict)
    option_codes: dict[int, str] = field(default_factory=dict)
    relations_by_id: dict[int, ControlRelation] = field(default_factory=dict)
    # The copy layout's line ids and option ids (tallies.models.copy_layout: form order, then
    # ballot order, by position and id), as PostgreSQL array literals; fast_submission sends the
    # figures as one array in that order.
    line_id_array: str = "{}"
    option_id_array: str = "{}"


_forms: dict[int, CachedForm] = {}


def form_for(contest_id: int) -> CachedForm | None:
    """The contest's form as cached, read (one query) if not yet; None if no such contest."""
    form = _forms.get(contest_id)
    if form is None:
        form = _load(contest_id)
        if form is not None:
            _forms[contest_id] = form
    return form


def forget(contest_id: int) -> None:
    """Drop the contest's entry (its version was refused): the next call reads it again."""
    _forms.pop(contest_id, None)


def _load(contest_id: int) -> CachedForm | None:
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [contest_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    version, election_id, form_id = rows[0][:3]
    found: tuple[list[Any], list[Any], list[Any]] = ([], [], [])
    for *_contest, kind, pk, position, code, expression, tolerance, labels in rows:
        if kind is not None:
            found[kind].append((pk, position, code, expression, tolerance, labels))
    lines = {code: pk for pk, _pos, code, *_rest in sorted(found[0], key=lambda row: (row[1], row[0]))}
    options = {code: pk for pk, _pos, code, *_rest in sorted(found[1], key=lambda row: (row[1], row[0]))}
    relations = [
        ControlRelation(
            id=pk,
            form_id=form_id,
            code=code,
            expression=expression,
            tolerance=tolerance,
            labels=json.loads(labels),
        )
        for pk, _pos, code, expression, tolerance, labels in sorted(found[2])
    ]
    return CachedForm(
        contest_id=contest_id,
        election_id=election_id,
        version=version,
        line_ids=lines,
        option_ids=options,
        relations=relations,
        line_codes={pk: code for code, pk in lines.items()},
        option_codes={pk: code for code, pk in options.items()},
        relations_by_id={relation.pk: relation for relation in relations},
        line_id_array=array_literal(list(lines.values())),
        option_id_array=array_literal(list(options.values())),
    )


def array_literal(numbers: list[int | None]) -> str:
    """A PostgreSQL array literal of whole numbers and NULLs: `{1,NULL,3}`.

    The submission sends its arrays as such text, cast by its statement: the driver adapts a
    list element by element, which cost twice the CPU (docs/benchmarks.md, issue 17). Safe as
    a literal: every element is an int (a figure checked to be one, or an id) or None.
    """
    return "{" + ",".join(map(str, numbers)).replace("None", "NULL") + "}"  # no Python call per element
