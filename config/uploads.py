"""Bounds on uploaded and imported tables, checked before any parser reads them.

Every importer of a CSV or XLSX (observer rosters, station lists, official results, election
set-up files) reads through this module, so one rule holds everywhere:

- the file's own size is checked first (``max_bytes``);
- a zip container (an XLSX is one) is checked from its central directory alone, before any
  member is inflated: at most ``max_members`` members, together at most ``max_unpacked_bytes``
  uncompressed. Python's zipfile never yields more than a member's declared size (a member
  that lies fails its CRC check), so the declared sizes bound what openpyxl can read. A gzip
  stream is counted while it is inflated and stopped at the same bound;
- rows (blank ones included) and columns are counted while reading, and the read stops at the
  first row past the limit.

Why: OWASP "File Upload Cheat Sheet" (archives: check uncompressed size before extraction) and
issue 12, reproduction 4 (a 409 KB roster whose sharedStrings.xml expands to 400 MiB held a web
worker at 1.2 GiB). Errors are `UploadRefused`, with a translatable message and, for a row or
column limit, the row number (1-based, header included) where reading stopped.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MiB = 1024 * 1024


class UploadRefused(Exception):
    """A file past one of its `Limits`, or not a readable CSV/XLSX: `message` says which.

    `row` is the 1-based row where reading stopped (0 for the whole file); `column` names the
    column when one is at fault, else "".
    """

    def __init__(self, message: str | Promise, row: int = 0, column: str = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """How large a file may be: bytes as stored, bytes once inflated, zip members, rows, columns."""

    max_bytes: int
    max_unpacked_bytes: int
    max_rows: int
    max_columns: int
    max_members: int = 64


def check_size(size: int, limits: Limits) -> None:
    """Raise UploadRefused when a file of `size` bytes is larger than `limits.max_bytes`."""
    if size > limits.max_bytes:
        raise UploadRefused(_("The file is larger than %(size)s.") % {"size": _megabytes(limits.max_bytes)})


def check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Raise UploadRefused when the archive has too many members or inflates past the limit.

    Reads only the central directory: nothing is decompressed.
    """
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise UploadRefused(_("The archive holds more than %(count)d files.") % {"count": limits.max_members})
    if sum(member.file_size for member in members) > limits.max_unpacked_bytes:
        raise UploadRefused(
            _("The file unpacks to more than %(size)s.") % {"size": _megabytes(limits.max_unpacked_bytes)}
        )


def xlsx_rows(content: bytes, limits: Limits) -> list[list[Any]]:
    """Return the first sheet's rows of an XLSX (formulas as text), each at most `max_columns` long.

    Raises UploadRefused for a file past `limits` (checked before openpyxl opens it), a row
    past `max_rows` (blank rows count), a value past `max_columns`, or an unreadable file.
    """
    from openpyxl import load_workbook  # imported here: most processes never read a workbook

    check_size(len(content), limits)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            check_zip(archive, limits)
    except zipfile.BadZipFile as error:
        raise UploadRefused(_("This is not a readable .xlsx file.")) from error
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as error:  # an untrusted upload: zip, XML and openpyxl errors alike
        raise UploadRefused(_("This is not a readable .xlsx file.")) from error
    try:
        rows = workbook.worksheets[0].iter_rows(max_col=limits.max_columns + 1, values_only=True)
        return list(bounded_rows((list(row) for row in rows), limits))
    except UploadRefused:
        raise
    except Exception as error:  # malformed sheet XML surfaces only while reading rows
        raise UploadRefused(_("This is not a readable .xlsx file.")) from error
    finally:
        workbook.close()


def table_rows(content: bytes, filename: str, limits: Limits) -> list[list[str]]:
    """Return an uploaded .csv/.txt or .xlsx file's rows as text cells (header row first).

    CSV may be UTF-8 (with or without BOM) or Windows-1251, as Excel saves it in Russian and
    Kazakh locales, separated by commas, semicolons or tabs. XLSX is read from the first sheet,
    formulas as their text (so "=cmd|..." is seen, never run); whole numbers lose their ".0"
    (phones typed as numbers), empty cells read as "". Raises UploadRefused for another file
    type, a file past `limits`, or one that cannot be read.
    """
    check_size(len(content), limits)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return [[_text(value) for value in row] for row in xlsx_rows(content, limits)]
    if name.endswith((".csv", ".txt")):
        text = _decoded(content)
        try:
            dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return list(csv_rows(io.StringIO(text), limits, dialect))
    raise UploadRefused(_("Upload a .csv or .xlsx file."))


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1251")  # every byte decodes: a wrong guess shows up as bad names


def _text(value: object) -> str:
    """A cell as text: whole numbers without ".0" (phones typed as numbers), empty for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_rows(lines: Iterable[str], limits: Limits, dialect: Any = csv.excel) -> Iterator[list[str]]:
    """Yield the rows of a CSV read from `lines`, refusing a row past `max_rows` or `max_columns`.

    Raises UploadRefused, also for text the csv module cannot parse (e.g. a field past its
    131,072-character limit).
    """
    try:
        yield from bounded_rows(csv.reader(lines, dialect), limits)
    except csv.Error as error:
        raise UploadRefused(_("This is not a readable .csv file.")) from error


def bounded_rows(rows: Iterable[list[Any]], limits: Limits) -> Iterator[list[Any]]:
    """Yield `rows` unchanged; raise UploadRefused at the first one past `max_rows` or `max_columns`.

    A row longer than `max_columns` is refused only when a cell past the limit holds a value
    (spreadsheets pad rows with empty cells).
    """
    for number, row in enumerate(islice(rows, limits.max_rows + 1), start=1):
        if number > limits.max_rows:
            raise UploadRefused(
                _("The file has more than %(count)d rows, blank ones included.") % {"count": limits.max_rows},
                row=number,
            )
        if len(row) > limits.max_columns and any(
            cell not in (None, "") for cell in row[limits.max_columns :]
        ):
            raise UploadRefused(
                _("Row %(row)d has more than %(count)d columns.")
                % {"row": number, "count": limits.max_columns},
                row=number,
            )
        yield row


def open_text(path: Path, limits: Limits) -> IO[str]:
    """Open a UTF-8 CSV that is plain, gzipped or the first member of a zip, bounded by `limits`.

    Raises UploadRefused when the file or its zip members are too large (before inflating) or,
    for gzip, as soon as the inflated text passes `max_unpacked_bytes` while it is read.
    """
    path = Path(path)
    check_size(path.stat().st_size, limits)
    if path.suffix == ".gz":
        raw = _Inflated(gzip.open(path), limits.max_unpacked_bytes)  # noqa: SIM115 (closed with it)
        return io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8", newline="")
    if path.suffix == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as error:
            raise UploadRefused(_("This is not a readable .zip file.")) from error
        check_zip(archive, limits)
        return io.TextIOWrapper(archive.open(archive.namelist()[0]), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


class _Inflated(io.RawIOBase):
    """A decompressing stream that raises UploadRefused once more than `limit` bytes came out."""

    def __init__(self, stream: gzip.GzipFile, limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._stream.readinto(buffer)
        self._seen += count
        if self._seen > self._limit:
            raise UploadRefused(
                _("The file unpacks to more than %(size)s.") % {"size": _megabytes(self._limit)}
            )
        return count

    def close(self) -> None:
        self._stream.close()
        super().close()


def _megabytes(size: int) -> str:
    return str(filesizeformat(size))  # "8.0 MB", in the reader's language
