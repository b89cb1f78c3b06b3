"""Fast bulk inserts: COPY on PostgreSQL, bulk_create elsewhere (the embedded SQLite default).

Imports of a national election write ~100,000 commissions and stations and millions of figures;
Django's bulk_create spends most of that time building model instances and SQL parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

SQLITE_BATCH = 2000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in the order of `columns`, given as attnames like "parent_id")."""
    if connection.vendor == "postgresql":
        names = ", ".join(_column(model, name) for name in columns)
        statement = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        return
    model._default_manager.bulk_create(
        (model(**dict(zip(columns, row, strict=True))) for row in rows), batch_size=SQLITE_BATCH
    )


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field.column
