"""Evidence files that no row names: removed, so an original with its GPS never outlives its row.

`upload_evidence` deletes the raw file when its own transaction fails, but when it runs inside
a caller's transaction (a Telegram update, a copy with photos) and that outer transaction rolls
back afterwards, the row is gone and the file stays: an original upload, with the EXIF, GPS and
device data that sanitising exists to remove. A worker killed between writing the clean file and
committing leaves a clean orphan the same way. Django has no rollback hook, so a beat job sweeps
both folders instead (`observers.tasks.sweep_orphaned_evidence`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import batched

from django.core.files.storage import Storage, storages
from django.db.models import Q
from django.utils import timezone

from observers.models import Evidence

# Seconds a file must be old before it counts as orphaned: far longer than any transaction that
# may still be about to commit its row (requests and tasks are cut off within minutes).
ORPHAN_AGE = 3600.0
FOLDERS = ("evidence/incoming/", "evidence/clean/")  # Evidence.upload's and Evidence.file's upload_to
log = logging.getLogger(__name__)


def delete_orphaned_evidence(*, older_than: float = ORPHAN_AGE, storage: Storage | None = None) -> int:
    """Delete files under FOLDERS older than `older_than` seconds that no Evidence row names.

    Returns the number of files deleted. A storage that cannot tell a file's age (one that does
    not override Django's Storage.get_modified_time) keeps its files. Safe to run at any time and
    twice.
    """
    storage = storage or storages["default"]
    cutoff = timezone.now() - timedelta(seconds=older_than)
    deleted = 0
    for batch in batched(_old_files(storage, cutoff), 500):
        named = Evidence.objects.filter(Q(upload__in=batch) | Q(file__in=batch)).values_list("upload", "file")
        kept = {name for pair in named for name in pair}
        for name in batch:
            if name not in kept:
                storage.delete(name)
                deleted += 1
    if deleted:
        log.warning("deleted %d evidence files that no row names (a transaction rolled back)", deleted)
    return deleted


def _old_files(storage: Storage, cutoff: datetime) -> Iterator[str]:
    if type(storage).get_modified_time is Storage.get_modified_time:
        return  # Django's base class has no way to tell a file's age
    for folder in FOLDERS:
        try:
            _, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        for file_name in files:
            name = folder + file_name
            if storage.get_modified_time(name) < cutoff:
                yield name
