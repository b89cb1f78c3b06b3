"""The tables of a release: columns (name, type, unit, description) and rows, for CSV and XLSX.

Station and commission tables have one row per unit and source (tidy by source), so the columns
are the same for every source: the protocol's lines, its options, turnout and shares. Column
descriptions are in English, like the column names; the data dictionary is built from them.
"""

from __future__ import annotations

from typing import Any

from tallies.publication.columns import Column, Table, english
from tallies.publication.data import SOURCES, STATION_SOURCES, ReleaseData

SOURCE_TEXT = {
    "observer": "the organisation's observers' copies (accepted figures)",
    "official": "the official results snapshot",
    "compared_observer": "observers' copies, over the stations both sources cover",
    "compared_official": "official protocols, over the stations both sources cover",
}


def line_unit(code: str) -> str:
    """The unit of a protocol line, from its code (voters, ballots, absentee certificates)."""
    if "absentee_cert" in code:
        return "absentee certificates"
    if "voter" in code:
        return "voters"
    return "ballots"


def figure_columns(data: ReleaseData) -> list[Column]:
    """Columns for every line, then every option, then turnout and each option's share."""
    columns = [
        Column(f"line_{line['code']}", "integer", line_unit(line["code"]), _line_text(line))
        for line in data.layout["lines"]
    ]
    for option in data.layout["options"]:
        columns.append(Column(f"option_{option['code']}", "integer", "votes", f"Votes for {option['name']}"))
    columns.append(Column("turnout_percent", "number", "percent", "Turnout: voters who took part / voters"))
    columns += basis_columns("turnout", "the turnout", "line")
    for option in data.layout["options"]:
        share = f"Share of {option['name']} among all option votes"
        columns.append(Column(f"share_percent_{option['code']}", "number", "percent", share))
    columns += basis_columns("shares", "the shares", "option")
    return columns


def basis_columns(name: str, what: str, figure: str) -> list[Column]:
    """The stations a percentage of observer figures is over, and what the others lack."""
    return [
        Column(
            f"{name}_stations",
            "integer",
            "stations",
            f"Observer rows: the stations {what} is over, those whose copies give every {figure} it needs"
            " (fewer than `stations` when some copies lack one); empty for official rows",
        ),
        Column(
            f"{name}_lacking",
            "string",
            "",
            f"Observer rows: the {figure}s (codes, space-separated) that the other stations' copies lack",
        ),
    ]


def _line_text(line: dict[str, Any]) -> str:
    return f"Protocol line {line['number']}: {english(line['labels'], line['code'])}"


def figure_cells(data: ReleaseData, source: dict[str, Any] | None) -> list[Any]:
    """Cells for `figure_columns` from a stored source (empty cells when the source is missing)."""
    source = source or {}
    lines, options, shares = source.get("lines", {}), source.get("options", {}), source.get("shares", {})
    return [
        *(lines.get(code) for code in data.line_codes()),
        *(options.get(code) for code in data.option_codes()),
        source.get("turnout"),
        *_basis_cells(source, "turnout"),
        *(shares.get(code) for code in data.option_codes()),
        *_basis_cells(source, "shares"),
    ]


def _basis_cells(source: dict[str, Any], name: str) -> list[Any]:
    lacking = source.get(f"{name}_lacking")
    codes = " ".join(key.partition(".")[2] for key in lacking) if lacking else None
    return [source.get(f"{name}_stations"), codes]


def _source_column(sources: tuple[str, ...]) -> Column:
    text = "; ".join(f"{name}: {SOURCE_TEXT[name]}" for name in sources)
    return Column("source", "string", "", f"Whose figures this row holds. {text}")


STATION_COLUMNS = [
    Column("station_number", "string", "", "Polling station (precinct) number"),
    Column("commission_path", "string", "", "Codes of the commissions from the root, '/'-ended"),
    Column("region", "string", "", "Name of the region (second level of the commission tree)"),
    Column("territorial_commission", "string", "", "Name of the commission directly above the station"),
    Column("registered_voters", "integer", "voters", "Registered voters of the station, if known"),
    Column("observer_code", "string", "", "Pseudonymous code of the observer of the newest copy"),
    Column("copy_submitted_at", "datetime", "UTC", "When the newest copy was submitted (ISO 8601)"),
    Column("is_discrepant", "boolean", "", "Whether any figure differs; empty when not compared"),
]


