"""What an official results file holds, before (dry run) or after it is imported.

The report gives per-line and per-option totals (votes; missing figures are not counted as 0
but counted apart), the first rows as read, every cell refused (row and column), and for station
files how many stations are complete, partial and consistent:

- complete: every ballot option and every line whose role is "valid" or "invalid" has a figure
  (the vote count itself is whole; the Belarus 2020 set has 684 such stations);
- consistent: complete, and every control relation of the form can be checked and holds (606);
- not checkable: complete, but some relation needs a missing line (never "broken" for that).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from elections.models import Contest, ProtocolLine
from elections.protocol import OPTIONS_TOTAL, parse_relation
from elections.protocol import Term as ProtocolTerm
from tallies.services.columns import Ref
from tallies.services.station_files import BadCell, ParsedRow

FIRST_ROWS = 5
RESULT_ROLES = (ProtocolLine.Role.VALID, ProtocolLine.Role.INVALID)


@dataclass
class Coverage:
    """Stations in a station-level file by how whole and how consistent their figures are."""

    stations: int = 0
    complete: int = 0
    consistent: int = 0
    inconsistent: int = 0
    not_checkable: int = 0

    @property
    def partial(self) -> int:
        return self.stations - self.complete


@dataclass
class ImportReport:
    """One file read for a contest at a level; `snapshot_id` is set once stored (or when a repeat)."""

    file_name: str
    level: str
    rows: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # code → votes over the rows that give it
    missing: dict[str, int] = field(default_factory=dict)  # code → rows where the figure is missing
    first_rows: list[dict[str, object]] = field(default_factory=list)
    bad_cells: list[BadCell] = field(default_factory=list)
    coverage: Coverage | None = None
    snapshot_id: int | None = None
    created: bool = False
    repeat: bool = False  # the same file is already imported at this level (nothing new written)


Term = tuple[int, Ref | None, int | None]  # (sign, a line's ref, a constant); (sign, None, None): options


class FormShape:
    """The contest's codes by ref, the result lines and the relations, read once per report."""

    def __init__(self, contest: Contest) -> None:
        lines = list(contest.form.lines.all())
        self.codes: dict[Ref, str] = {(line.pk, None): line.code for line in lines}
        self.codes |= {(None, option.pk): option.code for option in contest.options.all()}
        self.options = [ref for ref in self.codes if ref[0] is None]
        self.required: set[Ref] = {(line.pk, None) for line in lines if line.role in RESULT_ROLES}
        self.required |= set(self.options)
        refs: dict[str, Ref] = {line.code: (line.pk, None) for line in lines}
        self.relations = [
            (_terms(parsed.lhs, refs), parsed.comparator, _terms(parsed.rhs, refs), relation.tolerance)
            for relation in contest.form.control_relations.all()
            for parsed in [parse_relation(relation.expression)]
        ]

    def classify(self, values: dict[Ref, int]) -> str:
        """'partial', 'consistent', 'inconsistent' or 'not_checkable' (see the module docstring).

        The relations are evaluated here on the refs, as elections.protocol.check_relation does on
        codes (the report reads 100,000 stations: no Figures object per station).
        """
        if not self.required <= values.keys():
            return "partial"
        verdict = "consistent"
        for lhs, comparator, rhs, tolerance in self.relations:
            left, right = self._side(lhs, values), self._side(rhs, values)
            if left is None or right is None:
                verdict = "not_checkable"
            elif not _holds(left, comparator, right, tolerance):
                return "inconsistent"
        return verdict

    def classify_full(self, refs: tuple[Ref, ...]) -> Callable[[list[int]], str] | None:
        """A faster classify for rows of `refs` with every figure present (None if refs lack one).

        Each relation side becomes a list of (position in the row, sign) and a constant.
        """
        if not self.required <= set(refs):
            return None
        position = {ref: index for index, ref in enumerate(refs)}
        compiled = []
        for lhs, comparator, rhs, tolerance in self.relations:
            left, right = self._positions(lhs, position), self._positions(rhs, position)
            if left is None or right is None:
                return None  # a relation needs a line the file has no column for
            compiled.append((left, comparator, right, tolerance))

        def classify(counts: list[int]) -> str:
            for (left, lc), comparator, (right, rc), tolerance in compiled:
                a = lc + sum(sign * counts[i] for i, sign in left)
                b = rc + sum(sign * counts[i] for i, sign in right)
                if not _holds(a, comparator, b, tolerance):
                    return "inconsistent"
            return "consistent"

        return classify

    def _positions(
        self, terms: list[Term], position: dict[Ref, int]
    ) -> tuple[list[tuple[int, int]], int] | None:
        out: list[tuple[int, int]] = []
        constant = 0
        for sign, ref, value in terms:
            if ref is None and value is None:
                out += [(position[o], sign) for o in self.options]
            elif ref is None:
                constant += sign * (value or 0)
            elif ref in position:
                out.append((position[ref], sign))
            else:
                return None
        return out, constant

    def _side(self, terms: list[Term], values: dict[Ref, int]) -> int | None:
        total = 0
        for sign, ref, constant in terms:
            if ref is None:
                total += sign * (sum(values[o] for o in self.options) if constant is None else constant)
            elif ref not in values:
                return None
            else:
                total += sign * values[ref]
        return total


