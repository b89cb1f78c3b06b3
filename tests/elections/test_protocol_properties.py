"""Properties of control relations on any input: parsed or refused, never run, evaluated exactly.

Relations are data typed into the admin or shipped as JSON, so the parser meets hostile text.
The examples in test_control_relations.py pin the grammar; these hold it for generated input.
"""

from __future__ import annotations

import keyword
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from elections.protocol import (
    MAX_CONSTANT,
    OPTIONS_TOTAL,
    Figures,
    ParsedRelation,
    RelationSyntaxError,
    Term,
    check_relation,
    parse_relation,
)
from tallies.services.copy_validation import MAX_VOTES

BIGINT = 2**63 - 1  # ControlFinding stores both sides of a broken relation in BigIntegerFields
TRIPPED: list[str] = []


def _tripwire(*args: object) -> int:
    """Named by the hostile fragments below: any evaluation of an expression would call it."""
    TRIPPED.append("called")
    return 0


names = st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n))
constants = st.integers(min_value=0, max_value=MAX_CONSTANT)
terms = st.builds(
    Term, sign=st.sampled_from([1, -1]), name=names | st.just(OPTIONS_TOTAL) | st.none(), constant=constants
).map(lambda t: Term(t.sign, t.name, 0) if t.name else t)
sides = st.lists(terms, min_size=1, max_size=8).map(lambda ts: (Term(1, ts[0].name, ts[0].constant), *ts[1:]))
relations = st.builds(ParsedRelation, lhs=sides, comparator=st.sampled_from(["==", "<=", ">="]), rhs=sides)
spaces = st.sampled_from(["", " ", "  ", "\t"])
votes = st.integers(min_value=0, max_value=MAX_VOTES)


def operand(term: Term) -> str:
    return term.name or str(term.constant)


def render_side(side: tuple[Term, ...], gap: str = " ", group_from: int = 0) -> str:
    """Write a side as text; from `group_from` on (if > 0) the terms go in parentheses."""
    if 0 < group_from < len(side):
        sign = side[group_from].sign
        inner = tuple(Term(t.sign * sign, t.name, t.constant) for t in side[group_from:])
        head = render_side(side[:group_from], gap)
        return f"{head}{gap}{'+' if sign > 0 else '-'}{gap}({render_side(inner, gap)})"
    text = operand(side[0])
    for term in side[1:]:
        text += f"{gap}{'+' if term.sign > 0 else '-'}{gap}{operand(term)}"
    return text


def render(relation: ParsedRelation, gap: str = " ", split: int = 0, lone_equals: bool = False) -> str:
    comparator = "=" if lone_equals and relation.comparator == "==" else relation.comparator
    lhs, rhs = render_side(relation.lhs, gap, split), render_side(relation.rhs, gap, split)
    return f"{lhs}{gap}{comparator}{gap}{rhs}"


def value_of(term: Term, figures: Figures) -> int:
    return term.sign * (figures.value(term.name) if term.name else term.constant)


@st.composite
def relation_and_figures(draw):
    """A relation and the figures of a protocol that has every line it names."""
    relation = draw(relations)
    lines = {name: draw(votes) for name in sorted(relation.names() - {OPTIONS_TOTAL})}
    options = draw(st.dictionaries(st.sampled_from(["p1", "p2", "p3"]), votes))
    return relation, Figures(lines, options)


HOSTILE_FRAGMENTS = [
    "_tripwire()",
    "_tripwire.__class__",
    "__import__('os').system('true')",
    "a.b",
    "a[0]",
    "a / 0",
    "a // 0",
    "a % 0",
    "2 ** 99999999",
    "a * 2",
    "-a",
    "+a",
    "~a",
    "1.5",
    "1e400",
    "'a'",
    "f'{_tripwire()}'",
    "True",
    "None",
    "(a, b)",
    "[a]",
    "{a: b}",
    "lambda: _tripwire()",
    "(a if b else c)",
    "(b == c)",
    "(a := 1)",
    "a and b",
    "not a",
    "a @ b",
    "a << 1",
    "a | b",
    "...",
    "0x" + "f" * 4000,
    "(a * " + "9" * 4301 + ")",
]
TOKENS = [
    *"()[]{}.,:;'\"=<>!+-*/%@~^|&#\\ \t\n\x00",
    "==",
    "<=",
    ">=",
    "a",
    "b",
    "_",
    "0",
    "9",
    "lambda",
    "if",
]


def assert_parsed_or_refused(expression: str) -> None:
    try:
        parsed = parse_relation(expression)
    except RelationSyntaxError as error:
        assert str(error)  # the message says what is wrong
    else:
        assert parsed.comparator in ("==", "<=", ">=")
        assert parsed.lhs and parsed.rhs


