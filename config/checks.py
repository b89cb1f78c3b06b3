"""Start-up check: with no DATABASE_URL, say how to start the embedded PostgreSQL server if it is down."""

from typing import Any

from django.core import checks

from config import embedded_db


@checks.register(checks.Tags.database)
def embedded_server_running(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn (config.W001) when the embedded server is in use but not running; nothing otherwise."""
    if not embedded_db.in_use() or embedded_db.is_running():
        return []
    return [
        checks.Warning(
            f"No DATABASE_URL, and the embedded PostgreSQL server ({embedded_db.PGDATA}) is not running.",
            hint="Start it with `make db-start` (the other make targets do it themselves), "
            "or set DATABASE_URL=postgres://user@host:5432/observer.",
            id="config.W001",
        )
    ]
