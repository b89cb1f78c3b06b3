"""Reading official station-level files: formats, compressed containers and the rows' figures.

A station file is a CSV (plain, gzipped or the only member of a zip) with one row per polling
station: its region, TEC and number, then one count per protocol line and ballot option,
either under columns named by their codes or at fixed positions in protocol order.
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
from typing import IO

from config import uploads
from elections.models import Contest
from elections.services import StationRecord
from tallies.errors import ImportFileError

FIELD_LIMIT = 10_000_000
LIMITS = uploads.Limits(
    max_bytes=256 * uploads.MiB, max_unpacked_bytes=256 * uploads.MiB, max_rows=500_000, max_columns=1_000
)


@dataclass(frozen=True)
class StationFileFormat:
    """Where a station-level file keeps the hierarchy and the figures.

    ``by_code``: figure columns are named by line and option codes. ``by_position``: the
    figures start at column `first_figure` and follow the form's lines, then the options,
    in protocol order (the dkobak/Shpilkin files use the Russian line wording as headers).
    """

    region: str = "region"
    tec: str = "tik"
    number: str = "uik"
    figures: str = "by_code"
    first_figure: int = 3


STATION_FORMATS = {
    "codes": StationFileFormat(),
    "dkobak": StationFileFormat(figures="by_position"),
}


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


Ref = tuple[int | None, int | None]  # (line id, option id) of a figure column


@dataclass(frozen=True)
class ParsedRow:
    record: StationRecord
    refs: tuple[Ref, ...]  # the same tuple for every row of a file
    counts: list[int]  # one value per ref


def parse_station_rows(contest: Contest, path: Path, fmt: StationFileFormat) -> Iterator[ParsedRow]:
    """Yield one ParsedRow per station row of `path`; ImportFileError on a bad header or value."""
    lines = list(contest.form.lines.all())
    options = list(contest.options.all())
    reader = read_csv(path)
    header = next(reader)
    columns = _figure_columns(header, lines, options, fmt, path)
    refs = tuple((line_id, option_id) for _, line_id, option_id in columns)
    pick = operator.itemgetter(*(index for index, _, _ in columns))
    position = {name: header.index(name) for name in (fmt.region, fmt.tec, fmt.number)}
    first_rows: dict[tuple[str, ...], int] = {}
    for number, row in enumerate(reader, start=2):
        counts = _parse_counts(row, pick, columns, header, number, path)
        record = StationRecord(
            chain=(row[position[fmt.region]], row[position[fmt.tec]]),
            number=row[position[fmt.number]].strip(),
            registered_voters=counts[0] if lines and lines[0].is_turnout_base else None,
        )
        _check_listed_once(record, number, first_rows, path)
        yield ParsedRow(record, refs, counts)


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


def _parse_counts(row, pick, columns, header, number, path) -> list[int]:  # type: ignore[no-untyped-def]
    """Parse a row's figures; the fast path checks the whole row at once, the slow one names the cell."""
    try:
        fields = pick(row)
    except IndexError:
        fields = ()
    if fields and all(fields) and "".join(fields).isdecimal():  # isdigit() passes "²", int() does not
        counts = [int(field) for field in fields]
        if max(counts) <= FIELD_LIMIT:
            return counts
    return [_parse_value(row, index, header, number, path) for index, _, _ in columns]


def _figure_columns(header, lines, options, fmt, path) -> list[tuple[int, int | None, int | None]]:  # type: ignore[no-untyped-def]
    targets = [(line.code, line.pk, None) for line in lines] + [(o.code, None, o.pk) for o in options]
    if fmt.figures == "by_position":
        if len(header) < fmt.first_figure + len(targets):
            raise ImportFileError(f"{path.name}: expected {len(targets)} figure columns")
        return [(fmt.first_figure + i, line, option) for i, (_, line, option) in enumerate(targets)]
    missing = [code for code, _, _ in targets if code not in header]
    if missing:
        raise ImportFileError(f"{path.name}: missing columns {missing}")
    return [(header.index(code), line, option) for code, line, option in targets]


def _parse_value(row: list[str], index: int, header: list[str], number: int, path: Path) -> int:
    text = row[index].strip() if index < len(row) else ""
    if not text.isdecimal() or int(text) > FIELD_LIMIT:
        raise ImportFileError(
            f"{path.name}, row {number}, column {header[index]!r}: {text!r} is not a count of votes"
        )
    return int(text)
