"""Bytes of the release files: CSV (UTF-8 with BOM, formula-safe), XLSX, JSON.

Spreadsheets run a text cell that starts with = + - @ tab or CR as a formula (CSV injection), so
such text gets a leading "'" (config.spreadsheet_text.safe_text); numbers stay as they are.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from config.spreadsheet_text import safe_text
from tallies.publication.columns import Table

BOM = "\ufeff"


def csv_cell(value: Any) -> str:
    """Render one CSV cell: empty for None, true/false for booleans, safe text otherwise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return safe_text(str(value))


def csv_bytes(table: Table) -> bytes:
    """Return the table as CSV: UTF-8 with a BOM (Excel reads Cyrillic right), CRLF line ends."""
    out = io.StringIO(newline="")
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([csv_cell(column.name) for column in table.columns])
    writer.writerows([csv_cell(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8")


def xlsx_cell(value: Any) -> Any:
    """Return a cell value for openpyxl: numbers as numbers, text made formula-safe."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        return float(value)  # XLSX stores doubles; the exact percentages are in the CSV and JSON
    return safe_text(str(value))


def xlsx_bytes(tables: list[Table], created_at: datetime) -> bytes:
    """Return one workbook with a sheet per table (header row first), dated `created_at`."""
    workbook = Workbook(write_only=True)
    workbook.properties.created = workbook.properties.modified = created_at.replace(tzinfo=None)
    workbook.properties.creator = "observer-tally"
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append([xlsx_cell(column.name) for column in table.columns])  # as the CSV header
        for row in table.rows:
            cells = zip(table.columns, row, strict=True)
            sheet.append([xlsx_cell(_number(column.type, cell)) for column, cell in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number(kind: str, cell: Any) -> Any:
    """Percentages travel as text ("61.23"); a numeric column makes them Decimal for the sheet."""
    if kind == "number" and isinstance(cell, str):
        return Decimal(cell)
    return cell


def json_bytes(document: Any, *, compact: bool = False) -> bytes:
    """Return `document` as UTF-8 JSON with sorted keys, newline-terminated; indented unless compact."""
    layout: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, **layout) + "\n").encode("utf-8")
