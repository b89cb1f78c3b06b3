"""Read a roster file (CSV or XLSX) into rows of text cells; the rules are in observers.services.roster.

Limits: 2 MB (8 MB once unzipped, checked before the XLSX is parsed: config.uploads), 20 columns,
20,000 rows and 5,000 observers. CSV may be UTF-8 (with or without BOM) or Windows-1251, as
Excel saves it in Russian and Kazakh locales, separated by commas, semicolons or tabs. XLSX is
read from the first sheet, formulas as their text (so "=cmd|..." is seen and refused, never run).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from config import uploads
from observers.errors import RosterFileError

COLUMNS = ("name", "phone", "username", "email")
REQUIRED = ("name", "phone")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 20
MAX_SCANNED = 20_000  # rows read at most, blank ones included (a sheet can hold millions)
LIMITS = uploads.Limits(
    max_bytes=MAX_BYTES, max_unpacked_bytes=8 * uploads.MiB, max_rows=MAX_SCANNED, max_columns=MAX_COLUMNS
)


def read_rows(content: bytes, filename: str) -> list[dict[str, Any]]:
    """Return one {row, name, phone, username, email} dict of stripped text per non-empty row.

    Raises RosterFileError for a file over 2 MB (8 MB unzipped), 5,000 observers, 20,000 rows
    (blank ones included) or 20 columns, of another format, or whose header row lacks the name
    or phone column.
    """
    if len(content) > MAX_BYTES:
        raise RosterFileError(0, "", _("The file is larger than 2 MB."))
    try:
        table = uploads.table_rows(content, filename, LIMITS)
    except uploads.UploadRefused as error:
        raise RosterFileError(error.row, error.column, error.message) from error
    return _records(table)


def _records(table: list[list[str]]) -> list[dict[str, Any]]:
    positions = _positions(table[0] if table else [])
    records: list[dict[str, Any]] = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(cells):
            continue
        if len(records) == MAX_ROWS:
            raise RosterFileError(number, "", _("More than 5,000 observers: split the file."))
        record = {column: _cell(cells, index) for column, index in positions.items()}
        records.append({"row": number, **record})
    return records


def _positions(header: list[str]) -> dict[str, int]:
    """{column: index} from the header row; raises RosterFileError when a required column is missing."""
    names = [cell.strip().lower() for cell in header]
    for column in REQUIRED:
        if column not in names:
            message = _("The first row must name the columns: name, phone, and optionally username, email.")
            raise RosterFileError(1, column, message)
    return {column: names.index(column) for column in COLUMNS if column in names}


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""
