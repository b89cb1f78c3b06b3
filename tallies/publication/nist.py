"""A release as an NIST SP 1500-100 version 2 `ElectionReport` (JSON), the election-results standard.

The mapping (also in the data dictionary and on the public data page):

- the organisation is the `Issuer`; the release number is the report's `ExternalIdentifier`
  (`other` / `release-number`); `Status` is `unofficial-complete` for release 1 and
  `correction` for later releases, which correct the ones before;
- every commission and station is a `ReportingUnit`: the root `country`, stations `precinct`,
  the levels between `other` with `OtherType` naming the level (e.g. `region`, `TEC`); each has
  its commission path as an `ExternalIdentifier` (`other` / `commission-path`) and its children
  as `ComposingGpUnitIds`;
- the contest is a `PartyContest` (`VoteVariation` `proportional` for a party list, else
  `plurality`) whose `ContestSelection`s are `PartySelection`s, one per ballot option;
- every figure is given **twice**, once per source, as the standard allows with `Type` `other`:
  `OtherType` `observer-copy` (the organisation's observers' accepted figures) and
  `official-protocol` (the official results snapshot). `VoteCounts` carry option votes per unit;
  `BallotCounts` (per unit and source) carry ballots cast (voters who took part, the form's
  turnout lines) and ballots rejected (the form's invalid-ballots line); a unit's
  `VotersRegistered` is the official figure where there is one, else the observers';
- control-relation findings have no place of their own in the standard: the report's `Notes`
  say how many stations' observer copies differ from the official protocol, and the release's
  other files hold them line by line.

Sources: NIST SP 1500-100 Rev. 2 and its JSON schema, usnistgov/ElectionResultsReporting,
branch version2 (a copy is in tallies/publication/standards/nist-1500-100-v2/).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tallies.publication.data import CommissionEntry, ReleaseData, StationEntry

NIST_FILE = "election-report-nist-1500-100-v2.json"
SCHEMA_PATH = (
    Path(__file__).parent / "standards" / "nist-1500-100-v2" / "NIST_V2_election_results_reporting.json"
)
SOURCES = {"observer": "observer-copy", "official": "official-protocol"}
VENDOR = "observer-tally (NIST SP 1500-100 v2 export)"


def election_report(data: ReleaseData) -> dict[str, Any]:
    """Return the release as a dict that validates against the NIST 1500-100 v2 JSON schema."""
    header = data.header
    units = _units(data)
    report = {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level" if data.stations else "summary-contest",
        "GeneratedDate": _zoned(header["created_at"]),
        "Issuer": header["organization"]["name"],
        "IssuerAbbreviation": header["organization"]["slug"],
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-complete" if header["number"] == 1 else "correction",
        "VendorApplicationId": VENDOR,
        "ExternalIdentifier": [_identifier("release-number", str(header["number"]))],
        "Notes": _notes(data),
        "GpUnit": [unit for unit, _ in units],
        "Party": [_party(option) for option in data.layout["options"]],
        "Election": [_election(data, units)],
    }
    return report


def _units(data: ReleaseData) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every commission and station as (ReportingUnit, figures by source)."""
    children: dict[int | None, list[str]] = {}
    entries: list[CommissionEntry | StationEntry] = [*data.commissions, *data.stations]
    for entry in entries:
        children.setdefault(entry.parent_id, []).append(_unit_id(entry))
    found = [(_commission_unit(c, children), c.figures) for c in data.commissions]
    found += [(_station_unit(s), s.figures) for s in data.stations]
    for unit, figures in found:
        registered = _registered(data, figures)
        if registered is not None:
            unit["VotersRegistered"] = registered
    return found


def _unit_id(entry: CommissionEntry | StationEntry) -> str:
    if isinstance(entry, StationEntry):
        return f"gpu-station-{entry.station_id}"
    return f"gpu-commission-{entry.commission_id}"


def _commission_unit(entry: CommissionEntry, children: dict[int | None, list[str]]) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "@id": _unit_id(entry),
        "@type": "ElectionResults.ReportingUnit",
        "Name": _text(entry.name),
        "ExternalIdentifier": [_identifier("commission-path", entry.path)],
    }
    if entry.parent_id is None:
        unit["Type"] = "country"
    else:
        unit |= {"Type": "other", "OtherType": entry.level or "commission"}
    composing = children.get(entry.commission_id)
    if composing:
        unit["ComposingGpUnitIds"] = composing
    return unit


def _station_unit(entry: StationEntry) -> dict[str, Any]:
    return {
        "@id": _unit_id(entry),
        "@type": "ElectionResults.ReportingUnit",
        "Type": "precinct",
        "Name": _text(entry.number),
        "Number": entry.number,
        "ExternalIdentifier": [_identifier("commission-path", entry.path)],
    }


def _registered(data: ReleaseData, figures: dict[str, Any]) -> int | None:
    codes = _codes(data, "registered")
    for source in ("official", "observer"):
        lines = (figures.get(source) or {}).get("lines") or {}
        values = [lines[code] for code in codes if lines.get(code) is not None]
        if values:
            return sum(values)
    return None


