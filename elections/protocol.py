"""Protocol figures as a value object, and control relations evaluated on them.

A control relation is an expression over line codes, e.g. ``ballots_valid == options_total`` or
``ballots_received == ballots_issued_early + ballots_cancelled - ballots_unaccounted``: two sums
of line codes (and integer constants) compared with ``==``, ``<=`` or ``>=``. ``options_total`` is
the sum of the votes for every ballot option. The grammar is parsed once with Python's `ast` and
only these node types are accepted, so an expression stored as data cannot run code.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

OPTIONS_TOTAL = "options_total"
# Far above any count (a line is at most 10 million votes): keeps both sides of a relation inside
# the BigIntegerFields a ControlFinding stores them in, and every constant printable.
MAX_CONSTANT = 10**12

_COMPARATORS: dict[type[ast.cmpop], tuple[str, Callable[[int, int], bool]]] = {
    ast.Eq: ("==", operator.eq),
    ast.LtE: ("<=", operator.le),
    ast.GtE: (">=", operator.ge),
}


class RelationSyntaxError(ValueError):
    """A control relation expression is not of the accepted form; the message says why."""


@dataclass(frozen=True)
class Figures:
    """The figures of one protocol: votes per line code and per ballot option code.

    Shapes: ``lines`` maps a line code to a count, ``options`` an option code to votes; all
    values are non-negative integers for a single protocol, and may be negative in a
    difference of two protocols (see `minus`).
    """

    lines: Mapping[str, int] = field(default_factory=dict)
    options: Mapping[str, int] = field(default_factory=dict)

    def value(self, name: str) -> int:
        """Return a line's count, or the options' total for ``options_total``; KeyError if absent."""
        if name == OPTIONS_TOTAL:
            return sum(self.options.values())
        return self.lines[name]

    def plus(self, other: Figures) -> Figures:
        return Figures(_add(self.lines, other.lines, 1), _add(self.options, other.options, 1))

    def minus(self, other: Figures) -> Figures:
        return Figures(_add(self.lines, other.lines, -1), _add(self.options, other.options, -1))

    def differing(self, other: Figures) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
        """Return the lines and options whose values differ: code → (self's value, other's value)."""
        return _diff(self.lines, other.lines), _diff(self.options, other.options)

    def is_zero(self) -> bool:
        return not any(self.lines.values()) and not any(self.options.values())


def _add(a: Mapping[str, int], b: Mapping[str, int], sign: int) -> dict[str, int]:
    return {key: a.get(key, 0) + sign * b.get(key, 0) for key in a.keys() | b.keys()}


def _diff(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, tuple[int, int]]:
    return {
        key: (a.get(key, 0), b.get(key, 0))
        for key in sorted(a.keys() | b.keys())
        if a.get(key, 0) != b.get(key, 0)
    }


def sum_figures(items: Iterable[Figures]) -> Figures:
    total = Figures()
    for item in items:
        total = total.plus(item)
    return total


@dataclass(frozen=True)
class Term:
    """One signed operand of a sum: a line code (or ``options_total``) or an integer constant."""

    sign: int
    name: str | None = None
    constant: int = 0


@dataclass(frozen=True)
class ParsedRelation:
    """A parsed control relation: ``lhs <comparator> rhs``, each side a list of signed terms."""

    lhs: tuple[Term, ...]
    comparator: str
    rhs: tuple[Term, ...]

    def names(self) -> set[str]:
        return {term.name for term in (*self.lhs, *self.rhs) if term.name}


@dataclass(frozen=True)
class RelationCheck:
    """The outcome of a relation on one protocol: both sides in votes and lhs − rhs."""

    lhs: int
    rhs: int
    holds: bool

    @property
    def difference(self) -> int:
        return self.lhs - self.rhs


@lru_cache(maxsize=512)
def parse_relation(expression: str) -> ParsedRelation:
    """Parse ``a + b - c == d + e`` (also ``<=``, ``>=``; a lone ``=`` means ``==``).

    Blanks around the expression are ignored; constants are whole numbers up to MAX_CONSTANT.
    Raises RelationSyntaxError naming the offending part, and nothing else, for any text.
    """
    source = _normalise_equals(expression.strip())
    try:
        with warnings.catch_warnings():  # "1if x" is only a SyntaxWarning to Python; a refusal here
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise RelationSyntaxError(f"cannot parse {expression!r}: {error.msg}") from error
    except RecursionError as error:  # Python's own parser gives up on a sum thousands of terms long
        raise RelationSyntaxError(f"cannot parse {expression!r}: too long") from error
    if not isinstance(tree, ast.Compare) or len(tree.ops) != 1:
        raise RelationSyntaxError(f"{expression!r} must be one comparison: a == b, a <= b or a >= b")
    op_type = type(tree.ops[0])
    if op_type not in _COMPARATORS:
        raise RelationSyntaxError(f"{expression!r}: only ==, <= and >= are allowed")
    return ParsedRelation(
        lhs=tuple(_terms(tree.left, expression, source)),
        comparator=_COMPARATORS[op_type][0],
        rhs=tuple(_terms(tree.comparators[0], expression, source)),
    )


def _normalise_equals(expression: str) -> str:
    out = []
    for i, char in enumerate(expression):
        neighbours = expression[i - 1 : i] + expression[i + 1 : i + 2]
        out.append("==" if char == "=" and not set(neighbours) & set("=<>!") else char)
    return "".join(out)


def _terms(root: ast.expr, expression: str, source: str) -> list[Term]:
    # A loop, not recursion: a flat sum is a left-nested chain as deep as it has terms.
    terms: list[Term] = []
    pending = [(root, 1)]
    while pending:
        node, sign = pending.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            pending.append((node.right, sign if isinstance(node.op, ast.Add) else -sign))
            pending.append((node.left, sign))
        elif isinstance(node, ast.Name):
            written = ast.get_source_segment(source, node)
            if written != node.id:  # Python folds look-alikes (full-width "ａ" is "a"); a code is as written
                raise RelationSyntaxError(f"{expression!r}: {written!r} is not a line code as written")
            terms.append(Term(sign=sign, name=node.id))
        elif isinstance(node, ast.Constant) and type(node.value) is int and node.value <= MAX_CONSTANT:
            terms.append(Term(sign=sign, constant=node.value))
        else:
            # The source text, not ast.unparse: unparsing a huge literal or a deep tree raises.
            found = (ast.get_source_segment(source, node) or "")[:80]
            raise RelationSyntaxError(
                f"{expression!r}: only line codes, whole numbers up to {MAX_CONSTANT}, + and - may appear"
                f" (found {found!r})"
            )
    return terms


def _side(terms: tuple[Term, ...], figures: Figures) -> int:
    return sum(term.sign * (figures.value(term.name) if term.name else term.constant) for term in terms)


def check_relation(expression: str, figures: Figures, tolerance: int = 0) -> RelationCheck:
    """Evaluate a relation on `figures`; a difference within `tolerance` votes still holds.

    Raises RelationSyntaxError for a bad expression and KeyError for a line code the figures lack.
    """
    parsed = parse_relation(expression)
    lhs, rhs = _side(parsed.lhs, figures), _side(parsed.rhs, figures)
    if parsed.comparator == "==":
        holds = abs(lhs - rhs) <= tolerance
    elif parsed.comparator == "<=":
        holds = lhs <= rhs + tolerance
    else:
        holds = lhs + tolerance >= rhs
    return RelationCheck(lhs=lhs, rhs=rhs, holds=holds)