def stations_table(data: ReleaseData) -> Table:
    """One row per station and source (observer, official)."""
    rows = [
        [
            s.number,
            s.path,
            s.region_name,
            s.parent_name,
            s.registered_voters,
            s.observer_code,
            s.copy_submitted_at,
            s.is_discrepant,
            source,
            *figure_cells(data, s.figures.get(source)),
        ]
        for s in data.stations
        for source in STATION_SOURCES
    ]
    columns = [*STATION_COLUMNS, _source_column(STATION_SOURCES), *figure_columns(data)]
    return Table("stations", "Station-level comparison", "Each observed station by source.", columns, rows)


COMMISSION_COLUMNS = [
    Column("commission_id", "integer", "", "Identifier of the commission in this system (stable)"),
    Column("parent_id", "integer", "", "Identifier of the commission above; empty for the root"),
    Column("level", "string", "", "CEC (nation), SEC (region), TEC (territorial), DEC (district)"),
    Column("code", "string", "", "Code of the commission within its parent"),
    Column("name", "string", "", "Name of the commission"),
    Column("commission_path", "string", "", "Codes of the commissions from the root, '/'-ended"),
    Column("stations_compared", "integer", "stations", "Stations with both an observer copy and an official"),
    Column("stations_discrepant", "integer", "stations", "Compared stations where any figure differs"),
    Column("stations", "integer", "stations", "Stations this row's totals cover; empty when not known"),
]


def commissions_table(data: ReleaseData) -> Table:
    """One row per commission and source with any figures."""
    rows = []
    for c in data.commissions:
        head = [c.commission_id, c.parent_id, c.level, c.code, c.name, c.path]
        for source in SOURCES:
            found = c.figures.get(source)
            if found is not None:
                stations = found["stations"] or None  # an official total that does not say: empty
                counts = [c.stations_compared, c.stations_discrepant, stations]
                rows.append([*head, *counts, source, *figure_cells(data, found)])
    columns = [*COMMISSION_COLUMNS, _source_column(SOURCES), *figure_columns(data)]
    title, text = "Commission totals", "Totals of each commission above the stations, by source."
    return Table("commissions", title, text, columns, rows)


DISCREPANCY_COLUMNS = [
    Column("station_number", "string", "", "Polling station (precinct) number"),
    Column("commission_path", "string", "", "Codes of the commissions from the root to the station"),
    Column("territorial_commission", "string", "", "Name of the commission directly above the station"),
    Column("kind", "string", "", "line (a protocol line) or option (a party or candidate)"),
    Column("code", "string", "", "Code of the line or option"),
    Column("line_number", "string", "", "Line number as printed on the protocol (empty for options)"),
    Column("label", "string", "", "Label of the line or name of the option"),
    Column("observer", "integer", "", "Figure on the observer's copy (ballots, voters or votes)"),
    Column("official", "integer", "", "Figure in the official protocol"),
    Column("difference", "integer", "", "Official minus observer"),
]


def discrepancies_table(data: ReleaseData) -> Table:
    """One row per differing figure of a compared station."""
    labels = _labels(data)
    rows = []
    for s in data.stations:
        for kind in ("lines", "options"):
            for code, (observer, official) in sorted(s.figures.get("differences", {}).get(kind, {}).items()):
                number, label = labels.get((kind, code), ("", code))
                head = [s.number, s.path, s.parent_name, kind[:-1], code, number, label]
                rows.append([*head, observer, official, official - observer])
    title, text = "Discrepancies", "Every figure where an observer's copy differs from the official."
    return Table("discrepancies", title, text, DISCREPANCY_COLUMNS, rows)


def _labels(data: ReleaseData) -> dict[tuple[str, str], tuple[str, str]]:
    lines = data.layout["lines"]
    found = {("lines", x["code"]): (x["number"], english(x["labels"], x["code"])) for x in lines}
    return found | {("options", x["code"]): ("", x["name"]) for x in data.layout["options"]}
