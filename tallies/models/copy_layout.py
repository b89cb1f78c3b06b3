"""The layout of a copy's figure array: which protocol line or ballot option each position holds.

An observer's copy stores its figures as one integer array (ProtocolCopy.figure_values) in the
order of its `CopyLayout`: the ids of the contest's protocol lines in form order, then of its
ballot options in ballot order, as they were when the copy was stored. A layout is stored once
per content (copies of one contest share it while the form does not change) and never changes
or goes away, so a line or option added to or removed from the form later changes no existing
copy's meaning. Each layout also holds one `CopyLayoutSlot` row per position, with a PROTECT
foreign key to its line or option: a line or option that a stored copy's layout names cannot be
deleted, as CopyFigure's foreign keys had it (migration 0040). Positions are 1-based here, as
SQL subscripts; `FigureLayout` (0-based) reads the same ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact

from config.append_only import APPEND_ONLY
from elections.models import BallotOption, ProtocolLine
from elections.protocol import Figures

# The layout with exactly given ids is found or created (with its slots) by the database
# function tallies_copy_layout(line ids, option ids), installed by migration 0040.


def figure_rows_sql(copy: str) -> str:
    """FROM items that give (lay, u) for the copy aliased `copy`: u.value, u.pos, and the figure's
    `line_id` / `option_id` as `lay.line_ids[u.pos]` / `lay.option_ids[u.pos - cardinality(lay.line_ids)]`
    (PostgreSQL answers NULL for a subscript out of range). Keep `WHERE u.value IS NOT NULL`
    to read the figures given, as CopyFigure rows were: a NULL element is a figure not given.
    """
    return (
        f"JOIN tallies_copylayout lay ON lay.id = {copy}.figure_layout_id "
        f"CROSS JOIN LATERAL unnest({copy}.figure_values) WITH ORDINALITY AS u(value, pos)"
    )


LINE_ID = "lay.line_ids[u.pos]"
OPTION_ID = "lay.option_ids[u.pos - cardinality(lay.line_ids)]"


def figures_not_negative(name: str) -> models.CheckConstraint:
    """The check that every figure of a `figure_values` integer array is ≥ 0 (NULLs pass): votes
    and ballots are counts. Shared by official protocols and observers' copies."""
    return models.CheckConstraint(
        condition=Exact(
            Func(
                F("figure_values"), template="0 <= ALL(%(expressions)s)", output_field=models.BooleanField()
            ),
            True,
        ),
        name=name,
    )


class CopyLayout(models.Model):
    """The line ids (form order) and option ids (ballot order) of copies' figure arrays; never changed."""

    line_ids = ArrayField(models.IntegerField())
    option_ids = ArrayField(models.IntegerField())

    class Meta:
        triggers = APPEND_ONLY
        constraints = [models.UniqueConstraint(fields=["line_ids", "option_ids"], name="copylayout_unique")]

    def __str__(self) -> str:
        return f"copy layout {self.pk} ({len(self.line_ids)} lines, {len(self.option_ids)} options)"

    @property
    def width(self) -> int:
        return len(self.line_ids) + len(self.option_ids)


class CopyLayoutSlot(models.Model):
    """One position (1-based) of a CopyLayout: its line or its option, PROTECTed from deletion."""

    layout = models.ForeignKey(CopyLayout, models.PROTECT, related_name="slots", db_index=False)
    position = models.PositiveSmallIntegerField()
    line = models.ForeignKey(
        ProtocolLine, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    option = models.ForeignKey(
        BallotOption, models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["layout", "position"]
        triggers = APPEND_ONLY
        constraints = [
            models.CheckConstraint(
                condition=Q(line__isnull=False, option__isnull=True)
                | Q(line__isnull=True, option__isnull=False),
                name="copylayoutslot_line_xor_option",
            ),
            models.UniqueConstraint(fields=["layout", "position"], name="copylayoutslot_unique_position"),
        ]
        indexes = [
            models.Index(fields=["line"], name="copylayoutslot_line", condition=Q(line__isnull=False)),
            models.Index(fields=["option"], name="copylayoutslot_option", condition=Q(option__isnull=False)),
        ]


def layout_id(line_ids: Sequence[int], option_ids: Sequence[int]) -> int:
    """The id of the CopyLayout of exactly these ids, created if new (one statement, tallies_copy_layout)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tallies_copy_layout(%s::integer[], %s::integer[])", [list(line_ids), list(option_ids)]
        )
        (found,) = cursor.fetchone()
    return int(found)


def figures_in(slots: Iterable[CopyLayoutSlot], values: Sequence[int | None] | None) -> Figures:
    """Figures by code of one array in the layout of `slots` (with `line`/`option` loaded).

    Shapes: `values[position - 1]` is the figure of each slot's line or option; None (a figure
    the copy does not give) is left out, as a missing CopyFigure row was. A NULL array: no figures.
    """
    lines: dict[str, int] = {}
    options: dict[str, int] = {}
    if values is None:
        return Figures(lines, options)
    for slot in slots:
        value = values[slot.position - 1] if slot.position <= len(values) else None
        if value is None:
            continue
        if slot.line is not None:
            lines[slot.line.code] = value
        elif slot.option is not None:
            options[slot.option.code] = value
    return Figures(lines, options)


def values_in(
    line_ids: Sequence[int], option_ids: Sequence[int], given: dict[int, int], given_options: dict[int, int]
) -> list[int | None] | None:
    """The array of figures by line id and option id in the layout's order; None if none is given."""
    values = [given.get(pk) for pk in line_ids] + [given_options.get(pk) for pk in option_ids]
    return values if any(value is not None for value in values) else None


CODED_ROWS = f"""
SELECT c.id, l.code, o.code, u.value
FROM tallies_protocolcopy c {figure_rows_sql("c")}
LEFT JOIN elections_protocolline l ON l.id = {LINE_ID}
LEFT JOIN elections_ballotoption o ON o.id = {OPTION_ID}
WHERE c.id = ANY(%s) AND u.value IS NOT NULL
ORDER BY c.id, u.pos
"""

CodedRow = tuple[int, str | None, str | None, int]  # copy id, line code or None, option code or None, value


def coded_figure_rows(copy_ids: Iterable[int]) -> list[CodedRow]:
    """Every figure the copies give, one row each as CopyFigure rows read with their codes (one query).

    Rows come per copy in layout order (lines in form order, then options); copies sent as
    photos only give none.
    """
    with connection.cursor() as cursor:
        cursor.execute(CODED_ROWS, [list(copy_ids)])
        return list(cursor.fetchall())


def figures_of_copies(copy_ids: Iterable[int]) -> dict[int, Figures]:
    """Copy id → its Figures, for copies that give figures (one query)."""
    found: dict[int, Figures] = {}
    for copy_id, line, option, value in coded_figure_rows(copy_ids):
        figures = found.setdefault(copy_id, Figures({}, {}))
        if line is not None:
            figures.lines[line] = value  # type: ignore[index]
        elif option is not None:
            figures.options[option] = value  # type: ignore[index]
    return found
