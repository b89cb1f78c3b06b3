"""COPY rows into a table in PostgreSQL's text format, written in chunks (the fixture builders' path)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection

CHUNK = 50_000


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY `rows` (values in the order of `columns`; None is NULL) into `table`; return how many.

    Values must not contain tabs, newlines or backslashes (numbers, ids, plain codes).
    """
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    counter = [0]
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in _chunks(rows, counter):
            copy.write(chunk)
    return counter[0]


def _chunks(rows: Iterable[Sequence[Any]], counter: list[int]) -> Iterator[str]:
    buffer: list[str] = []
    for row in rows:
        buffer.append("\t".join("\\N" if value is None else str(value) for value in row) + "\n")
        if len(buffer) >= CHUNK:
            counter[0] += len(buffer)
            yield "".join(buffer)
            buffer = []
    counter[0] += len(buffer)
    yield "".join(buffer)
