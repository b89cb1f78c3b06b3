"""Uploaded official results files: kept between the dry run and the confirmation, and who may import.

The upload page and the API run the same `import_results` as the command. A file is stored under
MEDIA_ROOT/official-uploads/ named by its SHA-256, and the preview hands back a signed token with
the import's options; the confirmation re-reads that very file (its hash is checked again) with
those options, so what is imported is what was previewed. Tokens expire after a day.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import UploadedFile

from elections.models import Contest
from observers.access import AnyUser
from observers.models import Membership, Organization
from tallies.errors import ImportFileError
from tallies.services.columns import column_map_from
from tallies.services.import_report import ImportReport
from tallies.services.results_import import import_results

SALT = "tallies.official-upload"
MAX_AGE = 24 * 3600  # seconds a preview stays confirmable
SUFFIXES = (".csv", ".gz", ".zip", ".json")  # .json: an NIST SP 1500-100 report


@dataclass(frozen=True)
class UploadOptions:
    """What to import: the contest, level, source, status, column map and bad-cell handling."""

    contest_id: int
    level: str
    source: str
    status: str
    columns: dict[str, Any] | None = None
    key: str = ""
    skip_bad_cells: bool = True


def may_import_results(user: AnyUser) -> bool:
    """Platform staff, and admins of an approved organisation, may import official results."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False):
        return True
    admins = Membership.objects.filter(user_id=user.pk, role=Membership.Role.ADMIN)
    return admins.filter(organization__in=Organization.objects.approved()).exists()


def store_upload(upload: UploadedFile) -> Path:
    """Keep an uploaded file under its SHA-256 (suffix kept: .csv, .csv.gz, .zip); return its path.

    Raises ImportFileError for another kind of file.
    """
    name = upload.name or ""
    if not name.lower().endswith(SUFFIXES):
        raise ImportFileError(f"{name}: upload a .csv, .csv.gz or .zip file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    folder = Path(settings.MEDIA_ROOT) / "official-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest.hexdigest()}{''.join(Path(name.lower()).suffixes[-2:])}"
    if not path.exists():
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return path


def preview(path: Path, options: UploadOptions, file_name: str) -> tuple[ImportReport, str]:
    """Dry-run a stored upload; return its report and the token that confirms exactly this import."""
    report = run(path, options, dry_run=True, file_name=file_name)
    token = signing.dumps({"path": path.name, "name": file_name, **asdict(options)}, salt=SALT)
    return report, token


def confirm(token: str) -> ImportReport:
    """Import what a preview showed; ImportFileError when the token is stale or the file is gone."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature as error:
        raise ImportFileError("the preview has expired: upload the file again") from error
    path = Path(settings.MEDIA_ROOT) / "official-uploads" / data.pop("path")
    name = data.pop("name")
    if not path.exists() or not path.name.startswith(_sha256(path)):
        raise ImportFileError("the uploaded file is gone: upload it again")
    return run(path, UploadOptions(**data), dry_run=False, file_name=name)


def run(path: Path, options: UploadOptions, dry_run: bool, file_name: str) -> ImportReport:
    """Dry-run or import a stored upload with `options` (import_results; ImportFileError if refused)."""
    contest = Contest.objects.select_related("election").get(pk=options.contest_id)
    return import_results(
        contest=contest,
        path=path,
        level=options.level,
        source=options.source,
        status=options.status,
        column_map=column_map_from(options.columns, "columns") if options.columns else None,
        key=options.key or None,
        skip_bad_cells=options.skip_bad_cells,
        dry_run=dry_run,
        file_name=file_name,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
