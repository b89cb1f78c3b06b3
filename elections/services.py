"""Write workflows for reference data: protocol forms, elections and the commission hierarchy."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from elections import roles
from elections.bulk import insert_rows
from elections.models import (
    BallotOption,
    Commission,
    Contest,
    ControlRelation,
    Election,
    PollingStation,
    ProtocolForm,
    ProtocolLine,
    validate_time_zone,
)
from elections.protocol import OPTIONS_TOTAL, RelationSyntaxError, parse_relation

SPEC_DIR = Path(__file__).resolve().parent
BULK_BATCH = 2000


class ElectionsError(Exception):
    """Base class of reference-data errors; the message names the offending field."""


class SpecError(ElectionsError):
    """A form or election specification is invalid."""


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
def define_election(*, spec: dict[str, Any]) -> Election:
    """Create an election with its contests and ballot options from a specification.

    Idempotent on the election slug: an existing election is returned unchanged. Raises
    SpecError for an unknown form code or time zone.
    """
    aliases = region_aliases(spec.get("regions", []))
    existing = Election.objects.filter(slug=spec["slug"]).first()
    if existing and existing.region_aliases != aliases and "regions" in spec:
        existing.region_aliases = aliases
        existing.save(update_fields=["region_aliases"])
    if existing:
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
    election = Election.objects.create(
        slug=spec["slug"],
        name=spec["name"],
        country=spec["country"],
        held_on=datetime.date.fromisoformat(spec["held_on"]),
        time_zone=spec["time_zone"],
        region_aliases=aliases,
    )
    for contest_spec in spec["contests"]:
        _define_contest(election, contest_spec)
    return election


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


def _define_contest(election: Election, spec: dict[str, Any]) -> Contest:
    form = ProtocolForm.objects.filter(code=spec["form"]).first()
    if form is None:
        raise SpecError(f"contests[{spec['slug']}].form: no protocol form {spec['form']!r}")
    contest = Contest.objects.create(
        election=election, slug=spec["slug"], name=spec["name"], kind=spec["kind"], form=form
    )
    BallotOption.objects.bulk_create(
        BallotOption(
            contest=contest,
            position=position,
            code=option["code"],
            name=option["name"],
            short_name=option.get("short_name", ""),
            is_against_all=option.get("against_all", False),
            headers=_headers(option, f"contests[{spec['slug']}].options[{position - 1}].headers"),
        )
        for position, option in enumerate(spec["options"], start=1)
    )
    if "seat_rule" in spec:
        _define_seat_rule(contest, spec["seat_rule"])
    return contest


SEAT_RULE_FIELDS = (
    "seats",
    "threshold_percent",
    "threshold_base",
    "method",
    "next_party_if_single",
    "source",
)


def _define_seat_rule(contest: Contest, spec: dict[str, Any]) -> None:
    """Create the contest's seat rule (seats, threshold in percent, base, method); SpecError names the field.

    The model lives in tallies, which reads it; it is looked up by name so that this reference
    data module does not import the tallies app.
    """
    where = f"contests[{contest.slug}].seat_rule"
    unknown = set(spec) - set(SEAT_RULE_FIELDS)
    if unknown:
        raise SpecError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        values = {**spec, "threshold_percent": Decimal(str(spec.get("threshold_percent", "0")))}
        rule = apps.get_model("tallies", "SeatRule")(contest=contest, **values)
        rule.full_clean()
    except (InvalidOperation, ValidationError) as error:
        raise SpecError(f"{where}: {error}") from error
    rule.save()


@dataclass(frozen=True)
class StationRecord:
    """One polling station as an import file gives it: its chain of commission names and number.

    `chain` lists the commissions between the root and the PEC, e.g. ("Город Москва",
    "84 Пресненский район"); `number` is the precinct number; `registered_voters` in voters.
    """

    chain: tuple[str, ...]
    number: str
    registered_voters: int | None = None
    is_virtual: bool = False


def top_commission_name(election: Election, default: str | None = None) -> str:
    """The name of the election's top commission if it has one, else `default` or the country code.

    Importers pass it to ensure_hierarchy so that a file never starts a second hierarchy beside
    the one a register or an earlier file created.
    """
    root = Commission.objects.filter(election=election, parent__isnull=True).order_by("pk").first()
    return root.name if root else (default or election.country)


LEVELS_BY_DEPTH = [Commission.Level.SEC, Commission.Level.TEC]


def ensure_hierarchy(
    *, election: Election, root_name: str, stations: Iterable[StationRecord]
) -> dict[str, Commission]:
    """Create the missing commissions and stations for `stations` under a CEC named `root_name`.

    Depth 1 below the root is a region (SEC), depth 2 a TEC, deeper levels TEC too; the leaf is
    the PEC with its PollingStation. Existing nodes (same path) are reused, so importing the
    same file twice creates nothing. Returns every commission of the election by path.
    """
    by_path = {c.path: c for c in Commission.objects.filter(election=election)}
    records = list(stations)
    root_path = Commission.child_path("", _code(root_name))
    if root_path not in by_path:
        by_path[root_path] = Commission.objects.create(
            election=election,
            level=Commission.Level.CEC,
            code=_code(root_name),
            name=root_name,
            path=root_path,
        )
    depth = max((len(r.chain) for r in records), default=0)
    for level_index in range(depth):
        _create_level(election, by_path, root_path, records, level_index)
    _create_precincts(election, by_path, root_path, records)
    return by_path


def _code(name: str) -> str:
    return name.strip().replace("/", "∕")


def _chain_path(root_path: str, chain: Sequence[str]) -> str:
    path = root_path
    for name in chain:
        path = Commission.child_path(path, _code(name))
    return path


def _create_level(
    election: Election,
    by_path: dict[str, Commission],
    root_path: str,
    records: list[StationRecord],
    level_index: int,
) -> None:
    level = LEVELS_BY_DEPTH[min(level_index, len(LEVELS_BY_DEPTH) - 1)]
    new: dict[str, tuple[int, str, str]] = {}
    for record in records:
        if len(record.chain) <= level_index:
            continue
        path = _chain_path(root_path, record.chain[: level_index + 1])
        if path not in by_path and path not in new:
            parent = by_path[_chain_path(root_path, record.chain[:level_index])]
            new[path] = (parent.pk, _code(record.chain[level_index]), record.chain[level_index].strip())
    _insert_commissions(election, level, new)
    by_path.update(_reload(election, level))


def _insert_commissions(election: Election, level: str, new: dict[str, tuple[int, str, str]]) -> None:
    insert_rows(
        Commission,
        ["election_id", "level", "parent_id", "code", "name", "path"],
        ((election.pk, level, parent_id, code, name, path) for path, (parent_id, code, name) in new.items()),
    )


def _reload(election: Election, level: str) -> dict[str, Commission]:
    fields = ("id", "election_id", "level", "parent_id", "code", "name", "path")
    return {c.path: c for c in Commission.objects.filter(election=election, level=level).only(*fields)}


def _create_precincts(
    election: Election,
    by_path: dict[str, Commission],
    root_path: str,
    records: list[StationRecord],
) -> None:
    new: dict[str, tuple[int, StationRecord]] = {}
    for record in records:
        parent = by_path[_chain_path(root_path, record.chain)]
        path = Commission.child_path(parent.path, _code(record.number))
        if path not in by_path and path not in new:
            new[path] = (parent.pk, record)
    _insert_commissions(
        election,
        Commission.Level.PEC,
        {path: (parent_id, _code(r.number), r.number) for path, (parent_id, r) in new.items()},
    )
    by_path.update(_reload(election, Commission.Level.PEC))
    insert_rows(
        PollingStation,
        ["pec_id", "number", "name", "address", "registered_voters", "is_virtual"],
        (
            (by_path[path].pk, r.number, "", "", r.registered_voters, r.is_virtual)
            for path, (_, r) in new.items()
        ),
    )
