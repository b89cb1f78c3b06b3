"""Storing a release's files: one INSERT per file, its bytes sent as a binary parameter.

Django's psycopg backend binds parameters client-side, so a bytea went into the query text
hex-encoded (2 characters per byte), and bulk_create put every file in one INSERT. At 100,000
stations that statement passed PostgreSQL's 1 GiB limit for one allocation ("invalid memory
alloc request size 1073741824") and no release could be published (docs/benchmarks.md). Here
each file is its own statement on a psycopg cursor that binds server-side, the content as a
binary parameter (`%b`): PostgreSQL receives each file's bytes once, unescaped.
"""

from __future__ import annotations

import psycopg
from django.db import connection
from django.utils.translation import gettext_lazy as _

from tallies.models import ReleaseFile
from tallies.publication import content_type, sha256
from tallies.services.releases.errors import ReleaseFileTooLarge

# PostgreSQL holds no value over 1 GiB. A file is read back hex-encoded in a text result (the
# release_file view: 2 characters per byte), so serving one needs it below 512 MiB; the margin
# leaves room for the row's other fields. Bytes, checked before anything is written.
MAX_FILE_BYTES = 500 * 1024 * 1024
TOO_LARGE = _(
    "The release's file %(name)s is %(size)s bytes, over the %(limit)s bytes one stored file can "
    "hold; nothing was published."
)
COLUMNS = ("release_id", "name", "content_type", "size", "sha256", "content")


def check_sizes(files: dict[str, bytes]) -> None:
    """Raise ReleaseFileTooLarge for the largest file over MAX_FILE_BYTES (bytes), if any."""
    name, content = max(files.items(), key=lambda item: len(item[1]), default=("", b""))
    if len(content) > MAX_FILE_BYTES:
        raise ReleaseFileTooLarge(
            str(TOO_LARGE % {"name": name, "size": f"{len(content):,}", "limit": f"{MAX_FILE_BYTES:,}"})
        )


def store_files(release_id: int, files: dict[str, bytes]) -> None:
    """Insert `files` (name -> bytes) as ReleaseFile rows of the release, in name order, one
    statement each, with their content type, size (bytes) and SHA-256 (hex); raise
    ReleaseFileTooLarge before writing any if one is over MAX_FILE_BYTES. Run inside the
    publishing transaction: the cursor is on Django's connection, so a failure rolls back."""
    check_sizes(files)
    columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    table = connection.ops.quote_name(ReleaseFile._meta.db_table)
    insert = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %b)"
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:  # server-side binding, not ClientCursor
        for name, content in sorted(files.items()):
            row = (release_id, name, content_type(name), len(content), sha256(content), content)
            cursor.execute(insert, row, prepare=False)  # no statement left on the connection
