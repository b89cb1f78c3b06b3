import logging

from django.apps import AppConfig
from django.conf import settings


class ConfigConfig(AppConfig):
    name = "config"
    verbose_name = "Project configuration"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the start-up checks)

        make_folders()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            # In-process tasks use no broker: kombu's "No hostname was supplied" is about nothing.
            logging.getLogger("kombu.connection").setLevel(logging.ERROR)


def make_folders() -> None:
    """Create the folders the app writes to (var/, MEDIA_ROOT, STATIC_ROOT) if they are missing.

    A fresh clone has none of them (var/ is ignored by git). Raises OSError naming the folder
    when one cannot be created (e.g. a read-only MEDIA_ROOT).
    """
    for folder in (settings.BASE_DIR / "var", settings.MEDIA_ROOT, settings.STATIC_ROOT):
        folder.mkdir(parents=True, exist_ok=True)


def engines() -> str:
    """One line naming the database server and where tasks run, for the start-up of a server or the demo."""
    from config import embedded_db

    database = f"embedded PostgreSQL in {embedded_db.PGDATA}" if embedded_db.in_use() else "DATABASE_URL"
    tasks = (
        "in-process (no CELERY_BROKER_URL)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "Celery workers via CELERY_BROKER_URL"
    )
    return f"Database: {database}; tasks: {tasks}."
