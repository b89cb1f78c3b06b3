"""Reading official station-level files: formats, compressed containers and the rows' figures.

A station file is a CSV (plain, gzipped or the only member of a zip) with one row per polling
station: its region, TEC and number, and one count per protocol line and ballot option, each
column found by its header (tallies.services.columns), never by its position.
`parse_station_rows` raises ImportFileError naming the file, row and column of a bad value.
Every official file is read within `LIMITS` (config.uploads: the national 2011 file is 33 MB,
95,225 rows and 60 columns once unzipped).
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from config import uploads
from elections.models import Contest
from elections.services import StationRecord
from tallies.errors import ImportFileError
from tallies.services.columns import ColumnMap, Matched, Ref, match_columns

FIELD_LIMIT = 10_000_000
REMOTE = ("1", "true", "yes", "да", "иә")  # a "remote" cell that marks a station as virtual
LIMITS = uploads.Limits(
    max_bytes=256 * uploads.MiB, max_unpacked_bytes=256 * uploads.MiB, max_rows=500_000, max_columns=1_000
)


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of the file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_text(path: Path) -> IO[str]:
    """Open a CSV that may be plain, gzipped or the single member of a zip archive, within `LIMITS`.

    Raises ImportFileError naming the file when it (or its zip members) is too large.
    """
    try:
        return uploads.open_text(path, LIMITS)
    except uploads.UploadRefused as error:
        raise ImportFileError(f"{Path(path).name}: {error.message}") from error


def read_csv(path: Path) -> Iterator[list[str]]:
    """Yield the rows of an official CSV (header first) within `LIMITS`.

    Raises ImportFileError naming the file and row when the file passes a limit or is not CSV.
    """
    with open_text(path) as handle:
        try:
            yield from uploads.csv_rows(handle, LIMITS)
        except uploads.UploadRefused as error:
            where = f"{Path(path).name}, row {error.row}" if error.row else Path(path).name
            raise ImportFileError(f"{where}: {error.message}") from error


@dataclass(frozen=True)
class ParsedRow:
    """One station row: where it is, its figure refs (one tuple per file) and counts (None: missing)."""

    record: StationRecord
    refs: tuple[Ref, ...]  # the same tuple for every row of a file
    counts: list[int | None]  # one value per ref; None where the cell is blank (a missing figure)
    row_number: int = 0


@dataclass
class BadCell:
    """A cell that is not a count: its row (1 = the header), column header and text."""

    row: int
    column: str
    text: str


def parse_station_rows(
    contest: Contest,
    path: Path,
    column_map: ColumnMap | None = None,
    bad_cells: list[BadCell] | None = None,
) -> Iterator[ParsedRow]:
    """Yield one ParsedRow per station row of `path` that has at least one figure.

    Columns are matched by name (tallies.services.columns.match_columns). A blank cell is a
    missing figure, never 0; a row without any figure is no protocol and is skipped. A cell that
    is not a count raises ImportFileError naming its row and column, unless `bad_cells` is given:
    then it is recorded there and read as missing. An empty station number or a station listed
    twice raises ImportFileError naming the rows.
    """
    lines = list(contest.form.lines.all())
    base_line = next((line.pk for line in lines if line.is_turnout_base), None)
    reader = read_csv(path)
    header = next(reader, [])
    matched = match_columns(
        contest,
        header,
        places=("region", "tec", "number", "remote"),
        required_places=("number",),
        column_map=column_map,
        file_name=path.name,
    )
    columns = list(matched.figures.items())
    refs = tuple(ref for _, ref in columns)
    base = refs.index((base_line, None)) if (base_line, None) in refs else None  # registered voters
    pick = operator.itemgetter(*(index for index, _ in columns))
    first_rows: dict[tuple[str, ...], int] = {}
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):  # a cell lost or added shifts every figure after it
            _refuse_ragged(row, header, number, path)
        counts = _parse_counts(row, pick, columns, header, number, path, bad_cells)
        if None in counts and counts.count(None) == len(counts):
            continue
        record = _record(row, matched, number, path, None if base is None else counts[base])
        _check_listed_once(record, number, first_rows, path)
        yield ParsedRow(record, refs, counts, number)


def _refuse_ragged(row: list[str], header: list[str], number: int, path: Path) -> None:
    if len(row) < len(header):
        where = f"column {header[len(row)]!r}: the row ends before it"
    else:
        where = f"column {len(header) + 1}: a cell without a header"
    raise ImportFileError(
        f"{path.name}, row {number}, {where} ({len(row)} cells, the header has {len(header)})"
    )


def _record(row: list[str], matched: Matched, number: int, path: Path, voters: int | None) -> StationRecord:
    """The station a row is about (the row has as many cells as the header); ImportFileError for an
    empty station number."""
    places = matched.places
    if matched.split is not None:
        index, separator = matched.split
        station = row[index].strip()
        parts = station.split(separator)
        chain = tuple(separator.join(parts[: depth + 1]) for depth in range(len(parts) - 1))
    else:
        chain = ()
        if "region" in places and (region := row[places["region"]].strip()):
            chain = (region,)
        if "tec" in places and (tec := row[places["tec"]].strip()):
            chain = (*chain, tec)
        station = row[places["number"]].strip() if "number" in places else ""
    if not station:
        raise ImportFileError(f"{path.name}, row {number}: empty station number")
    remote = "remote" in places and row[places["remote"]].strip().casefold() in REMOTE
    return StationRecord(chain=chain, number=station, registered_voters=voters, is_virtual=remote)


def _check_listed_once(
    record: StationRecord, number: int, first_rows: dict[tuple[str, ...], int], path: Path
) -> None:
    """Raise ImportFileError naming both rows when a station (same commissions, same number) recurs."""
    key = tuple(name.strip().replace("/", "∕") for name in (*record.chain, record.number))
    first = first_rows.setdefault(key, number)
    if first != number:
        raise ImportFileError(
            f"{path.name}, row {number}: station {record.number!r} is already on row {first}"
        )


def _parse_counts(row, pick, columns, header, number, path, bad_cells) -> list[int | None]:  # type: ignore[no-untyped-def]
    """Parse a row's figures; the fast path checks the whole row at once, the slow one names the cell."""
    try:
        fields = pick(row)
    except IndexError:
        fields = ()
    if len(columns) == 1:
        fields = (fields,) if fields else ()
    if fields and all(fields) and "".join(fields).isdecimal():  # isdigit() passes "²", int() does not
        counts = list(map(int, fields))
        if max(counts) <= FIELD_LIMIT:
            return cast(list[int | None], counts)
    return [_parse_value(row, index, header, number, path, bad_cells) for index, _ in columns]


def _parse_value(
    row: list[str], index: int, header: list[str], number: int, path: Path, bad_cells: list[BadCell] | None
) -> int | None:
    text = row[index].strip() if index < len(row) else ""
    if not text:
        return None
    if not text.isdecimal() or int(text) > FIELD_LIMIT:
        if bad_cells is None:
            raise ImportFileError(
                f"{path.name}, row {number}, column {header[index]!r}: {text!r} is not a count of votes"
            )
        bad_cells.append(BadCell(number, header[index], text))
        return None
    return int(text)
