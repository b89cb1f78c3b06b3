"""Importing official results as versioned snapshots: station protocols or aggregated totals.

A snapshot is immutable and keyed by the file's SHA-256, so importing the same file twice
changes nothing. Station files create the missing commissions and stations on the way. The
figures go in with PostgreSQL's COPY (2.4 million rows for the 95,225-station 2011 file).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.db import connection, transaction

from elections.bulk import insert_rows
from elections.models import Commission, Contest
from elections.services import StationRecord, ensure_hierarchy
from tallies.errors import ImportFileError
from tallies.models import OfficialFigure, OfficialProtocol, OfficialSnapshot
from tallies.services.station_files import (
    STATION_FORMATS,
    ParsedRow,
    Ref,
    file_sha256,
    parse_station_rows,
    read_csv,
)

# Kazakhstan national totals (kz-national-results): item_type → protocol line code.
NATIONAL_ITEM_LINES = {
    "registered": "voters_on_list",
    "ballots_received": "ballots_received",
    "ballots_cast": "voters_took_part",
    "votes_cast": "voters_took_part",
    "valid": "ballots_valid",
    "invalid": "ballots_invalid",
}


def import_stations_file(
    *,
    contest: Contest,
    path: Path,
    source: str,
    file_format: str = "codes",
    root_name: str | None = None,
    status: str = OfficialSnapshot.Status.FINAL,
    source_url: str = "",
) -> tuple[OfficialSnapshot, bool]:
    """Import official station protocols from a CSV; return (snapshot, created).

    Raises ImportFileError naming the row and column of a bad value; nothing is written then.
    """
    path = Path(path)
    sha = file_sha256(path)
    existing = OfficialSnapshot.objects.filter(contest=contest, file_sha256=sha).first()
    if existing:
        return existing, False
    rows = list(parse_station_rows(contest, path, STATION_FORMATS[file_format]))
    with transaction.atomic():
        by_path = ensure_hierarchy(
            election=contest.election,
            root_name=root_name or contest.election.country,
            stations=[row.record for row in rows],
        )
        snapshot = OfficialSnapshot.objects.create(
            contest=contest,
            level=Commission.Level.PEC,
            status=status,
            source=source,
            source_url=source_url,
            file_name=path.name,
            file_sha256=sha,
            protocols_count=len(rows),
        )
        root = next(c for c in by_path.values() if c.parent_id is None)
        pecs = [by_path[_pec_path(root.path, row.record)].pk for row in rows]
        insert_rows(
            OfficialProtocol,
            ["snapshot_id", "commission_id", "is_derived", "stations_count"],
            ((snapshot.pk, pec_id, False, 1) for pec_id in pecs),
        )
        protocol_ids = dict(snapshot.protocols.values_list("commission_id", "pk"))
        _write_figures([(protocol_ids[pec_id], row) for pec_id, row in zip(pecs, rows, strict=True)])
    _schedule_tally(snapshot)
    return snapshot, True


def _pec_path(root_path: str, record: StationRecord) -> str:
    path = root_path
    for name in (*record.chain, record.number):
        path = Commission.child_path(path, name.strip().replace("/", "∕"))
    return path


def _write_figures(rows: list[tuple[int, ParsedRow]]) -> None:
    """Write each (protocol id, parsed row)'s figures with COPY."""
    table = OfficialFigure._meta.db_table
    statement = f"COPY {table} (protocol_id, line_id, option_id, value) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in _copy_text(rows):
            copy.write(chunk)


def _copy_text(rows: list[tuple[int, ParsedRow]]) -> Iterator[str]:
    """COPY's text format in chunks: tab-separated, \\N for NULL.

    One format string per file fills a whole station's 25 lines in one call, several times
    faster than formatting figure by figure (the 2011 file has 2.4 million figures).
    """
    templates: dict[tuple[Ref, ...], str] = {}
    buffer: list[str] = []
    for protocol_id, row in rows:
        template = templates.get(row.refs) or templates.setdefault(row.refs, _copy_template(row.refs))
        buffer.append(template.format(protocol_id, *row.counts))
        if len(buffer) >= 2_000:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _copy_template(refs: tuple[Ref, ...]) -> str:
    """A str.format template of one station's figure lines: {0} is the protocol id, {n} the nth count."""

    def field(ref: int | None) -> str:
        return "\\N" if ref is None else str(ref)

    return "".join(
        f"{{0}}\t{field(line)}\t{field(option)}\t{{{n}}}\n" for n, (line, option) in enumerate(refs, start=1)
    )


def _schedule_tally(snapshot: OfficialSnapshot) -> None:
    from tallies import tasks

    transaction.on_commit(lambda: tasks.tally_official_snapshot.delay(snapshot_id=snapshot.pk))


def import_official_results(
    *,
    contest: Contest,
    path: Path,
    election_key: str,
    source: str,
    root_name: str = "CEC",
    status: str = OfficialSnapshot.Status.FINAL,
) -> tuple[OfficialSnapshot, bool]:
    """Import national totals (one row per figure, kz-national-results format) for a contest.

    `election_key` selects the rows (column ``election_id``). Lines map through
    NATIONAL_ITEM_LINES, parties by their name, "against all" to the against-all option. Lines
    the file does not give stay absent. Raises ImportFileError for a party it cannot match.
    """
    path = Path(path)
    sha = file_sha256(path)
    existing = OfficialSnapshot.objects.filter(contest=contest, file_sha256=sha).first()
    if existing:
        return existing, False
    values = _national_values(contest, path, election_key)
    with transaction.atomic():
        by_path = ensure_hierarchy(election=contest.election, root_name=root_name, stations=[])
        root = next(c for c in by_path.values() if c.parent_id is None)
        snapshot = OfficialSnapshot.objects.create(
            contest=contest,
            level=Commission.Level.CEC,
            status=status,
            source=source,
            file_name=path.name,
            file_sha256=sha,
            protocols_count=1,
            is_tallied=True,
        )
        protocol = OfficialProtocol.objects.create(snapshot=snapshot, commission=root, stations_count=0)
        OfficialFigure.objects.bulk_create(
            OfficialFigure(protocol=protocol, line_id=line, option_id=option, value=value)
            for line, option, value in values
        )
    return snapshot, True


def _national_values(
    contest: Contest, path: Path, election_key: str
) -> list[tuple[int | None, int | None, int]]:
    lines = {line.code: line.pk for line in contest.form.lines.all()}
    options = {option.name.casefold(): option for option in contest.options.all()}
    values: dict[tuple[int | None, int | None], int] = {}
    for number, row in _records(path):
        if row["election_id"] != election_key or not row["value"]:
            continue
        kind, value = row["item_type"], int(row["value"])
        if kind in NATIONAL_ITEM_LINES and NATIONAL_ITEM_LINES[kind] in lines:
            values[(lines[NATIONAL_ITEM_LINES[kind]], None)] = value
        elif kind in ("party", "candidate", "against_all"):
            option = options.get(row["item"].casefold())
            if option is None:
                raise ImportFileError(f"{path.name}, row {number}: no ballot option {row['item']!r}")
            values[(None, option.pk)] = value
    return [(line, option, value) for (line, option), value in values.items()]


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: cell}) for each row under the header; missing cells read as ""."""
    reader = read_csv(path)
    header = next(reader, [])
    for number, cells in enumerate(reader, start=2):
        yield number, {name: cells[index] if index < len(cells) else "" for index, name in enumerate(header)}