def _codes(data: ReleaseData, role: str) -> list[str]:
    """The codes of the form's lines with a role; the turnout flags where a form has no roles."""
    lines = data.layout["lines"]
    found = [line["code"] for line in lines if line.get("role") == role]
    if found:
        return found
    if role == "registered":
        return [line["code"] for line in lines if line.get("is_turnout_base")]
    if role == "took_part":
        return [line["code"] for line in lines if line.get("is_turnout_numerator")]
    return []


def _election(data: ReleaseData, units: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    header = data.header
    root = next((unit["@id"] for unit, _ in units if unit["Type"] == "country"), None)
    root = root or (units[0][0]["@id"] if units else "gpu-none")
    return {
        "@type": "ElectionResults.Election",
        "ElectionScopeId": root,
        "Name": _text(header["election"]["name"]),
        "StartDate": header["election"]["held_on"],
        "EndDate": header["election"]["held_on"],
        "Type": "general",
        "ExternalIdentifier": [_identifier("election-slug", header["election"]["slug"])],
        "BallotCounts": [count for unit, figures in units for count in _ballot_counts(data, unit, figures)],
        "Contest": [_contest(data, units, root)],
    }


def _ballot_counts(data: ReleaseData, unit: dict[str, Any], figures: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for source, other_type in SOURCES.items():
        lines = (figures.get(source) or {}).get("lines")
        if not lines:
            continue
        count: dict[str, Any] = {
            "@type": "ElectionResults.BallotCounts",
            "GpUnitId": unit["@id"],
            "Type": "other",
            "OtherType": other_type,
        }
        cast = _sum(lines, _codes(data, "took_part"))
        rejected = _sum(lines, _codes(data, "invalid"))
        if cast is not None:
            count["BallotsCast"] = cast
        if rejected is not None:
            count["BallotsRejected"] = rejected
        found.append(count)
    return found


def _sum(lines: dict[str, Any], codes: list[str]) -> int | None:
    values = [lines[code] for code in codes if lines.get(code) is not None]
    return sum(values) if codes and len(values) == len(codes) else None


def _contest(
    data: ReleaseData, units: list[tuple[dict[str, Any], dict[str, Any]]], root: str
) -> dict[str, Any]:
    contest = data.header["contest"]
    selections = []
    for position, option in enumerate(data.layout["options"], start=1):
        selections.append(
            {
                "@id": f"sel-{option['code']}",
                "@type": "ElectionResults.PartySelection",
                "PartyIds": [f"party-{option['code']}"],
                "SequenceOrder": position,
                "VoteCounts": _vote_counts(option["code"], units),
            }
        )
    return {
        "@id": f"contest-{contest['slug']}",
        "@type": "ElectionResults.PartyContest",
        "ElectionDistrictId": root,
        "Name": contest["name"],
        "VoteVariation": "proportional" if contest.get("kind") == "party_list" else "plurality",
        "ContestSelection": selections,
    }


def _vote_counts(code: str, units: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    found = []
    for unit, figures in units:
        for source, other_type in SOURCES.items():
            votes = ((figures.get(source) or {}).get("options") or {}).get(code)
            if votes is None:
                continue
            found.append(
                {
                    "@type": "ElectionResults.VoteCounts",
                    "GpUnitId": unit["@id"],
                    "Type": "other",
                    "OtherType": other_type,
                    "Count": votes,
                }
            )
    return found


def _party(option: dict[str, Any]) -> dict[str, Any]:
    party: dict[str, Any] = {
        "@id": f"party-{option['code']}",
        "@type": "ElectionResults.Party",
        "Name": _text(option["name"]),
        "ExternalIdentifier": [_identifier("option-code", option["code"])],
    }
    if option.get("short_name"):
        party["Abbreviation"] = _text(option["short_name"])
    return party


def _notes(data: ReleaseData) -> str:
    compared = [s for s in data.stations if s.is_discrepant is not None]
    discrepant = sum(1 for s in compared if s.is_discrepant)
    return (
        "Observer figures (OtherType observer-copy) are the accepted figures of the organisation's "
        "observers' copies of the precinct protocols; official figures (OtherType official-protocol) "
        f"come from the official results snapshot. Stations with a copy: {len(data.stations)}; "
        f"compared with an official protocol: {len(compared)}; of these differing on any line or "
        f"option: {discrepant}. Line-by-line differences are in discrepancies.csv of this release."
    )


def _identifier(kind: str, value: str) -> dict[str, Any]:
    return {"@type": "ElectionResults.ExternalIdentifier", "Type": "other", "OtherType": kind, "Value": value}


def _text(content: str) -> dict[str, Any]:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": content, "Language": "und"}],
    }


def _zoned(moment: str) -> str:
    """Return an ISO 8601 time as the schema's DateTimeWithZone: seconds, then Z or ±hh:mm."""
    zone = "Z" if moment.endswith(("+00:00", "Z")) else moment[-6:]
    return moment[:19] + zone


def schema() -> dict[str, Any]:
    """Return the NIST 1500-100 v2 JSON schema (draft-04) vendored with the project."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validation_errors(report: dict[str, Any], limit: int = 10) -> list[str]:
    """Return up to `limit` schema violations of `report` as 'path: message' (empty when valid)."""
    from jsonschema import Draft4Validator  # imported here: only validation needs it

    validator = Draft4Validator(schema())
    errors = sorted(validator.iter_errors(report), key=lambda error: list(error.absolute_path))
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in errors[:limit]
    ]
