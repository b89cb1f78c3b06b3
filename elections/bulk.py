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


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the model's identity sequence, for rows COPY is about to write.

    nextval never hands a value out twice, whatever other transactions do, so rows written with
    these ids need no reading back to learn them.
    """
    if not count:
        return []
    statement = (
        "SELECT nextval(sequence) FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) s,"
        " generate_series(1, %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [model._meta.db_table, _column(model, model._meta.pk.attname), count])
        return [row[0] for row in cursor.fetchall()]


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete column")
    return field.column
