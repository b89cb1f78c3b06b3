"""The layout of an official snapshot's figure arrays: which line or option each position holds.

An official protocol stores its figures as one integer array (OfficialProtocol.figure_values) in
the order of its snapshot's layout: the contest's protocol lines in form order, then its ballot
options in ballot order, as they were when the snapshot was imported (OfficialSnapshot.layout_lines
and layout_options, read-only in the database). A NULL element is a figure the protocol does not
give, never 0. Positions here are 0-based; SQL subscripts are these plus 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Value

from elections.models import BallotOption, Contest, ProtocolLine
from elections.protocol import Figures

Ref = tuple[int | None, int | None]  # (line id, None) or (None, option id)
Values = Sequence[int | None]


@dataclass(frozen=True)
class FigureLayout:
    """Line ids and option ids in array order, with their codes (None: a line or option since deleted)."""

    line_ids: tuple[int, ...]
    option_ids: tuple[int, ...]
    line_codes: tuple[str | None, ...] = ()
    option_codes: tuple[str | None, ...] = ()
    _positions: dict[Ref, int] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of_contest(cls, contest: Contest) -> FigureLayout:
        """The layout a snapshot of `contest` imported now gets (two queries)."""
        lines = list(contest.form.lines.order_by("position", "pk").values_list("pk", "code"))
        options = list(contest.options.order_by("position", "pk").values_list("pk", "code"))
        return cls(
            tuple(pk for pk, _ in lines),
            tuple(pk for pk, _ in options),
            tuple(code for _, code in lines),
            tuple(code for _, code in options),
        )

    @classmethod
    def of_ids(cls, line_ids: Iterable[int], option_ids: Iterable[int]) -> FigureLayout:
        """A stored layout with its codes looked up (one query)."""
        line_ids, option_ids = tuple(line_ids), tuple(option_ids)
        lines_found = ProtocolLine.objects.filter(pk__in=line_ids).annotate(kind=Value("line")).order_by()
        options_found = (
            BallotOption.objects.filter(pk__in=option_ids).annotate(kind=Value("option")).order_by()
        )
        found = (
            lines_found.values_list("kind", "pk", "code")
            .union(options_found.values_list("kind", "pk", "code"), all=True)
            .order_by()
        )
        lines: dict[int, str] = {}
        options: dict[int, str] = {}
        for kind, pk, code in found:
            (lines if kind == "line" else options)[pk] = code
        return cls(
            line_ids,
            option_ids,
            tuple(lines.get(pk) for pk in line_ids),
            tuple(options.get(pk) for pk in option_ids),
        )

    @property
    def width(self) -> int:
        return len(self.line_ids) + len(self.option_ids)

    def position(self, ref: Ref) -> int | None:
        """0-based position of a (line id, None) or (None, option id) ref; None if not in the layout."""
        if not self._positions:
            refs = [(pk, None) for pk in self.line_ids] + [(None, pk) for pk in self.option_ids]
            self._positions.update((ref, n) for n, ref in enumerate(refs))
        return self._positions.get(ref)

    def line_position(self, line_id: int | None) -> int | None:
        return None if line_id is None else self.position((line_id, None))

    def option_position(self, option_id: int | None) -> int | None:
        return None if option_id is None else self.position((None, option_id))

    def figures(self, values: Values | None) -> Figures:
        """Figures by code of one array (None or short: the figures it lacks are absent)."""
        values = values or ()
        count = len(self.line_ids)
        lines = {
            code: value
            for code, value in zip(self.line_codes, values[:count], strict=False)
            if code is not None and value is not None
        }
        options = {
            code: value
            for code, value in zip(self.option_codes, values[count:], strict=False)
            if code is not None and value is not None
        }
        return Figures(lines, options)

    def values_of(self, given: Iterable[tuple[int | None, int | None, int]]) -> list[int | None]:
        """The array of (line id, option id, count) triples; KeyError for a ref not in the layout."""
        values: list[int | None] = [None] * self.width
        for line_id, option_id, count in given:
            position = self.position((line_id, option_id))
            if position is None:
                raise KeyError(f"line {line_id} / option {option_id} is not in the snapshot's layout")
            values[position] = count
        return values

    def values_from(self, figures: Figures) -> list[int | None]:
        """The array of Figures keyed by code; KeyError for a code not in the layout."""
        lines = {code: n for n, code in enumerate(self.line_codes) if code is not None}
        options = {
            code: len(self.line_ids) + n for n, code in enumerate(self.option_codes) if code is not None
        }
        values: list[int | None] = [None] * self.width
        for code, value in figures.lines.items():
            values[lines[code]] = value
        for code, value in figures.options.items():
            values[options[code]] = value
        return values


class FigureLayouts(dict[int, FigureLayout]):
    """Snapshot id → its FigureLayout, loaded on first use (two queries each)."""

    def __missing__(self, snapshot_id: int) -> FigureLayout:
        from tallies.models.official import OfficialSnapshot  # it imports this module

        lines, options = OfficialSnapshot.objects.values_list("layout_lines", "layout_options").get(
            pk=snapshot_id
        )
        layout = self[snapshot_id] = FigureLayout.of_ids(lines, options)
        return layout

    def figures_of(self, rows: Iterable[tuple[int, Values | None]]) -> list[Figures]:
        """Figures of (snapshot id, figure_values) pairs, in order."""
        return [self[snapshot_id].figures(values) for snapshot_id, values in rows]


def figures_by(rows: Iterable[tuple[int, int, Values | None]]) -> Mapping[int, Figures]:
    """key → Figures of (key, snapshot id, figure_values) rows."""
    layouts = FigureLayouts()
    return {key: layouts[snapshot_id].figures(values) for key, snapshot_id, values in rows}
