"""One way in for official results at any level, behind the command, the pages and the API.

`import_results` reads a file for a contest at a level (station, TEC, region, nation), reports
what it holds (tallies.services.import_report) and, unless it is a dry run, stores it as one
snapshot in one transaction. `withdraw_snapshot` takes a wrong import out of use while keeping
it in the history, so that the right file (or the same file read right) can be imported again.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from elections.models import Commission, Contest
from tallies.errors import ImportFileError
from tallies.models import OfficialSnapshot
from tallies.services import nist_import, official_import, official_levels
from tallies.services.columns import ColumnMap
from tallies.services.import_report import ImportReport, station_report, totals_report
from tallies.services.station_files import BadCell, file_sha256

LEVELS = {
    "station": Commission.Level.PEC,
    "tec": Commission.Level.TEC,
    "region": Commission.Level.SEC,
    "nation": Commission.Level.CEC,
}


def import_results(
    *,
    contest: Contest,
    path: Path | str,
    level: str,
    source: str,
    status: str = OfficialSnapshot.Status.FINAL,
    column_map: ColumnMap | None = None,
    dry_run: bool = False,
    key: str | None = None,
    skip_bad_cells: bool = False,
    root_name: str | None = None,
    file_name: str | None = None,
) -> ImportReport:
    """Read (and unless `dry_run`, store) an official results file; return its report.

    `level` is one of LEVELS; a station file may also be an NIST SP 1500-100 v2 ElectionReport
    (JSON; tallies.services.nist_import); `key` selects a national file's rows (default: the election slug);
    `skip_bad_cells` reads a cell that is not a count as missing and lists it in the report
    instead of refusing the file (station files; transcriptions such as Belarus 2020's "-48").
    A file already imported at this level is a repeat: the report names its snapshot and nothing
    is written. `file_name` is the name to record (an upload is stored under its hash). Raises
    ImportFileError naming what to fix; nothing is written then.
    """
    if level not in LEVELS:
        raise ImportFileError(f"level must be one of {list(LEVELS)}, not {level!r}")
    if status not in OfficialSnapshot.Status.values:
        raise ImportFileError(f"status must be one of {OfficialSnapshot.Status.values}, not {status!r}")
    path = Path(path)
    existing = official_import.current_snapshot(contest, LEVELS[level], file_sha256(path))
    if existing:
        return ImportReport(file_name=path.name, level=level, snapshot_id=existing.pk, repeat=True)
    fields = {"source": source, "status": status}
    with transaction.atomic():  # one transaction, the recorded file name included
        if nist_import.is_nist_report(path) and level != "station":
            raise ImportFileError(f"{path.name}: an NIST SP 1500-100 report is read at level 'station'")
        if level == "station":
            report = _stations(contest, path, fields, column_map, dry_run, skip_bad_cells, root_name)
        elif level == "nation":
            report = _nation(contest, path, fields, key, dry_run, root_name)
        else:
            report = _totals(contest, path, level, fields, column_map, dry_run, root_name)
        if file_name:
            report.file_name = file_name
            if report.created and report.snapshot_id is not None:
                OfficialSnapshot.objects.filter(pk=report.snapshot_id).update(file_name=file_name[:300])
    return report


def _stations(contest, path, fields, column_map, dry_run, skip_bad_cells, root_name) -> ImportReport:  # type: ignore[no-untyped-def]
    bad_cells: list[BadCell] | None = [] if skip_bad_cells else None
    if nist_import.is_nist_report(path):
        rows = nist_import.read_station_rows(contest, path)
    else:
        rows = official_import.read_station_file(contest, path, column_map, bad_cells)
    report = station_report(contest, rows, path.name, bad_cells or [])
    if not dry_run:
        snapshot = official_import.write_station_snapshot(
            contest=contest,
            rows=rows,
            fields={**fields, "file_name": path.name},
            sha=file_sha256(path),
            root_name=root_name,
        )
        report.snapshot_id, report.created = snapshot.pk, True
    return report


def _totals(contest, path, level, fields, column_map, dry_run, root_name) -> ImportReport:  # type: ignore[no-untyped-def]
    rows = official_levels.read_level_file(contest, path, LEVELS[level], column_map)
    report = totals_report(
        contest, path.name, level, [(row.chain, {(ln, op): v for ln, op, v in row.values}) for row in rows]
    )
    if not dry_run:
        snapshot, report.created = official_levels.import_level_file(
            contest=contest,
            path=path,
            level=LEVELS[level],
            root_name=root_name,
            column_map=column_map,
            **fields,
        )
        report.snapshot_id = snapshot.pk
    return report


def _nation(contest, path, fields, key, dry_run, root_name) -> ImportReport:  # type: ignore[no-untyped-def]
    values = official_import.national_values(contest, path, key or contest.election.slug)
    report = totals_report(
        contest, path.name, "nation", [((contest.election.name,), {(ln, op): v for ln, op, v in values})]
    )
    if not dry_run:
        snapshot, report.created = official_import.import_official_results(
            contest=contest, path=path, election_key=key, root_name=root_name, **fields
        )
        report.snapshot_id = snapshot.pk if snapshot else None
    return report


@transaction.atomic
def withdraw_snapshot(snapshot: OfficialSnapshot, reason: str) -> OfficialSnapshot:
    """Take a wrong import out of use: kept in the history, no longer current (issue 14).

    Comparisons, seats and analyses then read the newest current snapshot; the same file may be
    imported again. Raises ImportFileError when `reason` is blank or the snapshot is already
    withdrawn.
    """
    snapshot = OfficialSnapshot.objects.select_for_update().get(pk=snapshot.pk)
    if snapshot.withdrawn_at is not None:
        raise ImportFileError(
            f"snapshot {snapshot.pk} was already withdrawn on {snapshot.withdrawn_at:%Y-%m-%d}"
        )
    if not reason.strip():
        raise ImportFileError("reason: say why the import is withdrawn")
    snapshot.withdrawn_at = timezone.now()
    snapshot.withdrawn_reason = reason.strip()[:500]
    snapshot.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    return snapshot
