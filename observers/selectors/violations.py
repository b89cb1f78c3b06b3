"""Reads of the violation taxonomy: shipped data (observers/data/violation_types.json, domain.md §4).

A type has a stage and a category; observer-rights types (§4.6) are cross-cutting and offered at
every stage. Writes (loading the taxonomy, filing and reviewing acts) are in
observers/services/violations.py.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db.models import Q, QuerySet

from elections.models import pick_label
from observers.models import ViolationType

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # shipped reference data


@cache
def taxonomy() -> dict[str, Any]:
    """The shipped violation taxonomy: {"categories": [...], "types": [...], ...} (read once)."""
    return json.loads((DATA_DIR / "violation_types.json").read_text(encoding="utf-8"))


def category_label(code: str) -> str:
    """The label of a violation category in the active language (the code if unknown)."""
    labels = {row["code"]: row["labels"] for row in taxonomy()["categories"]}
    return pick_label(labels.get(code, {}), code)


def types_for_stage(stage: str) -> QuerySet[ViolationType]:
    """Violation types offered at `stage`: its own plus the cross-cutting observer-rights ones."""
    cross_cutting = taxonomy()["cross_cutting_category"]
    return ViolationType.objects.filter(Q(stage=stage) | Q(category=cross_cutting)).order_by(
        "category", "code"
    )
