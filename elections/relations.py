"""Control relations as data for people and for the browser: line numbers, parsed terms.

The server's parser (elections.protocol.parse_relation) stays the only one: the copy form gets
each relation already parsed into signed terms (`relation_data`), so the browser only adds and
compares integers, and the server still judges the copy when it arrives. `numbered` writes a
relation with the line numbers printed on the protocol ("9 + 10 = 7 + 8") for a relation that
has no label in the reader's language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from elections.models import ControlRelation, ProtocolForm
from elections.protocol import OPTIONS_TOTAL, ParsedRelation, Term, parse_relation

COMPARATOR_TEXT = {"==": "=", "<=": "≤", ">=": "≥"}


def _term_text(term: Term, numbers: dict[str, str]) -> str:
    if term.name is None:
        return str(term.constant)
    if term.name == OPTIONS_TOTAL:
        return _("sum of the votes for all options")
    return numbers.get(term.name, term.name)


def _side_text(terms: tuple[Term, ...], numbers: dict[str, str]) -> str:
    text = ""
    for index, term in enumerate(terms):
        sign = "−" if term.sign < 0 else "+"
        if index == 0:
            text = ("−" if term.sign < 0 else "") + _term_text(term, numbers)
        else:
            text += f" {sign} {_term_text(term, numbers)}"
    return text


def numbered(parsed: ParsedRelation, numbers: dict[str, str]) -> str:
    """Write a parsed relation with line numbers: "9 + 10 = 7 + 8" (numbers: line code → number)."""
    lhs, rhs = _side_text(parsed.lhs, numbers), _side_text(parsed.rhs, numbers)
    return f"{lhs} {COMPARATOR_TEXT[parsed.comparator]} {rhs}"


def line_numbers(form: ProtocolForm) -> dict[str, str]:
    """Line code → the number printed on the protocol, for one form."""
    return {line.code: line.number for line in form.lines.all()}


def relation_text(relation: ControlRelation, numbers: dict[str, str]) -> str:
    """The relation's label in the reader's language, else its numbered form (never the code)."""
    parsed = parse_relation(relation.expression)
    return relation.label if relation.labels else numbered(parsed, numbers)


def _terms(terms: tuple[Term, ...]) -> list[list[Any]]:
    return [[term.sign, term.name, term.constant] for term in terms]


def relation_data(form: ProtocolForm) -> list[dict[str, Any]]:
    """The form's relations for the browser (json_script): parsed, labelled, with their tolerance.

    Shape per relation: {"code", "label", "comparator": "=="|"<="|">=", "tolerance": votes,
    "lhs"/"rhs": [[sign ±1, line code or "options_total" or null, constant], ...]}.
    """
    numbers = line_numbers(form)
    rows = []
    for relation in form.control_relations.all():
        parsed = parse_relation(relation.expression)
        rows.append(
            {
                "code": relation.code,
                "label": relation_text(relation, numbers),
                "comparator": parsed.comparator,
                "tolerance": relation.tolerance,
                "lhs": _terms(parsed.lhs),
                "rhs": _terms(parsed.rhs),
            }
        )
    return rows
