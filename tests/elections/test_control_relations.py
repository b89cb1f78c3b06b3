import pytest

from elections.models import ProtocolForm
from elections.protocol import Figures, RelationSyntaxError, check_relation, parse_relation
from elections.services import SpecError, define_protocol_form
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
)

OFFICIAL = Figures(LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL)
COPY = Figures(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
RECEIVED = (
    "ballots_received == ballots_issued_early + ballots_issued_in_station + ballots_issued_outside"
    " + ballots_cancelled + ballots_lost - ballots_unaccounted"
)


def test_it_holds_on_the_official_protocol():
    assert check_relation(RECEIVED, OFFICIAL).holds
    assert check_relation("ballots_valid == options_total", OFFICIAL).holds


def test_it_reports_both_sides_of_a_broken_relation():
    check = check_relation(RECEIVED, COPY)

    assert not check.holds
    assert (check.lhs, check.rhs, check.difference) == (2200, 2165, 35)


def test_it_accepts_a_difference_within_the_tolerance():
    assert check_relation(RECEIVED, COPY, tolerance=35).holds
    assert not check_relation(RECEIVED, COPY, tolerance=34).holds


def test_it_reads_a_lone_equals_sign_as_equality():
    assert parse_relation("a = b + 1").comparator == "=="


@pytest.mark.parametrize(
    ("expression", "holds"),
    [("ballots_invalid <= ballots_valid", True), ("ballots_invalid >= ballots_valid", False)],
)
def test_it_supports_inequalities(expression, holds):
    assert check_relation(expression, OFFICIAL).holds is holds


@pytest.mark.parametrize(
    "expression",
    ["__import__('os').system('id') == 1", "a * 2 == b", "a == b == c", "a < b", "a == 1.5", "a =="],
)
def test_it_refuses_anything_but_sums_of_line_codes(expression):
    with pytest.raises(RelationSyntaxError):
        parse_relation(expression)


def test_it_subtracts_figures_line_by_line():
    delta = COPY.minus(OFFICIAL)

    assert delta.options["p6_UR"] == 445 - 1115
    assert delta.lines["voters_on_list"] == 2124 - 2326


def test_a_full_width_look_alike_is_not_read_as_the_line_it_resembles():
    with pytest.raises(RelationSyntaxError, match="not a line code as written"):
        parse_relation("ｂallots_valid == options_total")  # Python itself folds "ｂ" to "b"


@pytest.mark.parametrize("code", ["ballots-valid", "1st_line", "бюллетени", "a b"])
def test_a_form_refuses_a_line_code_a_relation_could_not_name(db, code):
    line = {"number": "1", "code": code, "labels": {"en": "x"}}
    spec = {"code": "bad-form", "name": "Bad", "lines": [line]}

    with pytest.raises(SpecError, match=r"lines\[0\]\.code"):
        define_protocol_form(spec=spec)

    assert not ProtocolForm.objects.filter(code="bad-form").exists()
