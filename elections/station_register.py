"""The station register: the commission hierarchy and polling stations of an election, from CSV or XLSX.

One row per station. Columns are found by header, in any order (case ignored, blanks read as _):
``region``, ``tec`` (or ``tik``), ``number`` (or ``uik``, ``station``: required, never empty),
and optionally ``name``, ``address``, ``registered_voters`` (or ``voters``), ``latitude``,
``longitude`` and ``remote`` (1/true/yes: a remote or e-voting station). Any other header is
refused by name. A re-run updates what changed and reports it; a station the file no longer
lists is retired (kept, never deleted) and one that comes back is returned to use. The whole
import is one transaction; a dry run reports the same and stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from config import uploads
from elections.errors import RegisterError
from elections.models import Commission, Election, PollingStation
from elections.services import StationRecord, ensure_hierarchy, top_commission_name

ALIASES = {
    "region": ("region", "регион", "облыс"),
    "tec": ("tec", "tik", "тик"),
    "number": ("number", "uik", "station", "уик"),
    "name": ("name",),
    "address": ("address", "адрес"),
    "registered_voters": ("registered_voters", "voters"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
    "remote": ("remote", "e_voting", "virtual"),
}
LIMITS = uploads.Limits(
    max_bytes=64 * uploads.MiB, max_unpacked_bytes=256 * uploads.MiB, max_rows=300_000, max_columns=40
)
TRUE = ("1", "true", "yes", "да", "иә")
FIELDS = ("name", "address", "registered_voters", "latitude", "longitude", "is_virtual")


@dataclass(frozen=True)
class RegisterRow:
    """One station as the register gives it (registered voters in voters, coordinates in degrees)."""

    row: int
    chain: tuple[str, ...]
    number: str
    values: dict[str, Any]  # the FIELDS the file has a column for


@dataclass
class RegisterReport:
    """What an import did (or would do): stations added, changes per field, retired, returned."""

    rows: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[tuple[str, str, object, object]] = field(default_factory=list)  # station, field, old, new
    retired: list[str] = field(default_factory=list)
    returned: list[str] = field(default_factory=list)
    unchanged: int = 0


def read_register(path: Path | str) -> list[RegisterRow]:
    """Read a register file (.csv, .csv.gz or .xlsx); RegisterError names the row and column at fault."""
    path = Path(path)
    try:
        table = _table(path)
    except uploads.UploadRefused as error:
        raise RegisterError(f"{path.name}, row {error.row}: {error.message}") from error
    if not table:
        raise RegisterError(f"{path.name}: the file is empty")
    columns = _columns([str(cell or "") for cell in table[0]], path.name)
    rows = [
        _row(cells, columns, number, path.name)
        for number, cells in enumerate(table[1:], start=2)
        if any(str(c or "").strip() for c in cells)
    ]
    _check_once(rows, path.name)
    return rows


def _table(path: Path) -> list[list[Any]]:
    if path.suffix.lower() == ".xlsx":
        return uploads.xlsx_rows(path.read_bytes(), LIMITS)
    with uploads.open_text(path, LIMITS) as handle:
        return list(uploads.csv_rows(handle, LIMITS))


def _columns(header: list[str], file_name: str) -> dict[str, int]:
    by_alias = {alias: key for key, aliases in ALIASES.items() for alias in aliases}
    columns: dict[str, int] = {}
    unknown = []
    for index, text in enumerate(header):
        if not text.strip():  # spreadsheets pad rows with empty cells
            continue
        key = by_alias.get("_".join(text.split()).casefold())
        if key is None:
            unknown.append(text)
        elif key in columns:
            raise RegisterError(f"{file_name}: columns {header[columns[key]]!r} and {text!r} both give {key}")
        else:
            columns[key] = index
    if unknown:
        raise RegisterError(f"{file_name}: unknown columns {unknown} (expected {', '.join(ALIASES)})")
    if "number" not in columns:
        raise RegisterError(f"{file_name}: no station number column (number, uik or station)")
    return columns


def _row(cells: list[Any], columns: dict[str, int], number: int, file_name: str) -> RegisterRow:
    def cell(key: str) -> str:
        index = columns.get(key)
        value = cells[index] if index is not None and index < len(cells) else None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()

    station = cell("number")
    if not station:
        raise RegisterError(f"{file_name}, row {number}, column 'number': empty station number")
    values: dict[str, Any] = {key: cell(key) for key in ("name", "address") if key in columns}
    if "registered_voters" in columns:
        values["registered_voters"] = _voters(cell("registered_voters"), number, file_name)
    for key in ("latitude", "longitude"):
        if key in columns:
            values[key] = _degrees(cell(key), key, number, file_name)
    if "remote" in columns:
        values["is_virtual"] = cell("remote").casefold() in TRUE
    chain = tuple(name for name in (cell("region"), cell("tec")) if name)
    return RegisterRow(number, chain, station, values)


def _voters(text: str, number: int, file_name: str) -> int | None:
    if not text:
        return None
    if not text.isdecimal():
        raise RegisterError(f"{file_name}, row {number}, column 'registered_voters': {text!r} is not a count")
    return int(text)


def _degrees(text: str, key: str, number: int, file_name: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", ".")).quantize(Decimal("0.000001"))
    except InvalidOperation:
        value = Decimal(999)
    if abs(value) > (90 if key == "latitude" else 180):
        raise RegisterError(f"{file_name}, row {number}, column {key!r}: {text!r} is not a {key} in degrees")
    return value


def _check_once(rows: list[RegisterRow], file_name: str) -> None:
    seen: dict[tuple[str, ...], int] = {}
    for row in rows:
        key = (*row.chain, row.number)
        if key in seen:
            raise RegisterError(
                f"{file_name}, row {row.row}: station {row.number!r} is already on row {seen[key]}"
            )
        seen[key] = row.row


@transaction.atomic
def import_register(
    *, election: Election, path: Path | str, root_name: str | None = None, dry_run: bool = False
) -> RegisterReport:
    """Bring the election's stations in line with a register file; return what changed.

    New commissions and stations are created (under the election's top commission, else one
    named `root_name` or the country code); changed fields are updated; stations missing from
    the file are retired. Raises RegisterError naming the row and column; nothing is stored then,
    nor in a dry run.
    """
    rows = read_register(path)
    root_name = top_commission_name(election, root_name)
    before = set(PollingStation.objects.filter(pec__election=election).values_list("pk", flat=True))
    by_path = ensure_hierarchy(
        election=election,
        root_name=root_name,
        stations=[StationRecord(r.chain, r.number, r.values.get("registered_voters")) for r in rows],
    )
    report = RegisterReport(rows=len(rows))
    root_path = next(path for path, c in by_path.items() if c.parent_id is None)
    stations = {
        s.pec.path: s for s in PollingStation.objects.filter(pec__election=election).select_related("pec")
    }
    listed = set()
    for row in rows:
        station = stations[_path(root_path, row)]
        listed.add(station.pk)
        _apply(station, row, station.pk not in before, report)
    _retire(election, listed, report)
    if dry_run:
        transaction.set_rollback(True)
    return report


def _path(root_path: str, row: RegisterRow) -> str:
    path = root_path
    for name in (*row.chain, row.number):
        path = Commission.child_path(path, name.strip().replace("/", "∕"))
    return path


def _apply(station: PollingStation, row: RegisterRow, is_new: bool, report: RegisterReport) -> None:
    label = " / ".join((*row.chain, row.number))
    changes = [
        (key, getattr(station, key), value)
        for key, value in row.values.items()
        if getattr(station, key) != value
    ]
    if station.retired_at is not None:
        station.retired_at = None
        report.returned.append(label)
        changes.append(("retired_at", None, None))
    for key, _old, value in changes:
        setattr(station, key, value)
    if changes:
        station.save(update_fields=[key for key, _, _ in changes])
    if is_new:
        report.added.append(label)
    elif changes:
        report.changed += [(label, key, old, new) for key, old, new in changes if key != "retired_at"]
    else:
        report.unchanged += 1


def _retire(election: Election, listed: set[int], report: RegisterReport) -> None:
    gone = PollingStation.objects.filter(pec__election=election, retired_at__isnull=True).exclude(
        pk__in=listed
    )
    report.retired = [" / ".join(s.pec.path.split("/")[1:-1]) for s in gone.select_related("pec")]
    gone.update(retired_at=timezone.now())
