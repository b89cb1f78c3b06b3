"""Fast bulk inserts with PostgreSQL's COPY.

Imports of a national election write ~100,000 commissions and stations and millions of figures;
Django's bulk_create spends most of that time building model instances and SQL parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert `rows` (tuples in the order of `columns`, given as attnames like "parent_id") with COPY."""
    names = ", ".join(_column(model, name) for name in columns)
    statement = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field.column
