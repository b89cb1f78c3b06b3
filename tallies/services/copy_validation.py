"""A copy's figures as sent, checked against the contest's protocol form before anything is stored.

The form (lines, ballot options, control relations) is read in one query; validation turns what an
observer typed into exact integer Figures or raises FieldError naming the field, so a bad copy
writes nothing (tallies.services.submission stores the valid ones).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

from django.db.models import JSONField, Value
from django.utils.translation import gettext as _

from elections.models import BallotOption, Contest, ControlRelation, PollingStation, ProtocolLine
from elections.protocol import Figures
from tallies.errors import FieldError

MAX_VOTES = 10_000_000  # no precinct protocol line can exceed this; guards against typos and junk


class ContestForm(NamedTuple):
    """A contest's protocol lines and ballot options (in form order) and control relations (by id)."""

    lines: list[ProtocolLine]
    options: list[BallotOption]
    relations: list[ControlRelation]


# The columns of the UNION below after the first (the kind) are id, owner, position, code,
# expression, tolerance, labels: the field each one gives per model (None: a filler).
_FIELDS = {
    ProtocolLine: ("id", "form_id", "position", "code", None, None, None),
    BallotOption: ("id", "contest_id", "position", "code", None, None, None),
    ControlRelation: ("id", "form_id", None, "code", "expression", "tolerance", "labels"),
}


def form_of(contest: Contest) -> ContestForm:
    """Read the contest's lines, options and relations in one query (a UNION ALL).

    They serve validation, the figure rows and the findings; the response reads their codes and
    the relations' labels. Fields not read (e.g. a line's number) are deferred, as with .only().
    """
    blank, zero, no_labels = Value(""), Value(0), Value({}, output_field=JSONField())
    lines = ProtocolLine.objects.filter(form_id=contest.form_id).values_list(
        Value(0), "id", "form_id", "position", "code", blank, zero, no_labels
    )
    options = BallotOption.objects.filter(contest_id=contest.pk).values_list(
        Value(1), "id", "contest_id", "position", "code", blank, zero, no_labels
    )
    relations = ControlRelation.objects.filter(form_id=contest.form_id).values_list(
        Value(2), "id", "form_id", zero, "code", "expression", "tolerance", "labels"
    )
    found: tuple[list, list, list] = ([], [], [])
    for kind, *values in lines.order_by().union(options.order_by(), relations.order_by(), all=True):
        found[kind].append(values)
    models_ = (ProtocolLine, BallotOption, ControlRelation)
    loaded = [_instances(model, rows, lines.db) for model, rows in zip(models_, found, strict=True)]
    return ContestForm(
        sorted(loaded[0], key=lambda line: line.position),  # form order, as ProtocolLine.Meta
        sorted(loaded[1], key=lambda option: option.position),  # ballot order, as BallotOption.Meta
        sorted(loaded[2], key=lambda relation: relation.pk),  # as ControlRelation.Meta
    )


def _instances(model: type[Any], rows: list[list[Any]], db: str) -> list[Any]:
    """Model instances from UNION rows: the fields _FIELDS names for `model`, others deferred."""
    fields = _FIELDS[model]
    names = [name for name in fields if name]
    return [
        model.from_db(db, names, [v for v, name in zip(row, fields, strict=True) if name]) for row in rows
    ]


def validated_figures(
    contest: Contest,
    form: ContestForm,
    station: PollingStation,
    lines: Mapping[str, Any],
    options: Mapping[str, Any],
    missing: Collection[str] = (),
) -> Figures:
    """The figures of a copy, checked against the contest's form `form` (read by form_of).

    `lines` and `options` map codes to whole numbers (int, or digits as text) from 0 to MAX_VOTES;
    `missing` names the figures marked "not on the copy" (``lines.<code>``/``options.<code>``),
    left out of the result. Raises FieldError naming the field (``station``, ``lines.<code>``,
    ``options.<code>``, ``missing``): a station outside the contest's election, an unknown code,
    a figure neither given nor marked missing, one both given and marked, every figure missing.
    """
    check_station(contest, station)
    line_codes = [line.code for line in form.lines]
    option_codes = [option.code for option in form.options]
    absent = _missing_codes(missing, line_codes, option_codes)
    figures = Figures(
        _counts("lines", lines, line_codes, absent),
        _counts("options", options, option_codes, absent),
    )
    if not figures.lines and not figures.options:
        raise FieldError("missing", _("every figure is marked missing: a copy needs at least one"))
    return figures


def check_station(contest: Contest, station: PollingStation) -> None:
    """Raise FieldError on "station" unless `station` belongs to the election of `contest`."""
    if station.pec.election_id != contest.election_id:
        raise FieldError(
            "station",
            _("station %(number)s is not in the election of %(contest)s")
            % {"number": station.number, "contest": contest},
        )


def _missing_codes(missing: Collection[str], line_codes: list[str], option_codes: list[str]) -> set[str]:
    """The marked-missing keys (``lines.<code>``/``options.<code>``), each a figure of the form."""
    if isinstance(missing, str) or not all(isinstance(key, str) for key in missing):
        raise FieldError("missing", _("must be a list of line and option keys"))
    known = {f"lines.{code}" for code in line_codes} | {f"options.{code}" for code in option_codes}
    unknown = sorted(set(missing) - known)
    if unknown:
        raise FieldError("missing", _("%(key)s is not a line or option of this form") % {"key": unknown[0]})
    return set(missing)


def _counts(kind: str, given: Mapping[str, Any], expected: list[str], absent: set[str]) -> dict[str, int]:
    unknown = sorted(set(given) - set(expected))
    if unknown:
        raise FieldError(f"{kind}.{unknown[0]}", _("unknown code for this protocol form"))
    counts = {}
    for code in expected:
        if f"{kind}.{code}" in absent:
            if given.get(code) not in (None, ""):
                raise FieldError(f"{kind}.{code}", _("marked as not on the copy, yet a figure is given"))
            continue
        if code not in given or given[code] is None:
            raise FieldError(f"{kind}.{code}", _("missing: enter the figure, or mark it as not on the copy"))
        counts[code] = _count(f"{kind}.{code}", given[code])
    return counts


def _count(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(field, _("must be a whole number"))
    if isinstance(value, str):
        if not value.strip().isdecimal():
            raise FieldError(field, _("must be a whole number of votes, not negative"))
        value = int(value.strip())
    if value < 0:
        raise FieldError(field, _("must not be negative"))
    if value > MAX_VOTES:
        raise FieldError(field, _("must not exceed %(limit)s") % {"limit": MAX_VOTES})
    return value
