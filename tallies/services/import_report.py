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
from dataclasses import dataclass, field

from elections.models import Contest, ProtocolLine
from elections.protocol import Figures, check_relation, parse_relation
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


class FormShape:
    """The contest's codes by ref, the result lines and the relations, read once per report."""

    def __init__(self, contest: Contest) -> None:
        lines = list(contest.form.lines.all())
        self.codes: dict[Ref, str] = {(line.pk, None): line.code for line in lines}
        self.codes |= {(None, option.pk): option.code for option in contest.options.all()}
        self.line_codes = {line.code for line in lines}
        self.required: set[Ref] = {(line.pk, None) for line in lines if line.role in RESULT_ROLES}
        self.required |= {ref for ref in self.codes if ref[0] is None}
        self.relations = [(r.expression, r.tolerance) for r in contest.form.control_relations.all()]

    def figures(self, values: dict[Ref, int]) -> Figures:
        lines = {self.codes[ref]: v for ref, v in values.items() if ref[0] is not None}
        options = {self.codes[ref]: v for ref, v in values.items() if ref[0] is None}
        return Figures(lines, options)

    def classify(self, values: dict[Ref, int]) -> str:
        """'partial', 'consistent', 'inconsistent' or 'not_checkable' (see the module docstring)."""
        if not self.required <= values.keys():
            return "partial"
        figures = self.figures(values)
        verdict = "consistent"
        for expression, tolerance in self.relations:
            if parse_relation(expression).names() - {"options_total"} - figures.lines.keys():
                verdict = "not_checkable"
            elif not check_relation(expression, figures, tolerance).holds:
                return "inconsistent"
        return verdict


def station_report(
    contest: Contest, rows: list[ParsedRow], file_name: str, bad_cells: list[BadCell]
) -> ImportReport:
    """The report of parsed station rows (see ImportReport); nothing is read from or written to files."""
    shape = FormShape(contest)
    report = ImportReport(file_name=file_name, level="station", rows=len(rows), bad_cells=bad_cells)
    totals: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    verdicts: Counter[str] = Counter()
    for row in rows:
        values = {ref: count for ref, count in zip(row.refs, row.counts, strict=True) if count is not None}
        for ref, count in zip(row.refs, row.counts, strict=True):
            if count is None:
                missing[shape.codes[ref]] += 1
            else:
                totals[shape.codes[ref]] += count
        verdicts[shape.classify(values)] += 1
        if len(report.first_rows) < FIRST_ROWS:
            report.first_rows.append(_as_read(row, shape))
    report.totals, report.missing = _ordered(totals, shape), _ordered(missing, shape)
    report.coverage = Coverage(
        stations=len(rows),
        complete=len(rows) - verdicts["partial"],
        consistent=verdicts["consistent"],
        inconsistent=verdicts["inconsistent"],
        not_checkable=verdicts["not_checkable"],
    )
    return report


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
