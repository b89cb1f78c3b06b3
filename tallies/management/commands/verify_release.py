"""Verify a release: every file against its manifest, and the audit chain up to the recorded head.

    manage.py verify_release 12                      # release 12 as stored here
    manage.py verify_release --path release-v1.zip   # a downloaded zip or folder

Exits with an error listing every problem when anything differs. For a check that needs
nothing but Python, see tools/verify_release.py.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tallies.models import Release
from tallies.services import releases


class Command(BaseCommand):
    help = "Check a release's files against its manifest and the audit chain up to its recorded head."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("release_id", nargs="?", type=int, help="id of a stored release")
        parser.add_argument("--path", type=Path, help="a downloaded release: zip file or folder")

    def handle(self, *args: Any, **options: Any) -> None:
        problems = self._problems(options["release_id"], options["path"])
        if problems:
            raise CommandError("FAILED:\n  " + "\n  ".join(problems))
        self.stdout.write(
            self.style.SUCCESS("OK: every file matches the manifest; the audit chain is intact.")
        )

    def _problems(self, release_id: int | None, path: Path | None) -> list[str]:
        if path is not None:
            if not path.exists():
                raise CommandError(f"{path} does not exist.")
            return releases.verify_download(path)
        if release_id is None:
            raise CommandError("Give a release id or --path.")
        release = Release.objects.select_related("organization").filter(pk=release_id).first()
        if release is None:
            raise CommandError(f"No release {release_id}.")
        return releases.verify_stored(release)
