"""Importing official totals published per region or per TEC (not per station) as a snapshot.

Kazakhstan's CEC and many others publish only aggregates: one row per region (or per TEC) of
line and option totals. The file becomes an OfficialSnapshot of level SEC (or TEC) with one
OfficialProtocol per row, its figures one array in the snapshot's layout. Region names are
checked against the election's regions and the aliases its spec declares
(tallies.services.region_names): an unknown region refuses the file. Missing TEC commissions,
and regions while the election knows none, are created under the election's root with the same
codes `elections.services.ensure_hierarchy` gives them, so a station list imported later lands
in the same commissions (design choice: files may arrive before the station list, so requiring
the commissions to exist would block the import).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from elections.models import Commission, Contest, Election
from tallies.errors import ImportFileError
from tallies.models import FigureLayout, OfficialProtocol, OfficialSnapshot
from tallies.services.columns import ColumnMap, match_columns
from tallies.services.official_import import current_snapshot
from tallies.services.official_tallies import schedule_snapshot_tally
from tallies.services.region_names import resolve_regions
from tallies.services.station_files import file_sha256, read_csv

LEVEL_COLUMNS: dict[str, tuple[str, ...]] = {"SEC": ("region",), "TEC": ("region", "tik")}
STATIONS_COLUMN = "stations"
MAX_COUNT = 1_000_000_000  # no region or nation counts more voters; guards against junk
Chain = tuple[str, ...]
Value = tuple[int | None, int | None, int]  # (line id, option id, count)


@dataclass(frozen=True)
class LevelRow:
    """One commission's row: its chain of names, stations it covers (0: unknown), its figures."""

    chain: Chain
    stations: int
    values: list[Value]


def import_level_file(
    *,
    contest: Contest,
    path: Path | str,
    source: str,
    level: str = Commission.Level.SEC,
    status: str = OfficialSnapshot.Status.FINAL,
    root_name: str | None = None,
    source_url: str = "",
    column_map: ColumnMap | None = None,
) -> tuple[OfficialSnapshot, bool]:
    """Import official region (SEC) or TEC totals from a CSV; return (snapshot, created).

    Columns: ``region`` (and ``tik`` for TEC), optionally ``stations`` (how many stations the
    total covers), then figure columns matched by name (tallies.services.columns: codes, the
    headers a form declares, or `column_map`). An absent column or an empty cell leaves that
    figure absent. The same file at the same level is imported once. Raises ImportFileError
    naming the row and column of a bad count, an unmatched or missing column, a commission given
    twice, or a file without any figure; nothing is written then.
    """
    if level not in LEVEL_COLUMNS:
        raise ImportFileError(f"level must be SEC or TEC, not {level!r}")
    path = Path(path)
    sha = file_sha256(path)
    existing = current_snapshot(contest, level, sha)
    if existing:
        return existing, False
    rows = _parse(contest, path, LEVEL_COLUMNS[level], column_map)
    with transaction.atomic():
        commissions = ensure_commissions(contest.election, [row.chain for row in rows], root_name)
        snapshot = OfficialSnapshot.objects.create_with_layout(
            contest=contest,
            level=level,
            status=status,
            source=source,
            source_url=source_url,
            file_name=path.name,
            file_sha256=sha,
            protocols_count=len(rows),
        )
        _store_rows(snapshot, rows, commissions)
        schedule_snapshot_tally(snapshot)
    return snapshot, True


def _store_rows(
    snapshot: OfficialSnapshot, rows: list[LevelRow], commissions: dict[Chain, Commission]
) -> None:
    layout = FigureLayout(tuple(snapshot.layout_lines), tuple(snapshot.layout_options))
    OfficialProtocol.objects.bulk_create(
        OfficialProtocol(
            snapshot=snapshot,
            commission=commissions[row.chain],
            stations_count=row.stations,
            figure_values=layout.values_of(row.values),
        )
        for row in rows
    )


def _parse(
    contest: Contest, path: Path, chain_columns: tuple[str, ...], column_map: ColumnMap | None = None
) -> list[LevelRow]:
    reader = read_csv(path)
    header = [name.strip() for name in next(reader, [])]
    refs = _figure_refs(contest, header, chain_columns, path, column_map)
    rows = [_row(row, header, chain_columns, refs, number, path) for number, row in enumerate(reader, 2)]
    rows = resolve_regions(contest.election, rows, path)
    _check_unique(rows, path)
    if not any(row.values for row in rows):
        raise ImportFileError(f"{path.name}: no row has a figure; nothing to import")
    return rows


