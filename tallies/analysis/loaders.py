"""Readers of the real data files (shared/data, read in place) into plain data for the analysis code.

- `kz-national-results/kz_national_results.csv`: Kazakh CEC national totals (press reports),
  one figure per row; see that folder's README.
- `ru-uik-shpilkin/<year>.csv.zip`: official Russian station protocols (izbirkom.ru, compiled by
  S. Shpilkin, via github.com/dkobak/elections). Columns are read by position, per year, and the
  header at each position is checked so a different file fails loudly instead of silently.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

KZ_RESULTS_FILE = Path("kz-national-results") / "kz_national_results.csv"
RU_STATIONS_DIR = Path("ru-uik-shpilkin")


@dataclass(frozen=True)
class NationalResult:
    """One Kazakh election's national totals: votes per party/candidate, seats, other figures (counts)."""

    election_id: str
    votes: dict[str, int] = field(default_factory=dict)
    seats: dict[str, int] = field(default_factory=dict)
    figures: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RuLayout:
    """Column positions (0-based) of one year's Russian station file, and the leader's header text."""

    region: int
    tik: int
    uik: int
    voters: int  # line 1: voters on the list
    invalid: int  # line 9: invalid ballots
    valid: int  # line 10: valid ballots
    leader: int
    leader_header: str
    first_option: int  # the options run from here to the last column before "url"

    @property
    def issued(self) -> range:
        """Lines 3-5: ballots issued early, in the station and outside it (the paper's turnout)."""
        return range(self.voters + 2, self.voters + 5)


RU_LAYOUTS: dict[int, RuLayout] = {
    2011: RuLayout(0, 1, 2, 3, 11, 12, 26, "ЕДИНАЯ РОССИЯ", 21),
    2018: RuLayout(0, 1, 2, 3, 11, 12, 18, "Путин", 15),
    2021: RuLayout(1, 3, 4, 5, 13, 14, 21, "ЕДИНАЯ РОССИЯ", 17),
    2024: RuLayout(0, 1, 2, 3, 11, 12, 16, "Путин", 15),
}


@dataclass(frozen=True, slots=True)
class StationRow:
    """One Russian station protocol: voters on the list, ballots in boxes (valid + invalid), leader
    votes, ballots issued (lines 3-5) and every option's votes in ballot order."""

    region: str
    tik: str
    uik: str
    voters: int
    ballots: int
    leader: int
    issued: int = 0
    options: tuple[int, ...] = ()


def read_kz_national_results(data_dir: Path) -> dict[str, NationalResult]:
    """Read the Kazakh national totals into {election_id: NationalResult}; votes and seats per party."""
    results: dict[str, NationalResult] = {}
    with (data_dir / KZ_RESULTS_FILE).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            result = results.setdefault(row["election_id"], NationalResult(row["election_id"]))
            _add_kz_row(result, row)
    return results


def _add_kz_row(result: NationalResult, row: dict[str, str]) -> None:
    if not row["value"]:
        return  # a percentage-only row (turnout as announced)
    value = int(row["value"])
    if row["item_type"] in ("party", "candidate"):
        result.votes[row["item"]] = value
        if row["seats"]:
            result.seats[row["item"]] = int(row["seats"])
    else:
        result.figures[row["item_type"]] = value


def read_ru_stations(data_dir: Path, year: int) -> list[StationRow]:
    """Read one Russian election's station protocols; skip rows without figures (2024 annexed regions)."""
    layout = RU_LAYOUTS[year]
    rows = _csv_rows(data_dir / RU_STATIONS_DIR / f"{year}.csv.zip")
    header = next(rows)
    _check_header(header, layout)
    options = range(layout.first_option, header.index("url") if "url" in header else len(header))
    return [_station(row, layout, options) for row in rows if row[layout.voters]]


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        yield from csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline=""))


def _check_header(header: list[str], layout: RuLayout) -> None:
    expected = {layout.voters: "Число избирателей", layout.invalid: "недействительных"}
    expected |= {layout.valid: "действительных", layout.leader: layout.leader_header}
    expected |= dict.fromkeys(layout.issued, "выданных")
    for position, text in expected.items():
        if text not in header[position]:
            raise ValueError(f"column {position} is {header[position]!r}, expected {text!r}")


def _station(row: list[str], layout: RuLayout, options: range) -> StationRow:
    ballots = int(row[layout.invalid]) + int(row[layout.valid])
    return StationRow(
        row[layout.region],
        row[layout.tik],
        row[layout.uik],
        int(row[layout.voters]),
        ballots,
        int(row[layout.leader]),
        sum(int(row[i]) for i in layout.issued),
        tuple(int(row[i]) for i in options),
    )
