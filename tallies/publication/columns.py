"""Columns and tables of a release: what the data dictionary describes and the writers write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column of a table, as the data dictionary describes it (Frictionless field types)."""

    name: str
    type: str  # integer, number, string, boolean, datetime
    unit: str
    description: str

    def as_field(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "unit": self.unit, "description": self.description}


@dataclass(frozen=True)
class Table:
    """A named table: its file stem, title, description, columns and rows (cells in column order)."""

    name: str
    title: str
    description: str
    columns: list[Column]
    rows: list[list[Any]]


def english(labels: dict[str, str], fallback: str) -> str:
    return labels.get("en") or labels.get("ru") or fallback
