"""Import or update an election's station register (commission hierarchy and polling stations).

    manage.py import_stations FILE --election SLUG [--root NAME] [--dry-run]

See elections.station_register for the columns. Stations are never deleted, only retired.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from elections.models import Election
from elections.station_register import RegisterError, RegisterReport, import_register

SHOWN = 20  # changes listed one by one; the rest are counted


class Command(BaseCommand):
    help = "Import a station register (CSV, .csv.gz or XLSX) for an election; --dry-run stores nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--election", required=True, help="election slug")
        parser.add_argument("--root", help="name of the top commission when it does not exist yet")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        election = Election.objects.filter(slug=options["election"]).first()
        if election is None:
            raise CommandError(f"no election {options['election']!r}")
        try:
            report = import_register(
                election=election, path=options["file"], root_name=options["root"], dry_run=options["dry_run"]
            )
        except (RegisterError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write("\n".join(describe(report, options["dry_run"])))


def describe(report: RegisterReport, dry_run: bool) -> list[str]:
    """The report as lines of text: counts, then the changes (the first SHOWN of each kind)."""
    out = [
        f"{report.rows} stations in the file: {len(report.added)} added, {len(report.changed)} changes, "
        f"{report.unchanged} unchanged, {len(report.retired)} retired, {len(report.returned)} returned"
        + (" (dry run: nothing stored)" if dry_run else "")
    ]
    out += [f"  changed {where}: {key} {old!r} -> {new!r}" for where, key, old, new in report.changed[:SHOWN]]
    out += [f"  retired {where}" for where in report.retired[:SHOWN]]
    out += [f"  returned {where}" for where in report.returned[:SHOWN]]
    return out
