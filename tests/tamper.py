"""Editing append-only tables the way someone with the database password could, for tamper tests."""

from __future__ import annotations

from django.db import connection


def behind_the_triggers(table: str, statement: str, params: list) -> None:
    """Run raw SQL on `table` with its append-only triggers disabled, then enable them again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending FK checks
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cursor.execute(statement, params)
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
