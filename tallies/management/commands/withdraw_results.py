"""Withdraw a wrong import of official results: kept in the history, no longer current.

    manage.py withdraw_results SNAPSHOT_ID --reason TEXT

The snapshot id is the one import_results printed. The same file can be imported again afterwards.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tallies.errors import ImportFileError
from tallies.models import OfficialSnapshot
from tallies.services.results_import import withdraw_snapshot


class Command(BaseCommand):
    help = "Withdraw an official results snapshot (kept in the history, no longer used)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("snapshot", type=int, help="snapshot id, as import_results printed it")
        parser.add_argument("--reason", required=True, help="why, e.g. 'imported under the wrong contest'")

    def handle(self, *args: Any, **options: Any) -> None:
        snapshot = (
            OfficialSnapshot.objects.filter(pk=options["snapshot"])
            .select_related("contest__election")
            .first()
        )
        if snapshot is None:
            raise CommandError(f"no snapshot {options['snapshot']}")
        try:
            withdraw_snapshot(snapshot, options["reason"])
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        # The names as stored (the spec's `name`), as load_election prints them: not the active
        # language's (str(contest) is Russian under the default LANGUAGE_CODE), so one run reads in one.
        contest = snapshot.contest
        where = f"{contest.election.name}: {contest.name}, {snapshot.file_name}"
        self.stdout.write(f"snapshot {snapshot.pk} ({where}) withdrawn")
