"""Relations for people (line numbers) and for the browser (parsed terms), from the one parser."""

from __future__ import annotations

import pytest
from django.utils import translation

from elections.protocol import parse_relation
from elections.relations import numbered, relation_data, relation_text

pytestmark = pytest.mark.django_db

NUMBERS = {"ballots_invalid": "9", "ballots_valid": "10", "ballots_in_portable_boxes": "7", "x": "18"}


def test_it_writes_a_relation_with_the_printed_line_numbers():
    parsed = parse_relation("ballots_invalid + ballots_valid == ballots_in_portable_boxes - x + 3")

    assert numbered(parsed, NUMBERS) == "9 + 10 = 7 − 18 + 3"


def test_it_names_the_sum_of_the_options_and_writes_inequalities():
    with translation.override("en"):
        assert numbered(parse_relation("ballots_valid <= options_total"), NUMBERS) == (
            "10 ≤ sum of the votes for all options"
        )


def test_it_prefers_the_label_in_the_readers_language(contest):
    relation = contest.form.control_relations.get(code="boxes_eq_invalid_plus_valid")
    numbers = {line.code: line.number for line in contest.form.lines.all()}

    with translation.override("ru"):
        assert relation_text(relation, numbers) == "Строки 9 + 10 = 7 + 8"
    relation.labels = {}
    assert relation_text(relation, numbers) == "9 + 10 = 7 + 8"


def test_it_delivers_every_relation_of_the_form_as_signed_terms(contest):
    data = relation_data(contest.form)

    received = next(row for row in data if row["code"] == "received_eq_issued_cancelled_lost")
    assert received["comparator"] == "==" and received["tolerance"] == 0
    assert received["lhs"] == [[1, "ballots_received", 0]]
    assert received["rhs"][-1] == [-1, "ballots_unaccounted", 0]
    assert len(data) == contest.form.control_relations.count()
