"""The smaller tables of a release: violation statistics, seats, receipts and the audit chain."""

from __future__ import annotations

from typing import Any

from tallies.publication.columns import Column, Table, english
from tallies.publication.data import ReleaseData

VIOLATION_COLUMNS = [
    Column("stage", "string", "", "Stage of the election (opening, voting, counting, ...)"),
    Column("category", "string", "", "Category code of the violation types"),
    Column("category_label", "string", "", "Category name (English)"),
    Column("acts_reported", "integer", "acts", "Violation acts filed by observers, not rejected on review"),
    Column("acts_verified", "integer", "acts", "Of those, acts the organisation verified"),
]
SEAT_COLUMNS = [
    Column("option_code", "string", "", "Code of the party"),
    Column("option_name", "string", "", "Name of the party"),
    Column("official_votes", "integer", "votes", "Votes in the official results"),
    Column("official_seats", "integer", "seats", "Seats under the contest's rule from the official votes"),
    Column("observer_votes", "integer", "votes", "Votes in the observers' copies"),
    Column("observer_seats", "integer", "seats", "Seats under the same rule from the observers' votes"),
]
RECEIPT_COLUMNS = [
    Column("receipt", "string", "", "SHA-256 of an accepted copy's canonical JSON (the observer's receipt)"),
    Column("station_number", "string", "", "Polling station (precinct) number"),
    Column("commission_path", "string", "", "Codes of the commissions from the root to the station"),
]
CHAIN_COLUMNS = [
    Column("sequence", "integer", "", "Position of the entry in the organisation's audit log, from 1"),
    Column("prev_hash", "string", "", "entry_hash of the previous entry (64 zeros for the first)"),
    Column("entry_hash", "string", "", "SHA-256 of prev_hash followed by the entry's canonical JSON"),
]


def violations_table(data: ReleaseData) -> Table:
    rows = [
        [v["stage"], v["category"], english(v["category_labels"], v["category"]), v["acts"], v["verified"]]
        for v in data.violations
    ]
    text = "Counts of violation acts by stage and category; no act's text or author."
    return Table("violations", "Violation statistics", text, VIOLATION_COLUMNS, rows)


def seats_table(data: ReleaseData) -> Table | None:
    if not data.seats:
        return None
    official, observer = data.seats.get("official") or {}, data.seats.get("observer") or {}
    rows = [
        [o["code"], o["name"], *_seat_cells(official, o["code"]), *_seat_cells(observer, o["code"])]
        for o in data.layout["options"]
        if not o.get("is_against_all")
    ]
    return Table("seats", "Seats", "Seat allocation by source under the contest's rule.", SEAT_COLUMNS, rows)


def _seat_cells(source: dict[str, Any], code: str) -> list[Any]:
    seats = None if source.get("error") else source.get("seats", {}).get(code)
    return [source.get("votes", {}).get(code), seats]


def receipts_table(data: ReleaseData) -> Table:
    rows = [[r.receipt, r.station_number, r.station_path] for r in data.receipts]
    text = "Receipt hashes of the accepted copies included in this release."
    return Table("receipts", "Receipts", text, RECEIPT_COLUMNS, rows)


def chain_table(data: ReleaseData) -> Table:
    rows = [list(entry) for entry in data.chain]
    text = "The organisation's audit log as hashes only, up to the head recorded in the manifest."
    return Table("audit-chain", "Audit chain", text, CHAIN_COLUMNS, rows)


MEMBER_COLUMNS = [
    Column("organization", "string", "", "Name of a member organisation of the coalition"),
    Column("stations", "integer", "stations", "Counted stations whose figures this member supplied"),
    Column("shared", "integer", "stations", "Of those, stations another member supplied too (counted once)"),
]
ATTRIBUTION_COLUMNS = [
    Column("station_number", "string", "", "Polling station (precinct) number"),
    Column("commission_path", "string", "", "Codes of the commissions from the root to the station"),
    Column("supplied_by", "string", "", "Member organisations whose accepted figures these are ('; ')"),
]


def coalition_members_table(data: ReleaseData) -> Table | None:
    """A coalition release's members and the stations each supplied; None for one organisation's."""
    coalition = data.header.get("coalition")
    if not coalition:
        return None
    rows = [[m["name"], m["stations"], m["shared"]] for m in coalition["members"]]
    text = f"Members of the coalition {coalition['name']} and the stations each supplied figures for."
    return Table("coalition-members", "Coalition members", text, MEMBER_COLUMNS, rows)


def attribution_table(data: ReleaseData) -> Table | None:
    """Which member(s) supplied each station's figures, in a coalition release; None otherwise."""
    if not data.header.get("coalition"):
        return None
    rows = [[s.number, s.path, "; ".join(s.figures.get("supplied_by", []))] for s in data.stations]
    text = "Each station's figures by the member organisations that supplied them (no observer is named)."
    return Table("attribution", "Attribution", text, ATTRIBUTION_COLUMNS, rows)
