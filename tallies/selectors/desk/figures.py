"""Figures of several copies by code ("lines.<code>" / "options.<code>"), and the codes' labels."""

from __future__ import annotations

from collections import defaultdict

from tallies.models import ConflictResolution, LineVerification, ProtocolCopy
from tallies.models.copy_layout import coded_figure_rows
from tallies.selectors.layout import Layout

Values = dict[int, dict[str, int]]  # copy id → code → value


def labels(layout: Layout) -> dict[str, str]:
    """Code → "N. label" for every line, then option name for every option, in form order."""
    return {
        f"{kind}s.{code}": f"{number}. {label}" if number else label
        for kind, code, number, label in layout.entries()
    }


def copy_values(copies: list[ProtocolCopy]) -> Values:
    """Every figure of `copies`: copy id → code → value (one query)."""
    found: Values = defaultdict(dict)
    for copy_id, line, option, value in coded_figure_rows(c.pk for c in copies):
        found[copy_id][f"lines.{line}" if line else f"options.{option}"] = value
    return found


def code_of(row: ConflictResolution | LineVerification) -> str:
    """The row's "lines.<code>" or "options.<code>" (line and option loaded with select_related)."""
    if row.line is not None:
        return f"lines.{row.line.code}"
    assert row.option is not None
    return f"options.{row.option.code}"
