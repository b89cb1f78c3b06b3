"""Publish the next release of an organisation's findings for a contest (what the admin page does).

manage.py publish_release --organization golos --contest 3 --changelog "First release."
"""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from elections.models import Contest
from observers.models import Organization
from tallies.services import releases


class Command(BaseCommand):
    help = "Freeze an organisation's current figures for a contest into its next public release."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="slug of the organisation")
        parser.add_argument("--contest", required=True, type=int, help="id of the contest")
        parser.add_argument("--changelog", required=True, help="what the release contains or corrects")
        parser.add_argument(
            "--publish-at", type=datetime.fromisoformat, help="ISO 8601 with offset (embargo)"
        )
        parser.add_argument("--photos", action="store_true", help="publish the sanitised protocol photos")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.approved().filter(slug=options["organization"]).first()
        contest = Contest.objects.filter(pk=options["contest"]).first()
        if organization is None or contest is None:
            raise CommandError("No such approved organisation or contest.")
        if options["publish_at"] and options["publish_at"].tzinfo is None:
            raise CommandError("--publish-at needs a UTC offset, e.g. 2011-12-05T09:00:00+04:00.")
        try:
            release = releases.publish_release(
                organization=organization,
                contest=contest,
                published_by=None,
                changelog=options["changelog"],
                publish_at=options["publish_at"],
                show_photos=options["photos"],
            )
        except releases.ReleaseError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Release {release.number}: {release.get_absolute_url()}")
        self.stdout.write(f"manifest.json SHA-256: {release.manifest_sha256}")
