"""The bench database: created if missing, its schema rebuilt, its data cleared between runs.

Only a database whose name contains "bench" is ever dropped or truncated, so a mistyped
DATABASE_URL cannot wipe the project's or a test's database.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from bench.createdb import NotABenchDatabase

KEEP = {"django_migrations", "django_content_type", "auth_permission"}


def _check_bench() -> None:
    name = connection.settings_dict["NAME"]
    if "bench" not in name and not name.startswith("test_"):
        raise NotABenchDatabase(f"refusing to change {name!r}: not a bench or test database")


def reset_schema() -> None:
    """Drop and recreate the public schema, then migrate: an empty database as on a fresh clone."""
    _check_bench()
    with connection.cursor() as cursor:
        cursor.execute("drop schema public cascade; create schema public")
    call_command("migrate", verbosity=0, interactive=False)
    ContentType.objects.clear_cache()


def clear_data() -> None:
    """Empty every table but the migration and content-type records (TRUNCATE, new files)."""
    _check_bench()
    tables = [name for name in connection.introspection.table_names() if name not in KEEP]
    with connection.cursor() as cursor:
        cursor.execute("set constraints all immediate")  # inside a test: no pending FK checks
        cursor.execute(f"truncate {', '.join(tables)} restart identity cascade")
        cursor.execute("set constraints all deferred")
    ContentType.objects.clear_cache()


def analyze() -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum would shortly after."""
    with connection.cursor() as cursor:
        cursor.execute("analyze")


def server_facts() -> dict[str, str]:
    """PostgreSQL's version and the settings that matter for these figures."""
    facts = {}
    with connection.cursor() as cursor:
        cursor.execute("show server_version")
        facts["server_version"] = cursor.fetchone()[0]
        for name in ("shared_buffers", "work_mem", "fsync", "synchronous_commit", "max_connections"):
            cursor.execute(f"show {name}")
            facts[name] = cursor.fetchone()[0]
    return facts