def _terms(terms: tuple[ProtocolTerm, ...], refs: dict[str, Ref]) -> list[Term]:
    """A relation side as (sign, ref, constant): options_total is (sign, None, None)."""
    out: list[Term] = []
    for term in terms:
        if term.name == OPTIONS_TOTAL:
            out.append((term.sign, None, None))
        elif term.name:
            out.append((term.sign, refs[term.name], 0))
        else:
            out.append((term.sign, None, term.constant))
    return out


def _holds(left: int, comparator: str, right: int, tolerance: int) -> bool:
    """As elections.protocol.check_relation: a difference within `tolerance` votes still holds."""
    if comparator == "==":
        return abs(left - right) <= tolerance
    if comparator == "<=":
        return left <= right + tolerance
    return left + tolerance >= right


def station_report(
    contest: Contest, rows: list[ParsedRow], file_name: str, bad_cells: list[BadCell]
) -> ImportReport:
    """The report of parsed station rows (see ImportReport); nothing is read from or written to files."""
    shape = FormShape(contest)
    report = ImportReport(file_name=file_name, level="station", rows=len(rows), bad_cells=bad_cells)
    verdicts = _verdicts(shape, rows)
    report.first_rows = [_as_read(row, shape) for row in rows[:FIRST_ROWS]]
    totals: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    if rows:  # column by column: one pass of sum() per line instead of a dict update per figure
        for ref, column in zip(rows[0].refs, zip(*(row.counts for row in rows), strict=True), strict=True):
            present = [count for count in column if count is not None]
            totals[shape.codes[ref]] = sum(present)
            if len(present) < len(column):
                missing[shape.codes[ref]] = len(column) - len(present)
    report.totals, report.missing = _ordered(totals, shape), _ordered(missing, shape)
    report.coverage = Coverage(
        stations=len(rows),
        complete=len(rows) - verdicts["partial"],
        consistent=verdicts["consistent"],
        inconsistent=verdicts["inconsistent"],
        not_checkable=verdicts["not_checkable"],
    )
    return report


def _verdicts(shape: FormShape, rows: list[ParsedRow]) -> Counter[str]:
    """How many rows classify as each verdict of FormShape.classify.

    A row with every figure goes through `classify_full`, compiled once per tuple of refs (one
    per file), as positions in the row: no dict per station (issue 17: the dict per row was
    most of the report's 2 s at 95,225 stations). Partial rows, and refs it cannot compile,
    take `classify`.
    """
    verdicts: Counter[str] = Counter()
    compiled: dict[tuple[Ref, ...], Callable[[list[int]], str] | None] = {}
    for row in rows:
        if None not in row.counts:
            if row.refs not in compiled:
                compiled[row.refs] = shape.classify_full(row.refs)
            classify = compiled[row.refs]
            if classify is not None:
                verdicts[classify(row.counts)] += 1  # type: ignore[arg-type]
                continue
        values = {ref: count for ref, count in zip(row.refs, row.counts, strict=True) if count is not None}
        verdicts[shape.classify(values)] += 1
    return verdicts


def totals_report(
    contest: Contest, file_name: str, level: str, rows: list[tuple[tuple[str, ...], dict[Ref, int]]]
) -> ImportReport:
    """The report of aggregated rows: (commission chain, {ref: votes}) per region, TEC or the nation."""
    shape = FormShape(contest)
    report = ImportReport(file_name=file_name, level=level, rows=len(rows))
    totals: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for chain, values in rows:
        for ref, code in shape.codes.items():
            if ref in values:
                totals[code] += values[ref]
            else:
                missing[code] += 1
        if len(report.first_rows) < FIRST_ROWS:
            report.first_rows.append(
                {"where": " / ".join(chain)} | {shape.codes[r]: v for r, v in values.items()}
            )
    report.totals, report.missing = _ordered(totals, shape), _ordered(missing, shape)
    return report


def _as_read(row: ParsedRow, shape: FormShape) -> dict[str, object]:
    where = " / ".join((*row.record.chain, row.record.number))
    read = dict(zip(row.refs, row.counts, strict=True))
    figures = {code: read[ref] for ref, code in shape.codes.items() if ref in read}  # in form order
    return {"row": row.row_number, "where": where} | figures


def _ordered(counter: Counter[str], shape: FormShape) -> dict[str, int]:
    """In form order: lines, then options."""
    return {code: counter[code] for code in shape.codes.values() if code in counter}
