"""regions.csv: every region against its official total (tallies.selectors.regional), caveats as codes.

Only in a release compared with regional totals; one row per region, empty ones ("no_copies")
included. Each option has six columns: observer share, its margin (empty when the design allows
none), official share, difference (official − observer), whether the official share lies
outside the margin, and the share the official total implies for the stations without copies.
"""

from __future__ import annotations

from typing import Any

from tallies.publication.columns import Column, Table
from tallies.publication.data import ReleaseData

CAVEATS = {
    "not_random": "Copies are not a random sample of stations: a margin covers sampling noise only.",
    "one_copy": "One copy: the figure of one station; no comparison is made.",
    "few_stations": "Fewer than 30 stations with copies: no margin.",
    "few_tecs": "Copies from fewer than 5 territorial commissions: no margin.",
    "station_list_incomplete": "The station list looks incomplete: station coverage may be overstated.",
    "implied_assumes_unchanged": (
        "The implied figures for the stations without copies assume that the observed protocols "
        "entered the official total unchanged."
    ),
    "assumption_fails": "The observed protocols hold more than the official total: the assumption fails.",
    "no_copies": "No copies in this region.",
    "no_official": "The official results have no row for this region.",
}
SHARE_KEYS = ("observer", "margin", "official", "difference", "outside_margin", "implied")
BASE_COLUMNS = [
    Column("region", "string", "", "Region (the commission directly under the root)"),
    Column(
        "status",
        "string",
        "",
        "no_official | no_copies | one_copy (the figure of one station, not compared) | no_margin "
        "(figures at the observed stations, no margin) | margin (estimate ± margin)",
    ),
    Column("stations_with_copies", "integer", "stations", "Stations with an accepted observer copy"),
    Column(
        "stations_total", "integer", "stations", "Stations in the region (official file, else station list)"
    ),
    Column("stations_percent", "number", "percent", "Stations with copies, percent of all"),
    Column("registered_voters_covered", "integer", "voters", "Registered voters at the stations with copies"),
    Column(
        "registered_voters_total", "integer", "voters", "Registered voters in the region; empty if unknown"
    ),
    Column("tecs_with_copies", "integer", "commissions", "Territorial commissions with at least one copy"),
    Column("tecs_total", "integer", "commissions", "Territorial commissions in the region"),
    Column("t_quantile", "number", "", "Student's t used for the margin (empty: no margin)"),
    Column("unobserved_stations", "integer", "stations", "Stations without copies; empty if unknown"),
    Column("caveats", "string", "", "Caveat codes separated by ';' (see the dictionary's caveats)"),
]
SHARE_TEXT = {
    "observer": "observer figure at the stations with copies",
    "margin": "95 % margin of the observer figure in points (empty: the design allows none)",
    "official": "official figure",
    "difference": "official minus observer, in points (empty: not compared)",
    "outside_margin": "true when the official figure lies outside the margin (empty: no margin)",
    "implied": "figure the official total implies for the stations without copies",
}


def regions_table(data: ReleaseData) -> Table | None:
    """The table of regions, or None when the release compared no regional totals."""
    if not data.regions:
        return None
    return regions_table_of(data.regions, data.option_codes())


def regions_table_of(regions: list[dict[str, Any]], option_codes: list[str]) -> Table:
    """The table of `regions` (tallies.selectors.regional rows) with a column group per option."""
    codes = ["turnout", *option_codes]
    columns = BASE_COLUMNS + [
        Column(f"{code}_{key}", _type(key), _unit(key), f"{_what(code)}: {SHARE_TEXT[key]}")
        for code in codes
        for key in SHARE_KEYS
    ]
    rows = [_cells(row, codes) for row in regions]
    text = "Every region against its official total. Caveats: " + " ".join(
        f"{code}: {text}" for code, text in CAVEATS.items()
    )
    return Table("regions", "Regions", text, columns, rows)


def _cells(row: dict[str, Any], codes: list[str]) -> list[Any]:
    coverage = row.get("coverage") or {}
    head = [
        row["name"],
        row["status"],
        coverage.get("stations_with_copies"),
        coverage.get("stations_total"),
        coverage.get("stations_percent"),
        coverage.get("voters_covered"),
        coverage.get("voters_total"),
        row.get("tecs_with_copies"),
        row.get("tecs_total"),
        row.get("quantile"),
        row.get("unobserved_stations"),
        ";".join(row.get("caveats", [])),
    ]
    shares = {"turnout": row.get("turnout") or {}, **(row.get("shares") or {})}
    return head + [(shares.get(code) or {}).get(key) for code in codes for key in SHARE_KEYS]


def _what(code: str) -> str:
    return "Turnout" if code == "turnout" else f"Share of {code}"


def _type(key: str) -> str:
    return "boolean" if key == "outside_margin" else "number"


def _unit(key: str) -> str:
    return "" if key == "outside_margin" else "percent"
