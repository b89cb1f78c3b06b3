"""Checking a form or election specification before anything is stored, naming the JSON path.

`check_form_spec` and `check_election_spec` raise SpecError such as
``$.contests[0].options[2].code: required``, ``$.lines[3].turnout_base: must be true or false`` or
``$.contests[0].name.de: unknown language`` (a name is a text or names by language, elections.names);
the services then only meet well-shaped data (their own checks name paths too: relations, time
zone, seat rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from elections.errors import SpecError
from elections.names import name_problem

TEXT, FLAG, LIST, OBJECT = str, bool, list, dict
NAME = (str, dict)  # a text, or names by language (elections.names)
FORM_KEYS = {"code": TEXT, "name": TEXT, "source": TEXT, "lines": LIST, "control_relations": LIST}
LINE_KEYS = {
    "number": TEXT,
    "code": TEXT,
    "role": TEXT,
    "labels": OBJECT,
    "headers": LIST,
    "turnout_base": FLAG,
    "turnout_numerator": FLAG,
}
RELATION_KEYS = {"code": TEXT, "expression": TEXT, "tolerance": int, "labels": OBJECT}
ELECTION_KEYS = {
    "slug": TEXT,
    "name": NAME,
    "country": TEXT,
    "held_on": TEXT,
    "time_zone": TEXT,
    "contests": LIST,
    "regions": LIST,
    "regions_source": TEXT,
}
REGION_KEYS = {"name": TEXT, "aliases": LIST}
CONTEST_KEYS = {"slug": TEXT, "name": NAME, "kind": TEXT, "form": TEXT, "options": LIST, "seat_rule": OBJECT}
OPTION_KEYS = {"code": TEXT, "name": NAME, "short_name": NAME, "against_all": FLAG, "headers": LIST}
OPTIONAL = {"source", "control_relations", "role", "labels", "headers", "turnout_base", "turnout_numerator"}
OPTIONAL |= {"tolerance", "short_name", "against_all", "seat_rule", "regions", "regions_source", "aliases"}
TYPE_NAMES: dict[Any, str] = {str: "a text", bool: "true or false", list: "a list", dict: "an object"}
TYPE_NAMES |= {int: "a whole number", NAME: "a text or an object of names by language"}


def check_form_spec(data: Any) -> None:
    """Raise SpecError naming the JSON path of the first missing, unknown or mistyped key of a form."""
    _object(data, FORM_KEYS, "$")
    for index, line in enumerate(data["lines"]):
        _object(line, LINE_KEYS, f"$.lines[{index}]")
    for index, relation in enumerate(data.get("control_relations", [])):
        _object(relation, RELATION_KEYS, f"$.control_relations[{index}]")


def check_election_spec(data: Any) -> None:
    """Raise SpecError naming the JSON path of the first missing, unknown or mistyped key of an election."""
    _object(data, ELECTION_KEYS, "$")
    _names(data, "$")
    for index, contest in enumerate(data["contests"]):
        _object(contest, CONTEST_KEYS, f"$.contests[{index}]")
        _names(contest, f"$.contests[{index}]")
        for number, option in enumerate(contest["options"]):
            _object(option, OPTION_KEYS, f"$.contests[{index}].options[{number}]")
            _names(option, f"$.contests[{index}].options[{number}]")
    for index, region in enumerate(data.get("regions", [])):
        _object(region, REGION_KEYS, f"$.regions[{index}]")


def _names(data: dict[str, Any], where: str) -> None:
    for key in ("name", "short_name"):
        problem = name_problem(data[key], f"{where}.{key}") if key in data else None
        if problem:
            raise SpecError(problem)


def _object(data: Any, keys: Mapping[str, Any], where: str) -> None:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: must be an object")
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}: unknown key (expected one of {sorted(keys)})")
    for key, kind in keys.items():
        if key not in data:
            if key not in OPTIONAL:
                raise SpecError(f"{where}.{key}: required")
        elif not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
            raise SpecError(f"{where}.{key}: must be {TYPE_NAMES[kind]}")
