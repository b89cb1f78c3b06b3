"""Start-up checks: say plainly when the embedded default (SQLite, in-process tasks) is in use."""

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import connection


@checks.register(checks.Tags.database)
def embedded_mode(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report what the embedded default leaves out, so nobody mistakes it for production."""
    messages: list[checks.CheckMessage] = []
    if connection.vendor != "postgresql":
        messages.append(
            checks.Info(
                "Running on SQLite (no DATABASE_URL): append-only triggers on protocol copies "
                "and COPY-based imports are PostgreSQL-only and are skipped.",
                hint="Set DATABASE_URL=postgres://... for anything but a first look.",
                id="config.I001",
            )
        )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        messages.append(
            checks.Info(
                "No CELERY_BROKER_URL: Celery tasks run in-process, inside the request.",
                hint="Set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 and start a worker.",
                id="config.I002",
            )
        )
    return messages