@settings(max_examples=300, deadline=None)
@given(st.text() | st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
@example("a" + " + a" * 5000 + " == b")  # a flat sum deeper than Python's recursion limit
@example("a" + " + a" * 50_000 + " == b")  # one deeper than Python's own parser goes
@example(" ballots_valid == options_total")  # leading blanks from a spreadsheet cell
@example("(" * 250 + "a" + ")" * 250 + " == b")
def test_it_parses_or_refuses_any_text(expression):
    assert_parsed_or_refused(expression)


@pytest.mark.parametrize("fragment", HOSTILE_FRAGMENTS, ids=[f[:20] for f in HOSTILE_FRAGMENTS])
@settings(max_examples=20, deadline=None)
@given(relation=relations, data=st.data())
def test_it_refuses_any_other_construct_and_never_evaluates_it(fragment, relation, data):
    text = render(relation)
    tokens = text.split(" ")
    at = data.draw(st.sampled_from(range(0, len(tokens), 2)), label="operand replaced")
    hostile = " ".join([*tokens[:at], fragment, *tokens[at + 1 :]])

    with pytest.raises(RelationSyntaxError):
        parse_relation(hostile)
    assert TRIPPED == []


@settings(max_examples=200, deadline=None)
@given(relation=relations, gap=spaces, split=st.integers(0, 8), lone_equals=st.booleans())
def test_it_reads_back_the_relation_it_was_written_from(relation, gap, split, lone_equals):
    """Spacing, a lone `=` and a parenthesised tail of a side are all the same relation."""
    text = render(relation, gap, split, lone_equals)

    assert parse_relation(text) == relation
    assert parse_relation(f"\n {text} \n") == relation


@settings(max_examples=200, deadline=None)
@given(case=relation_and_figures(), tolerance=st.integers(min_value=0, max_value=MAX_VOTES))
def test_it_evaluates_any_protocol_to_both_sides_and_the_comparison(case, tolerance):
    relation, figures = case

    check = check_relation(render(relation), figures, tolerance)

    assert check.lhs == sum(value_of(term, figures) for term in relation.lhs)
    assert check.rhs == sum(value_of(term, figures) for term in relation.rhs)
    assert max(abs(check.lhs), abs(check.rhs)) <= BIGINT
    expected = {
        "==": abs(check.difference) <= tolerance,
        "<=": check.difference <= tolerance,
        ">=": check.difference >= -tolerance,
    }[relation.comparator]
    assert check.holds is expected


@given(case=relation_and_figures(), tolerance=st.integers(0, 100), more=st.integers(0, 100))
def test_it_holds_with_any_larger_tolerance_once_it_holds(case, tolerance, more):
    relation, figures = case
    if check_relation(render(relation), figures, tolerance).holds:
        assert check_relation(render(relation), figures, tolerance + more).holds


@given(case=relation_and_figures(), other=st.data())
def test_it_adds_up_the_differences_of_two_protocols(case, other):
    """Both sides are sums, so (lhs − rhs) of a sum of protocols is the sum of the differences."""
    relation, figures = case
    relation = ParsedRelation(
        tuple(t for t in relation.lhs if t.name) or (Term(1, OPTIONS_TOTAL),),
        relation.comparator,
        tuple(t for t in relation.rhs if t.name) or (Term(1, OPTIONS_TOTAL),),
    )
    second = Figures(
        {code: other.draw(votes) for code in figures.lines},
        other.draw(st.dictionaries(st.sampled_from(["p1", "p4"]), votes)),
    )
    text = render(relation)

    both = check_relation(text, figures.plus(second)).difference

    assert both == check_relation(text, figures).difference + check_relation(text, second).difference


@given(
    constant=st.integers(min_value=MAX_CONSTANT + 1, max_value=10**4000),
    line=names,
    comparator=st.sampled_from(["==", "<=", ">="]),
)
def test_it_refuses_constants_that_could_not_be_stored_with_a_finding(constant, line, comparator):
    with pytest.raises(RelationSyntaxError, match=f"whole numbers up to {MAX_CONSTANT}"):
        parse_relation(f"{line} {comparator} {hex(constant)}")


counts = st.dictionaries(st.sampled_from(string.ascii_lowercase[:6]), votes)
protocols = st.builds(Figures, counts, counts)


@given(first=protocols, second=protocols)
def test_it_subtracts_what_it_added(first, second):
    back = first.plus(second).minus(second)

    assert back.differing(first) == ({}, {})
    assert first.minus(first).is_zero()
    assert first.plus(second).value(OPTIONS_TOTAL) == first.value(OPTIONS_TOTAL) + second.value(OPTIONS_TOTAL)


@pytest.mark.parametrize("text", ["ballots_valid == 1if 1 else 2", "1abc == ballots_valid"])
def test_text_python_only_warns_about_is_refused_without_a_warning(text, recwarn):
    with pytest.raises(RelationSyntaxError, match="invalid decimal literal"):
        parse_relation(text)

    assert not [w for w in recwarn if issubclass(w.category, SyntaxWarning)]
