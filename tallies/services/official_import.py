"""Importing official results as versioned snapshots: station protocols or aggregated totals.

A snapshot is immutable and identified by (contest, level, the file's SHA-256), so importing the
same file twice changes nothing; a file that would store no figure is refused. Station files
create the missing commissions and stations on the way. The figures go in with PostgreSQL's
COPY, one row per station protocol with its figures as one array in the snapshot's layout
(tallies.models.figure_layout; 95,225 rows for the 2011 file, not 2.4 million figure rows).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.db import connection, transaction

from elections.models import Commission, Contest, ProtocolLine
from elections.services import ensure_hierarchy, ensure_hierarchy_ids, top_commission_name
from tallies.errors import ImportFileError
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot
from tallies.services.columns import ColumnMap, Ref, normalise
from tallies.services.official_tallies import schedule_snapshot_tally
from tallies.services.station_files import BadCell, ParsedRow, file_sha256, parse_station_rows, read_csv

# Kazakhstan national totals (kz-national-results): item_type → the role of the line it gives.
NATIONAL_ITEM_ROLES = {
    "registered": ProtocolLine.Role.REGISTERED,
    "ballots_received": ProtocolLine.Role.BALLOTS_RECEIVED,
    "ballots_cast": ProtocolLine.Role.TOOK_PART,
    "votes_cast": ProtocolLine.Role.TOOK_PART,
    "valid": ProtocolLine.Role.VALID,
    "invalid": ProtocolLine.Role.INVALID,
}


def import_stations_file(
    *,
    contest: Contest,
    path: Path,
    source: str,
    column_map: ColumnMap | None = None,
    root_name: str | None = None,
    status: str = OfficialSnapshot.Status.FINAL,
    source_url: str = "",
) -> tuple[OfficialSnapshot, bool]:
    """Import official station protocols from a CSV; return (snapshot, created).

    Columns are matched by name (tallies.services.columns); a blank cell stays a missing figure.
    The same file at station level is imported once (a repeat returns the current snapshot).
    Raises ImportFileError naming the row and column of a bad value, the unmatched headers and
    lines, or a file without any figure; nothing is written then.
    """
    path = Path(path)
    sha = file_sha256(path)
    existing = current_snapshot(contest, Commission.Level.PEC, sha)
    if existing:
        return existing, False
    rows = read_station_file(contest, path, column_map)
    snapshot = write_station_snapshot(
        contest=contest,
        rows=rows,
        fields={"source": source, "source_url": source_url, "status": status, "file_name": path.name},
        sha=sha,
        root_name=root_name,
    )
    return snapshot, True


def current_snapshot(contest: Contest, level: str, sha: str) -> OfficialSnapshot | None:
    """The contest's snapshot of this file at this level that is not withdrawn (identity, issue 14)."""
    found = OfficialSnapshot.objects.current().filter(contest=contest, level=level, file_sha256=sha)
    return found.first()


def read_station_file(
    contest: Contest, path: Path, column_map: ColumnMap | None = None, bad_cells: list[BadCell] | None = None
) -> list[ParsedRow]:
    """Every station row with a figure; ImportFileError when there is none (it would store nothing)."""
    rows = list(parse_station_rows(contest, path, column_map, bad_cells))
    if not rows:
        raise ImportFileError(f"{path.name}: no station row has a figure; nothing to import")
    return rows


@transaction.atomic
def write_station_snapshot(
    *, contest: Contest, rows: list[ParsedRow], fields: dict[str, str], sha: str, root_name: str | None
) -> OfficialSnapshot:
    """Store parsed station rows as one snapshot (one transaction) and schedule its tally.

    `fields` gives the snapshot's source, source_url, status and file_name.
    """
    hierarchy = ensure_hierarchy_ids(
        election=contest.election,
        root_name=top_commission_name(contest.election, root_name),
        stations=[row.record for row in rows],
    )
    snapshot = OfficialSnapshot.objects.create_with_layout(
        contest=contest,
        level=Commission.Level.PEC,
        file_sha256=sha,
        protocols_count=len(rows),
        **fields,
    )
    _write_protocols(snapshot, hierarchy.pec_ids, rows)
    schedule_snapshot_tally(snapshot)
    return snapshot


def _write_protocols(snapshot: OfficialSnapshot, pecs: list[int], rows: list[ParsedRow]) -> None:
    """Write one published protocol per (PEC id, parsed row) with COPY, its figures as one array."""
    columns = "snapshot_id, commission_id, is_derived, stations_count, figure_values"
    statement = f"COPY {OfficialProtocol._meta.db_table} ({columns}) FROM STDIN"
    layout = FigureLayout(tuple(snapshot.layout_lines), tuple(snapshot.layout_options))
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in _copy_text(snapshot.pk, layout, pecs, rows):
            copy.write(chunk)


