"""Result rows: each figure next to its target, the ratio measured in the same run, a verdict.

Rows are printed as they are measured and again as one markdown table at the end, the table
docs/benchmarks.md quotes.
"""

from __future__ import annotations

import operator
import sys
from dataclasses import dataclass, field

MET, MISSED, INFO = "met", "MISSED", "info"
OPERATORS = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Row:
    """One printed line; `stations` and `ratio` are display text ("—" when not applicable)."""

    bench: str
    stations: str
    figure: str
    target: str
    ratio: str
    verdict: str


def verdict(value: float, op: str, limit: float) -> str:
    """MET when `value op limit` holds (op "<=" or ">="), else MISSED."""
    return MET if OPERATORS[op](value, limit) else MISSED


def stations_text(stations: int | None) -> str:
    return f"{stations:,}" if stations else "—"


def seconds(value: float) -> str:
    """A duration in seconds as text in ms below one second, else in s."""
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def fraction(value: float) -> str:
    """A ratio below one as "1/N" (N rounded), else as "N×"."""
    return f"1/{1 / value:,.0f}" if 0 < value < 1 else times(value)


def times(value: float) -> str:
    return f"{value:,.1f}×"


@dataclass
class Report:
    """The rows of one run, printed as they come."""

    rows: list[Row] = field(default_factory=list)
    costs: dict[str, dict[int, float]] = field(default_factory=dict)
    out: object = sys.stdout

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(
            f"[{row.bench}] {row.stations} stations | {row.figure} | target {row.target} | "
            f"ratio {row.ratio} | {row.verdict}",
            file=self.out,  # type: ignore[arg-type]
            flush=True,
        )
        return row

    def note(self, text: str) -> None:
        """Print a progress line that is not a result (what is being built, how long it took)."""
        print(f"  .. {text}", file=self.out, flush=True)  # type: ignore[arg-type]

    def markdown(self) -> str:
        header = "| Goal | Stations | Figure | Target | Ratio | Verdict |\n|---|---|---|---|---|---|\n"
        body = "".join(
            f"| {r.bench} | {r.stations} | {r.figure} | {r.target} | {r.ratio} | {r.verdict} |\n"
            for r in self.rows
        )
        return header + body

    def cost(self, name: str, stations: int, value: float) -> None:
        """Record a cost in seconds at a size, for the growth table."""
        self.costs.setdefault(name, {})[stations] = value

    def growth_markdown(self) -> str:
        """Each cost at each size measured, and the factor from the smallest size to the largest."""
        sizes = sorted({size for by_size in self.costs.values() for size in by_size})
        header = "| Cost | " + " | ".join(f"{size:,} stations" for size in sizes) + " | Growth |\n"
        lines = [header, "|---" * (len(sizes) + 2) + "|\n"]
        for name, by_size in self.costs.items():
            cells = [seconds(by_size[size]) if size in by_size else "—" for size in sizes]
            known = sorted(by_size)
            growth = times(by_size[known[-1]] / by_size[known[0]]) if len(known) > 1 else "—"
            lines.append(f"| {name} | {' | '.join(cells)} | {growth} |\n")
        return "".join(lines)

    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.verdict == MISSED]
