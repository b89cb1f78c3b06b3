"""The machine-readable data dictionary of a release (a Frictionless tabular data package).

Every CSV column is listed with its type, unit and description; release.json and release.xlsx
are described too. The package also carries what the Open Election Data principles ask a results
publication to state: the type of result, when it was last updated, its sources and licence.
"""

from __future__ import annotations

from typing import Any

from tallies.publication.columns import Column, Table
from tallies.publication.data import ReleaseData
from tallies.publication.nist import NIST_FILE

LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "CC BY 4.0"}
SOURCE_FIELDS = [
    Column("stations", "integer", "stations", "Stations the totals cover"),
    Column("lines", "object", "", "Protocol line code -> figure (ballots, voters or certificates)"),
    Column("options", "object", "votes", "Option (party or candidate) code -> votes"),
    Column("turnout", "number", "percent", "Turnout, as text with two decimals; null if unknown"),
    Column("shares", "object", "percent", "Option code -> share of all option votes, as text"),
    Column(
        "turnout_stations",
        "integer",
        "stations",
        "The stations the turnout is over, those giving every line it needs (observer figures, an"
        " official total summed from station protocols, the compared stations on both sides);"
        " null for a published official total or one protocol",
    ),
    Column(
        "turnout_lacking", "array", "", "Observer figures: the lines (lines.<code>) the other stations lack"
    ),
    Column("shares_stations", "integer", "stations", "Observer figures: the stations the shares are over"),
    Column("shares_lacking", "array", "", "Observer figures: the options (options.<code>) the others lack"),
]
NIST_DESCRIPTION = (
    "The release in the election-results common data format NIST SP 1500-100 version 2: one "
    "ElectionReport (JSON, validated against NIST's schema). Issuer: the organisation; Status: "
    "unofficial-complete for release 1, correction after; commissions and stations are "
    "ReportingUnits (country, other with OtherType = the level, precinct) with the commission path "
    "as ExternalIdentifier (OtherType commission-path) and their children as ComposingGpUnitIds; the "
    "contest is a PartyContest with one PartySelection per option. Every figure appears twice, with "
    "Type other: OtherType observer-copy (the observers' accepted figures) and official-protocol "
    "(the official results). VoteCounts: option votes; BallotCounts: BallotsCast (voters who took "
    "part) and BallotsRejected (invalid ballots); VotersRegistered: official where known, else the "
    "observers'. Notes count the stations compared and discrepant; line-level findings are in "
    "discrepancies.csv."
)
JSON_FIELDS = [
    Column("release", "object", "", "Release number, organisation, election, contest, dates, sources"),
    Column("release.audit_chain_head", "object", "", "sequence and entry_hash of the audit log head"),
    Column("layout", "object", "", "The protocol's lines (code, number, labels) and options (code, name)"),
    Column("coverage", "object", "", "Stations and registered voters the copies cover"),
    Column("seats", "object", "seats", "Seat allocation by source, or null"),
    Column("violations", "array", "acts", "Counts of violation acts by stage and category"),
    Column(
        "forensics", "object", "", "Forensic leads (not verdicts) with their method and assumptions, or null"
    ),
    Column(
        "regions[]",
        "object",
        "",
        "Every region against its official total: status, coverage, design, shares by source with the "
        "margin where allowed, implied figures for the stations without copies, caveat codes (regions.csv)",
    ),
    Column("commissions[]", "object", "", "Commission rows; figures by source (see source fields)"),
    Column("stations[]", "object", "", "Station rows; figures observer/official and differences"),
    Column("stations[].figures.differences", "object", "", "lines|options -> code -> [observer, official]"),
    Column("receipts[]", "object", "", "receipt (SHA-256) and station of each accepted copy"),
    *(Column(f"<source>.{c.name}", c.type, c.unit, c.description) for c in SOURCE_FIELDS),
]


def data_dictionary(data: ReleaseData, tables: list[Table]) -> dict[str, Any]:
    """Return the data package describing every file of the release."""
    header = data.header
    return {
        "profile": "tabular-data-package",
        "name": _package_name(header),
        "title": f"{header['organization']['name']}: {header['contest']['name']}, v{header['number']}",
        "description": "Observers' copies of precinct protocols compared with the official results.",
        "licenses": [LICENSE],
        "sources": [{"title": text} for text in header.get("credits", []) if text],
        "result_type": (header.get("official_snapshot") or {}).get("status", "none"),
        "last_updated": header["created_at"],
        "resources": [*(_csv_resource(table) for table in tables), *_other_resources()],
    }


def _package_name(header: dict[str, Any]) -> str:
    parts = [header["organization"]["slug"], header["election"]["slug"], header["contest"]["slug"]]
    return "-".join(parts).lower() + f"-v{header['number']}"


def _csv_resource(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "path": f"{table.name}.csv",
        "title": table.title,
        "description": table.description,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8-sig",
        "schema": {"fields": [column.as_field() for column in table.columns]},
    }


def _other_resources() -> list[dict[str, Any]]:
    return [
        {
            "name": "release-json",
            "path": "release.json",
            "format": "json",
            "mediatype": "application/json",
            "description": "The whole release as one JSON document.",
            "schema": {"fields": [column.as_field() for column in JSON_FIELDS]},
        },
        {
            "name": "election-report-nist",
            "path": NIST_FILE,
            "format": "json",
            "mediatype": "application/json",
            "description": NIST_DESCRIPTION,
        },
        {
            "name": "workbook",
            "path": "release.xlsx",
            "format": "xlsx",
            "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "description": "The CSV tables as sheets of one workbook, same columns.",
        },
    ]