def _copy_text(
    snapshot_id: int, layout: FigureLayout, pecs: list[int], rows: list[ParsedRow]
) -> Iterator[str]:
    """COPY's text format in chunks: tab-separated, an array literal {1,NULL,3} per row.

    A file's rows share one tuple of refs, so one format string per tuple fills a whole row in
    one call; a blank cell, or a layout position the file has no column for, is NULL (missing,
    not 0). KeyError if a ref is not in the layout (the refs come from the same contest's form).
    """
    templates: dict[tuple[Ref, ...], str] = {}
    buffer: list[str] = []
    for pec_id, row in zip(pecs, rows, strict=True):
        template = templates.get(row.refs) or templates.setdefault(
            row.refs, _copy_template(snapshot_id, layout, row.refs)
        )
        if None in row.counts:  # a partial row: a missing figure is NULL, not 0
            buffer.append(template.format(pec_id, *("NULL" if c is None else c for c in row.counts)))
        else:
            buffer.append(template.format(pec_id, *row.counts))
        if len(buffer) >= 2_000:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer)


def _copy_template(snapshot_id: int, layout: FigureLayout, refs: tuple[Ref, ...]) -> str:
    """A str.format template of one protocol row: {0} is the PEC id, {n} the nth count."""
    cells = ["NULL"] * layout.width
    for n, ref in enumerate(refs, start=1):
        position = layout.position(ref)
        if position is None:
            raise KeyError(f"line {ref[0]} / option {ref[1]} is not in the contest's form")
        cells[position] = f"{{{n}}}"
    return f"{snapshot_id}\t{{0}}\tf\t1\t{{{{{','.join(cells)}}}}}\n"


def import_official_results(
    *,
    contest: Contest,
    path: Path,
    election_key: str | None = None,
    source: str,
    root_name: str | None = None,
    status: str = OfficialSnapshot.Status.FINAL,
    dry_run: bool = False,
) -> tuple[OfficialSnapshot | None, bool]:
    """Import national totals (one row per figure, kz-national-results format) for a contest.

    `election_key` selects the rows (column ``election_id``; default: the election's slug).
    Lines map by role through NATIONAL_ITEM_ROLES, options by code, name or declared header.
    Lines the file does not give stay absent. Returns (None, False) for a dry run. Raises
    ImportFileError for an option it cannot match, or when no row carries the key (naming the
    keys in the file and the contests known): such an import would store an empty snapshot.
    """
    path = Path(path)
    sha = file_sha256(path)
    existing = current_snapshot(contest, Commission.Level.CEC, sha)
    if existing:
        return existing, False
    values = national_values(contest, path, election_key or contest.election.slug)
    if dry_run:
        return None, False
    with transaction.atomic():
        root_name = top_commission_name(contest.election, root_name)
        by_path = ensure_hierarchy(election=contest.election, root_name=root_name, stations=[])
        root = next(c for c in by_path.values() if c.parent_id is None)
        snapshot = OfficialSnapshot.objects.create_with_layout(
            contest=contest,
            level=Commission.Level.CEC,
            status=status,
            source=source,
            file_name=path.name,
            file_sha256=sha,
            protocols_count=1,
            is_tallied=True,
        )
        layout = FigureLayout(tuple(snapshot.layout_lines), tuple(snapshot.layout_options))
        OfficialProtocol.objects.create(
            snapshot=snapshot, commission=root, stations_count=0, figure_values=layout.values_of(values)
        )
    return snapshot, True


def national_values(
    contest: Contest, path: Path, election_key: str
) -> list[tuple[int | None, int | None, int]]:
    """(line id, option id, count) of every figure the national file gives for `election_key`."""
    lines: dict[str, int] = {}
    for line in contest.form.lines.all():
        lines.setdefault(line.role, line.pk)
    options = {normalise(n): o.pk for o in contest.options.all() for n in (o.code, o.name, *o.headers)}
    values: dict[tuple[int | None, int | None], int] = {}
    keys: set[str] = set()
    for number, row in _records(path):
        keys.add(row.get("election_id") or "")
        if row.get("election_id") != election_key or not row.get("value"):
            continue
        kind, value = row.get("item_type", ""), _national_count(row["value"], number, path)
        if NATIONAL_ITEM_ROLES.get(kind) in lines:
            values[(lines[NATIONAL_ITEM_ROLES[kind]], None)] = value
        elif kind in ("party", "candidate", "against_all"):
            option = options.get(normalise(row.get("item", "")))
            if option is None:
                raise ImportFileError(f"{path.name}, row {number}: no ballot option {row.get('item')!r}")
            values[(None, option)] = value
    if not values:
        raise ImportFileError(_nothing_for(path, election_key, keys))
    return [(line, option, value) for (line, option), value in values.items()]


def _national_count(text: str, number: int, path: Path) -> int:
    if not text.strip().isdecimal():
        raise ImportFileError(f"{path.name}, row {number}, column 'value': {text!r} is not a count")
    return int(text)


def _nothing_for(path: Path, election_key: str, keys: set[str]) -> str:
    known = [
        f"{election}/{contest}" for election, contest in Contest.objects.values_list("election__slug", "slug")
    ]
    return (
        f"{path.name}: no figure for the key {election_key!r}; keys in the file: {sorted(keys - {''})}; "
        f"contests known: {known}. Give the file's key (--key) for this contest"
    )


def _records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column: cell}) for each row under the header; missing cells read as ""."""
    reader = read_csv(path)
    header = next(reader, [])
    for number, cells in enumerate(reader, start=2):
        yield number, {name: cells[index] if index < len(cells) else "" for index, name in enumerate(header)}
