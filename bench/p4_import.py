"""P4: the official-results import (COPY) against plain ORM bulk_create of the same rows.

Both write the product's models: one OfficialProtocol per station with its figures as one array
(bench.orm_import is the baseline: bulk_create of commissions, stations, the snapshot and the
protocols with their arrays).

Each way starts from empty tables (TRUNCATE) with only the 2011 form and election defined. Below
the full file's 95,225 stations the first N rows are written to a temporary CSV, so the growth
from 10,000 stations to the whole country is measured on real rows. The COPY import is run last
and kept: the reconciliation benchmark works on it.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench import database
from bench.orm_import import orm_import
from bench.report import INFO, MET, MISSED, Report, Row, seconds, stations_text, times, verdict
from bench.timing import held_tasks, timed
from elections.models import Contest
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies.models import OfficialSnapshot
from tallies.services.results_import import import_results
from tallies.services.station_files import open_text

FILE = Path("ru-uik-shpilkin") / "2011.csv.zip"
FULL = 95_225
ROOT = "ЦИК России"
FASTER, WITHIN = 10.0, 20.0


@dataclass(frozen=True)
class Imported:
    """The COPY-imported election that the reconciliation benchmark goes on with."""

    stations: int
    contest: Contest
    snapshot: OfficialSnapshot


def source_file(stations: int, folder: Path) -> Path:
    """The 2011 file itself, or its first `stations` rows as a CSV in `folder`."""
    whole = Path(settings.SHARED_DATA_DIR) / FILE
    if stations >= FULL:
        return whole
    part = folder / f"2011-first-{stations}.csv"
    with open_text(whole) as source, open(part, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(itertools.islice(csv.reader(source), stations + 1))
    return part


def fresh_contest() -> Contest:
    """Empty the tables and define the 2011 form and election (reference data, not timed)."""
    database.clear_data()
    define_protocol_form(spec=shipped_spec("forms", "ru-duma-2011"))
    return define_election(spec=shipped_spec("specs", "ru-duma-2011")).contests.get()


def copy_import(contest: Contest, path: Path) -> OfficialSnapshot:
    """The product's import (what import_results runs: read by column name, report, COPY, one
    transaction); its on-commit tally job is held back (not part of the import)."""
    with held_tasks():
        report = import_results(contest=contest, path=path, level="station", source="bench", root_name=ROOT)
    return OfficialSnapshot.objects.get(pk=report.snapshot_id)


def dry_run(contest: Contest, path: Path) -> int:
    """import_results --dry-run: the file read and reported, nothing written; returns the rows read."""
    return import_results(contest=contest, path=path, level="station", source="bench", dry_run=True).rows


def figures_stored(snapshot: OfficialSnapshot) -> int:
    """The figures a snapshot's published protocols hold (array elements that are not NULL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "select coalesce(sum(cardinality(array_remove(figure_values, null))), 0)"
            " from tallies_officialprotocol where snapshot_id = %s and not is_derived",
            [snapshot.pk],
        )
        return int(cursor.fetchone()[0])


def run_p4(report: Report, stations: int, folder: Path, compare: bool = True) -> Imported:
    """Import `stations` rows both ways (or only with COPY when `compare` is off) and report."""
    path = source_file(stations, folder)
    stations = min(stations, FULL)
    orm = None
    if compare:
        orm, orm_rows = timed(orm_import, fresh_contest(), path, ROOT)
    contest = fresh_contest()
    dry, _ = timed(dry_run, contest, path)
    took, snapshot = timed(copy_import, contest, path)
    copied = figures_stored(snapshot)
    report.cost("official import, COPY (P4)", stations, took)
    whole = verdict(dry, "<=", WITHIN) if stations >= FULL else INFO
    report.add(
        Row("P4", stations_text(stations), f"import_results --dry-run {seconds(dry)}", "≤ 20 s", "—", whole)
    )
    if orm is not None:
        _report(report, stations, took, orm, copied == orm_rows, copied)
    else:
        report.add(
            Row("P4", stations_text(stations), f"import_stations_file {seconds(took)}", "—", "—", INFO)
        )
    return Imported(stations, contest, snapshot)


def _report(report: Report, stations: int, copy: float, orm: float, same: bool, rows: int) -> None:
    where = stations_text(stations)
    figure = (
        f"import_stations_file (COPY) {seconds(copy)} vs ORM bulk_create {seconds(orm)} ({rows:,} figures)"
    )
    report.add(Row("P4", where, figure, "≥ 10× faster", times(orm / copy), verdict(orm / copy, ">=", FASTER)))
    whole = stations >= FULL
    limit = verdict(copy, "<=", WITHIN) if whole else INFO
    report.add(Row("P4", where, f"import_stations_file {seconds(copy)}", "≤ 20 s (whole file)", "—", limit))
    report.add(
        Row(
            "P4",
            where,
            "both ways wrote the same number of figures",
            "identical",
            "—",
            MET if same else MISSED,
        )
    )
    report.cost("official import, ORM bulk_create (P4)", stations, orm)
