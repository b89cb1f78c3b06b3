"""Write workflows for reference data: protocol forms and elections from specs (JSON).

The commission hierarchy lives in elections.hierarchy, the errors in elections.errors; their names
are re-exported here for the importers that take them from this module.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from elections import roles
from elections.errors import ElectionsError, SpecError
from elections.hierarchy import StationRecord, ensure_hierarchy, ensure_hierarchy_ids, top_commission_name
from elections.models import (
    BallotOption,
    Contest,
    ControlRelation,
    Election,
    ProtocolForm,
    ProtocolLine,
    SeatRule,
    validate_time_zone,
)
from elections.names import name_problem, split_name
from elections.protocol import OPTIONS_TOTAL, RelationSyntaxError, parse_relation
from elections.seat_rules import record_change

__all__ = [
    "ElectionsError",
    "SpecError",
    "StationRecord",
    "define_election",
    "define_protocol_form",
    "ensure_hierarchy",
    "ensure_hierarchy_ids",
    "load_spec",
    "shipped_spec",
    "top_commission_name",
]

SPEC_DIR = Path(__file__).resolve().parent


def load_spec(path: Path | str) -> dict[str, Any]:
    """Read a JSON specification (a form in elections/forms/, an election in elections/specs/)."""
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def shipped_spec(kind: str, code: str) -> dict[str, Any]:
    """Return a specification shipped with the app: kind is "forms" or "specs"."""
    return load_spec(SPEC_DIR / kind / f"{code}.json")


@transaction.atomic
def define_protocol_form(*, spec: dict[str, Any]) -> ProtocolForm:
    """Create a protocol form from its specification, or return the identical existing one.

    The spec holds ``code``, ``name``, ``lines`` (number, code, labels, turnout flags) and
    ``control_relations`` (code, expression, tolerance, labels). Raises SpecError naming the
    field when a line code is not a plain name (letters, digits, _), when a relation does not
    parse or names a line the form lacks, or when a form with
    the same code but other lines already exists (forms are immutable once defined).
    """
    line_codes = [line["code"] for line in spec["lines"]]
    for index, code in enumerate(line_codes):
        if not (code.isascii() and code.isidentifier()):  # "a-b" would read as a minus
            raise SpecError(f"lines[{index}].code: {code!r} must be letters, digits and _ (relations use it)")
    _check_relations(spec.get("control_relations", []), set(line_codes))
    flags = _turnout_flags(spec)
    form, created = ProtocolForm.objects.get_or_create(
        code=spec["code"], defaults={"name": spec["name"], "source": spec.get("source", "")}
    )
    if not created:
        if form.line_codes() != line_codes:
            raise SpecError(f"form {form.code!r} exists with other lines; define a new code")
        _refresh_headers(form.lines.all(), {line["code"]: line.get("headers", []) for line in spec["lines"]})
        _refresh_roles(form, spec)
        return form
    ProtocolLine.objects.bulk_create(
        ProtocolLine(
            form=form,
            position=position,
            number=line["number"],
            code=line["code"],
            labels=line.get("labels", {}),
            is_turnout_base=line.get("turnout_base", code in flags[0]),
            is_turnout_numerator=line.get("turnout_numerator", code in flags[1]),
            role=_role(line, f"lines[{position - 1}].role"),
            headers=_headers(line, f"lines[{position - 1}].headers"),
        )
        for position, line in enumerate(spec["lines"], start=1)
        for code in [line["code"]]
    )
    ControlRelation.objects.bulk_create(
        ControlRelation(
            form=form,
            code=relation["code"],
            expression=relation["expression"],
            tolerance=relation.get("tolerance", 0),
            labels=relation.get("labels", {}),
        )
        for relation in spec.get("control_relations", [])
    )
    return form


def _headers(spec: dict[str, Any], where: str) -> list[str]:
    """The column headers a spec declares for a line or option; SpecError unless a list of texts."""
    headers = spec.get("headers", [])
    if not isinstance(headers, list) or not all(isinstance(h, str) and h.strip() for h in headers):
        raise SpecError(f"{where}: must be a list of column headers (non-empty texts)")
    return headers


def _turnout_flags(spec: dict[str, Any]) -> tuple[set[str], set[str]]:
    """The codes of the turnout base and numerator lines as the roles give them (elections.roles).

    The flags are kept for readers of released data; a spec's explicit flags win.
    """
    lines = [ProtocolLine(code=line["code"], role=line.get("role", "")) for line in spec["lines"]]
    base = roles.base_line(lines) if roles.has_roles(lines) else None
    numerators = roles.took_part_lines(lines) if roles.has_roles(lines) else []
    return ({base.code} if base else set()), {line.code for line in numerators}


def _refresh_roles(form: ProtocolForm, spec: dict[str, Any]) -> None:
    """Give an existing form's lines the roles its spec now declares (roles are not its identity)."""
    given = {line["code"]: _role(line, f"lines[{n}].role") for n, line in enumerate(spec["lines"])}
    for line in form.lines.all():
        if given.get(line.code, line.role) != line.role:
            line.role = given[line.code]
            line.save(update_fields=["role"])


