"""Create the bench database before Django starts (Django needs it to exist to connect)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg


class NotABenchDatabase(Exception):
    """The database named is not a bench database; nothing was changed."""


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str) -> bool:
    """Create the database of `url` unless it exists; return True when created.

    Raises NotABenchDatabase for a name without "bench".
    """
    name = database_name(url)
    if "bench" not in name:
        raise NotABenchDatabase(f"refusing to use {name!r}: the bench database name must contain 'bench'")
    maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            return False
        conn.execute(f'create database "{name}"')
    return True