def _figure_refs(
    contest: Contest,
    header: list[str],
    chain_columns: tuple[str, ...],
    path: Path,
    column_map: ColumnMap | None = None,
) -> dict[int, tuple[int | None, int | None]]:
    """Map each figure column's index to (line id, option id); raise on a missing or unmatched column."""
    missing = [name for name in chain_columns if name not in header]
    if missing:
        raise ImportFileError(f"{path.name}: missing columns {missing}")
    matched = match_columns(
        contest,
        header,
        places=("region", "tec", "stations"),
        required_places=(),
        column_map=column_map,
        every_line=False,
        file_name=path.name,
    )
    return matched.figures


def _row(
    row: list[str],
    header: list[str],
    chain_columns: tuple[str, ...],
    refs: dict[int, tuple[int | None, int | None]],
    number: int,
    path: Path,
) -> LevelRow:
    chain = tuple(row[header.index(name)].strip() for name in chain_columns)
    if not all(chain):
        raise ImportFileError(f"{path.name}, row {number}: empty commission name")
    values: list[Value] = []
    for index, (line, option) in refs.items():
        count = _count(row, index, header, number, path)
        if count is not None:
            values.append((line, option, count))
    stations = None
    if STATIONS_COLUMN in header:
        stations = _count(row, header.index(STATIONS_COLUMN), header, number, path)
    return LevelRow(chain, stations or 0, values)


def _count(row: list[str], index: int, header: list[str], number: int, path: Path) -> int | None:
    """Return the cell as a count, None for an empty cell; raise ImportFileError for anything else."""
    text = row[index].strip() if index < len(row) else ""
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_COUNT:
        raise ImportFileError(f"{path.name}, row {number}, column {header[index]!r}: {text!r} is not a count")
    return int(text)


def _check_unique(rows: list[LevelRow], path: Path) -> None:
    seen: set[Chain] = set()
    for number, row in enumerate(rows, start=2):
        if row.chain in seen:
            raise ImportFileError(f"{path.name}, row {number}: {' / '.join(row.chain)} is given twice")
        seen.add(row.chain)


def ensure_commissions(
    election: Election, chains: Iterable[Chain], root_name: str | None
) -> dict[Chain, Commission]:
    """Return the region (and TEC) commission of each chain, creating missing ones under the root.

    The root is the election's existing CEC, else a new one named `root_name` (default: the
    country code). Depth 1 is a region (SEC), depth 2 a TEC; codes are the names as
    ensure_hierarchy writes them ("/" becomes "∕").
    """
    existing = Commission.objects.filter(election=election).exclude(level=Commission.Level.PEC).order_by("pk")
    by_path = {c.path: c for c in existing}
    root = next((c for c in by_path.values() if c.parent_id is None), None)
    if root is None:
        root = _create(election, None, Commission.Level.CEC, root_name or election.country)
        by_path[root.path] = root
    return {chain: _descend(election, root, chain, by_path) for chain in chains}


def _descend(
    election: Election, root: Commission, chain: Chain, by_path: dict[str, Commission]
) -> Commission:
    node = root
    for depth, name in enumerate(chain):
        path = Commission.child_path(node.path, _code(name))
        if path not in by_path:
            level = Commission.Level.SEC if depth == 0 else Commission.Level.TEC
            by_path[path] = _create(election, node, level, name)
        node = by_path[path]
    return node


def _create(election: Election, parent: Commission | None, level: str, name: str) -> Commission:
    path = Commission.child_path(parent.path if parent else "", _code(name))
    return Commission.objects.create(
        election=election, level=level, parent=parent, code=_code(name), name=name.strip(), path=path
    )


def _code(name: str) -> str:
    return name.strip().replace("/", "∕")


def read_level_file(
    contest: Contest, path: Path, level: str, column_map: ColumnMap | None = None
) -> list[LevelRow]:
    """The rows of a region (SEC) or TEC file as the import would store them (for a dry run)."""
    if level not in LEVEL_COLUMNS:
        raise ImportFileError(f"level must be SEC or TEC, not {level!r}")
    return _parse(contest, Path(path), LEVEL_COLUMNS[level], column_map)