def _role(spec: dict[str, Any], where: str) -> str:
    """A line's role (ProtocolLine.Role); SpecError naming the accepted values otherwise."""
    role = spec.get("role", "")
    if role not in ProtocolLine.Role.values:
        raise SpecError(f"{where}: {role!r} is not one of {[r for r in ProtocolLine.Role.values if r]}")
    return str(role)


def _refresh_headers(items: Iterable[ProtocolLine | BallotOption], by_code: dict[str, list[str]]) -> None:
    """Bring the declared column headers of existing lines or options up to the spec's.

    Headers are not part of a form's identity (its lines are): a source seen later may add one.
    """
    for item in items:
        headers = by_code.get(item.code, item.headers)
        if headers != item.headers:
            item.headers = headers
            item.save(update_fields=["headers"])


def _check_relations(relations: Sequence[dict[str, Any]], line_codes: set[str]) -> None:
    for index, relation in enumerate(relations):
        field = f"control_relations[{index}].expression"
        try:
            unknown = parse_relation(relation["expression"]).names() - line_codes - {OPTIONS_TOTAL}
        except RelationSyntaxError as error:
            raise SpecError(f"{field}: {error}") from error
        if unknown:
            raise SpecError(f"{field}: unknown line codes {sorted(unknown)}")


@transaction.atomic
def define_election(*, spec: dict[str, Any], by: User | None = None, via: str = "election spec") -> Election:
    """Create an election with its contests and ballot options from a specification.

    Idempotent on the election slug: an existing election is returned unchanged (its seat rules
    too). A seat rule created from the spec is logged as a seat-rule change by `by` through `via`
    (e.g. "manage.py load_election"; elections.models.SeatRuleChange). Raises SpecError for an
    unknown form code or time zone.
    """
    aliases = region_aliases(spec.get("regions", []))
    existing = Election.objects.filter(slug=spec["slug"]).first()
    if existing and existing.region_aliases != aliases and "regions" in spec:
        existing.region_aliases = aliases
        existing.save(update_fields=["region_aliases"])
    if existing:
        _refresh_names(existing, spec)
        for contest_spec in spec["contests"]:
            options = BallotOption.objects.filter(
                contest__election=existing, contest__slug=contest_spec["slug"]
            )
            _refresh_headers(options, {o["code"]: o.get("headers", []) for o in contest_spec["options"]})
        return existing
    try:
        validate_time_zone(spec["time_zone"])
    except Exception as error:
        raise SpecError(f"time_zone: {spec['time_zone']!r} is not an IANA time zone") from error
    name, names = _name(spec["name"], "$.name")
    election = Election.objects.create(
        slug=spec["slug"],
        name=name,
        names=names,
        country=spec["country"],
        held_on=datetime.date.fromisoformat(spec["held_on"]),
        time_zone=spec["time_zone"],
        region_aliases=aliases,
    )
    for contest_spec in spec["contests"]:
        _define_contest(election, contest_spec, Provenance(by, via))
    return election


def _name(value: Any, where: str) -> tuple[str, dict[str, str]]:
    """(name, names by language) of a spec's name (elections.names); SpecError naming `where`."""
    if value == "":
        return "", {}  # an option's short name may be left out
    problem = name_problem(value, where)
    if problem:
        raise SpecError(problem)
    return split_name(value)


