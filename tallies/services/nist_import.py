"""Official station results published as an NIST SP 1500-100 v2 ElectionReport (JSON), read for import.

The report must validate against NIST's schema. Its precincts (`ReportingUnit` of Type
`precinct`) become stations, placed under the names of the units that compose them (root
excluded); per precinct:

- option votes from the contest's `PartySelection`/`CandidateSelection` `VoteCounts`, matched to
  the contest's options by the party's or candidate's `ExternalIdentifier` (OtherType
  `option-code`), name or abbreviation;
- voters on the list (the form's `registered` line) from the unit's `VotersRegistered`;
- invalid ballots (the form's `invalid` line) from `BallotCounts.BallotsRejected`, and voters who
  took part (the form's single `took_part` line, when it has exactly one) from `BallotsCast`.

Counts are read from `Type` `total` (an authority's file) or, failing that, `Type` `other` with
`OtherType` `official-protocol` (this project's releases), never from `observer-copy`. The
standard has no place for the other protocol lines: they are missing, never 0.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elections.models import Contest, ProtocolLine
from elections.services import StationRecord
from tallies.errors import ImportFileError
from tallies.publication.nist import validation_errors
from tallies.services.columns import Ref, normalise
from tallies.services.station_files import ParsedRow, open_text

REPORT_TYPE = "ElectionResults.ElectionReport"
OFFICIAL_KINDS = (("total", None), ("other", "official-protocol"))
Reader = Callable[[str, dict[str, Any]], int | None]


def is_nist_report(path: Path) -> bool:
    """Return whether `path` looks like an NIST 1500-100 ElectionReport (JSON naming its @type)."""
    if Path(path).suffix.lower() != ".json":
        return False
    with open_text(path) as handle:
        return REPORT_TYPE in handle.read(4096)


def read_station_rows(contest: Contest, path: Path) -> list[ParsedRow]:
    """Return one ParsedRow per precinct with a figure; ImportFileError naming what is wrong."""
    report = _load(path)
    units = {unit["@id"]: unit for unit in report.get("GpUnit", [])}
    selections = _selections(report, contest, path)
    refs, sources = _refs(report, contest, selections)
    parents = {
        child: parent for parent, unit in units.items() for child in unit.get("ComposingGpUnitIds", [])
    }
    rows = []
    for number, (unit_id, unit) in enumerate(sorted(units.items()), start=1):
        if unit.get("Type") != "precinct":
            continue
        counts = [source(unit_id, unit) for source in sources]
        if all(count is None for count in counts):
            continue
        record = StationRecord(_chain(unit_id, units, parents), _number(unit), unit.get("VotersRegistered"))
        rows.append(ParsedRow(record, refs, counts, number))
    if not rows:
        raise ImportFileError(
            f"{path.name}: no precinct of the report has an official figure; nothing to import"
        )
    return rows


def _load(path: Path) -> dict[str, Any]:
    with open_text(path) as handle:
        try:
            report = json.load(handle)
        except json.JSONDecodeError as error:
            raise ImportFileError(f"{path.name}: not JSON ({error})") from error
    errors = validation_errors(report, limit=3)
    if errors:
        raise ImportFileError(f"{path.name}: not a valid NIST SP 1500-100 v2 report: {'; '.join(errors)}")
    return report


def _selections(report: dict[str, Any], contest: Contest, path: Path) -> dict[int, dict[str, Any]]:
    """The report's selections by the contest's option id; refuse unknown or missing options."""
    names = _party_names(report)
    options = {
        normalise(name): option.pk for option in contest.options.all() for name in _option_names(option)
    }
    found: dict[int, dict[str, Any]] = {}
    for election in report.get("Election", []):
        for item in election.get("Contest", []):
            for selection in item.get("ContestSelection", []):
                ids = selection.get("PartyIds") or selection.get("CandidateIds") or []
                keys = [names.get(i, [i]) for i in ids]
                flat = [normalise(str(name)) for group in keys for name in group if name]
                option = next((options[name] for name in flat if name in options), None)
                if option is None:
                    raise ImportFileError(
                        f"{path.name}: selection {selection.get('@id')!r} names no option of the contest"
                    )
                found[option] = selection
    missing = [str(o) for o in contest.options.all() if o.pk not in found]
    if missing:
        raise ImportFileError(f"{path.name}: no votes for the options {missing}")
    return found


def _party_names(report: dict[str, Any]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    candidates = [c for election in report.get("Election", []) for c in election.get("Candidate", [])]
    for party in [*report.get("Party", []), *candidates]:
        texts = [
            text["Content"]
            for key in ("Name", "Abbreviation", "BallotName")
            for text in party.get(key, {}).get("Text", [])
        ]
        codes = [
            i["Value"] for i in party.get("ExternalIdentifier", []) if i.get("OtherType") == "option-code"
        ]
        names[party["@id"]] = [*codes, *texts]
    return names


def _option_names(option) -> list[str]:  # type: ignore[no-untyped-def]
    return [name for name in (option.code, option.name, option.short_name, *option.headers) if name]


def _refs(
    report: dict[str, Any], contest: Contest, selections: dict[int, dict[str, Any]]
) -> tuple[tuple[Ref, ...], list[Reader]]:
    """The figure refs every row shares, and for each a reader of (unit id, unit) → count or None."""
    lines = list(contest.form.lines.all())
    ballots = _official(
        [count for election in report.get("Election", []) for count in election.get("BallotCounts", [])]
    )
    pairs: list[tuple[Ref, Reader]] = []
    registered = [line for line in lines if line.role == ProtocolLine.Role.REGISTERED]
    if registered:
        pairs.append(((registered[0].pk, None), lambda unit_id, unit: unit.get("VotersRegistered")))
    for role, field in (
        (ProtocolLine.Role.INVALID, "BallotsRejected"),
        (ProtocolLine.Role.TOOK_PART, "BallotsCast"),
    ):
        found = [line for line in lines if line.role == role]
        if len(found) == 1:
            pairs.append(((found[0].pk, None), _field(ballots, field)))
    for option, selection in selections.items():
        pairs.append(((None, option), _field(_official(selection.get("VoteCounts", [])), "Count")))
    return tuple(ref for ref, _ in pairs), [reader for _, reader in pairs]


def _official(counts: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Counts by GpUnitId, from Type total or else OtherType official-protocol (never observers')."""
    for kind, other in OFFICIAL_KINDS:
        found = {
            count["GpUnitId"]: count
            for count in counts
            if count.get("Type") == kind and (other is None or count.get("OtherType") == other)
        }
        if found:
            return found
    return {}


def _field(counts: dict[str, dict[str, Any]], field: str) -> Reader:
    """A reader of one field of a unit's count (None where the unit has none): votes are whole."""
    return lambda unit_id, unit: None if (value := counts.get(unit_id, {}).get(field)) is None else int(value)


def _chain(unit_id: str, units: dict[str, dict[str, Any]], parents: dict[str, str]) -> tuple[str, ...]:
    """Names of the units above a precinct, root excluded; `parents` maps a unit to the one it composes."""
    chain, current = [], parents.get(unit_id)
    while current is not None and current in parents:
        chain.append(_name(units[current]))
        current = parents[current]
    return tuple(reversed(chain))


def _name(unit: dict[str, Any]) -> str:
    texts = unit.get("Name", {}).get("Text", [])
    return texts[0]["Content"] if texts else unit["@id"]


def _number(unit: dict[str, Any]) -> str:
    return str(unit.get("Number") or _name(unit))
