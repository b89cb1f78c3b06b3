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


FLAT, SUBLINEAR, LINEAR, SUPERLINEAR = "flat", "sub-linear", "linear", "super-linear"


def growth_shape(factor: float, size_factor: float) -> str:
    """How a cost grew by `factor` while the election grew by `size_factor` (> 1).

    On a log scale: an exponent below 0.2 is flat (under 1.6× for 10×), up to 0.8 sub-linear,
    up to 1.2 linear (6.3× to 15.8× for 10×), above that super-linear. Timings on a shared machine
    wobble by tens of percent, hence the wide bands.
    """
    import math

    exponent = math.log(max(factor, 1e-9)) / math.log(size_factor)
    if exponent < 0.2:
        return FLAT
    if exponent < 0.8:
        return SUBLINEAR
    return LINEAR if exponent <= 1.2 else SUPERLINEAR


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
    per_request: set[str] = field(default_factory=set)
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

    def cost(self, name: str, stations: int, value: float, per_request: bool = False) -> None:
        """Record a cost in seconds at a size, for the growth table.

        `per_request`: the cost of one request or one copy, which must not grow with the election
        (issue 17); once it is known at two sizes, a G row says whether it stayed flat.
        """
        self.costs.setdefault(name, {})[stations] = value
        if per_request:
            self.per_request.add(name)
            self._check_flat(name)

    def _check_flat(self, name: str) -> None:
        by_size = self.costs[name]
        if len(by_size) < 2:
            return
        small, large = min(by_size), max(by_size)
        shape = growth_shape(by_size[large] / by_size[small], large / small)
        figure = f"{name}: {seconds(by_size[small])} → {seconds(by_size[large])}, {shape}"
        ratio = times(by_size[large] / by_size[small])
        self.add(Row("G", f"{small:,}→{large:,}", figure, "flat", ratio, MET if shape == FLAT else MISSED))

    def growth_markdown(self) -> str:
        """Each cost at each size measured, the factor from the smallest size to the largest, its shape."""
        sizes = sorted({size for by_size in self.costs.values() for size in by_size})
        header = "| Cost | " + " | ".join(f"{size:,} stations" for size in sizes) + " | Growth | Shape |\n"
        lines = [header, "|---" * (len(sizes) + 3) + "|\n"]
        for name, by_size in self.costs.items():
            cells = [seconds(by_size[size]) if size in by_size else "—" for size in sizes]
            known = sorted(by_size)
            growth, shape = "—", "—"
            if len(known) > 1:
                factor = by_size[known[-1]] / by_size[known[0]]
                growth, shape = times(factor), growth_shape(factor, known[-1] / known[0])
            lines.append(f"| {name} | {' | '.join(cells)} | {growth} | {shape} |\n")
        return "".join(lines)

    def missed(self) -> list[Row]:
        return [row for row in self.rows if row.verdict == MISSED]