def _refresh_names(election: Election, spec: dict[str, Any]) -> None:
    """Give a loaded election the spec's names by language (its stored `name`s stay as they are)."""
    election.names = _name(spec["name"], "$.name")[1]
    election.save(update_fields=["names"])
    for contest_spec in spec["contests"]:
        contest = election.contests.filter(slug=contest_spec["slug"]).first()
        if contest is None:
            continue
        contest.names = _name(contest_spec["name"], f"contests[{contest_spec['slug']}].name")[1]
        contest.save(update_fields=["names"])
        for option_spec in contest_spec["options"]:
            short_names = _name(option_spec.get("short_name", ""), "")[1]
            contest.options.filter(code=option_spec["code"]).update(
                names=_name(option_spec["name"], "")[1], short_names=short_names
            )


def region_aliases(regions: Sequence[dict[str, Any]]) -> dict[str, str]:
    """{alias: region name} from a spec's "regions": [{"name": ..., "aliases": [...]}].

    An official file may name a region by a former or other name (Astana was Nur-Sultan from
    2019 to 2022); declaring it here lets imports join the existing region instead of refusing
    the file. Raises SpecError naming the entry for a missing name or an alias of two regions.
    """
    found: dict[str, str] = {}
    for index, region in enumerate(regions):
        name = region.get("name")
        if not isinstance(name, str) or not name.strip():
            raise SpecError(f"regions[{index}].name: a region needs a name")
        for alias in region.get("aliases", []):
            if found.get(alias, name) != name:
                raise SpecError(
                    f"regions[{index}].aliases: {alias!r} is already an alias of {found[alias]!r}"
                )
            found[str(alias)] = name.strip()
        found.setdefault(name.strip(), name.strip())
    return found


@dataclass(frozen=True)
class Provenance:
    """Who loads a spec (None: nobody signed in, e.g. a migration or a test) and through what."""

    by: User | None
    via: str


def _define_contest(election: Election, spec: dict[str, Any], provenance: Provenance) -> Contest:
    form = ProtocolForm.objects.filter(code=spec["form"]).first()
    if form is None:
        raise SpecError(f"contests[{spec['slug']}].form: no protocol form {spec['form']!r}")
    name, names = _name(spec["name"], f"contests[{spec['slug']}].name")
    contest = Contest.objects.create(
        election=election, slug=spec["slug"], name=name, names=names, kind=spec["kind"], form=form
    )
    BallotOption.objects.bulk_create(
        BallotOption(
            contest=contest,
            position=position,
            code=option["code"],
            name=_name(option["name"], f"contests[{spec['slug']}].options[{position - 1}].name")[0],
            names=_name(option["name"], "")[1],
            short_name=_name(option.get("short_name", ""), "")[0],
            short_names=_name(option.get("short_name", ""), "")[1],
            is_against_all=option.get("against_all", False),
            headers=_headers(option, f"contests[{spec['slug']}].options[{position - 1}].headers"),
        )
        for position, option in enumerate(spec["options"], start=1)
    )
    if "seat_rule" in spec:
        _define_seat_rule(contest, spec["seat_rule"], provenance)
    return contest


SEAT_RULE_FIELDS = (
    "seats",
    "threshold_percent",
    "threshold_base",
    "method",
    "next_party_if_single",
    "source",
)


def _define_seat_rule(contest: Contest, spec: dict[str, Any], provenance: Provenance) -> None:
    """Create the contest's seat rule (seats, threshold in percent, base, method) and log it as a
    seat-rule change (before: none, elections.seat_rules.record_change); SpecError names the field.
    """
    where = f"contests[{contest.slug}].seat_rule"
    unknown = set(spec) - set(SEAT_RULE_FIELDS)
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        values = {**spec, "threshold_percent": Decimal(str(spec.get("threshold_percent", "0")))}
        rule = SeatRule(contest=contest, **values)
        rule.full_clean()
    except (InvalidOperation, ValidationError) as error:
        raise SpecError(f"{where}: {error}") from error
    rule.save()
    record_change(rule, before={}, by=provenance.by, via=provenance.via)
