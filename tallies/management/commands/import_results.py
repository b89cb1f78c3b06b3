"""Import official results from a file at any level: station, TEC, region or nation.

    manage.py import_results FILE --election SLUG --contest SLUG --level station|tec|region|nation
        --source TEXT [--status final|provisional|reissued] [--columns MAP.json] [--key KEY]
        [--skip-bad-cells] [--dry-run]

The same service as the upload page and the API (tallies.services.results_import). A dry run
prints what would be stored and writes nothing; a real import is one transaction.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from elections.models import Contest
from tallies.errors import ImportFileError
from tallies.models import OfficialSnapshot
from tallies.services.columns import load_column_map
from tallies.services.import_report import ImportReport
from tallies.services.results_import import LEVELS, import_results


class Command(BaseCommand):
    help = (
        "Import official results (a CSV, .csv.gz or .zip) for a contest at a level; --dry-run writes nothing."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument("--contest", required=True, help="contest slug")
        parser.add_argument("--level", required=True, choices=list(LEVELS))
        parser.add_argument("--source", required=True, help="who published the figures, e.g. the CEC")
        parser.add_argument(
            "--status", choices=OfficialSnapshot.Status.values, default=OfficialSnapshot.Status.FINAL
        )
        parser.add_argument("--columns", help="column map (JSON): headers the form does not declare")
        parser.add_argument("--key", help="national files: the election_id of the rows to read")
        parser.add_argument("--root", help="name of the top commission when it does not exist yet")
        parser.add_argument(
            "--skip-bad-cells",
            action="store_true",
            help="read a cell that is not a count as missing, and list it",
        )
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        contest = Contest.objects.filter(election__slug=options["election"], slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"no contest {options['contest']!r} in election {options['election']!r}")
        try:
            report = import_results(
                contest=contest,
                path=options["file"],
                level=options["level"],
                source=options["source"],
                status=options["status"],
                column_map=load_column_map(options["columns"]) if options["columns"] else None,
                dry_run=options["dry_run"],
                key=options["key"],
                skip_bad_cells=options["skip_bad_cells"],
                root_name=options["root"],
            )
        except (ImportFileError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n".join(describe(report, options["dry_run"])))


def describe(report: ImportReport, dry_run: bool) -> list[str]:
    """The report as lines of text: what was (or would be) stored, totals, coverage, refused cells."""
    if report.repeat:
        return [
            f"{report.file_name}: already imported at {report.level} level as snapshot {report.snapshot_id}"
        ]
    verb = "would store" if dry_run else f"stored as snapshot {report.snapshot_id}:"
    out = [f"{report.file_name} ({report.level}): {verb} {report.rows} rows"]
    if report.coverage:
        c = report.coverage
        out.append(
            f"stations: {c.stations} with figures, {c.complete} complete, {c.partial} partial; "
            f"{c.consistent} consistent, {c.inconsistent} inconsistent, {c.not_checkable} not checkable"
        )
    out.append("totals: " + ", ".join(f"{code} {value}" for code, value in report.totals.items()))
    if report.missing:
        out.append(
            "missing figures: " + ", ".join(f"{code} in {n} rows" for code, n in report.missing.items())
        )
    out.append("first rows as read:")
    out += [f"  {row}" for row in report.first_rows]
    if report.bad_cells:
        out.append(f"cells read as missing, not counts ({len(report.bad_cells)}):")
        out += [f"  row {cell.row}, column {cell.column!r}: {cell.text!r}" for cell in report.bad_cells]
    return out
