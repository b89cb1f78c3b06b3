"""The SMS card is generated from the form, and its example is a message the webhook accepts."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from elections.models import Contest, Election
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies.channels import sms_figures
from tallies.channels.card import card
from tallies.channels.sms_format import parse

pytestmark = pytest.mark.django_db


def test_the_cards_example_reads_back_to_every_figure_of_the_form(contest):
    text = card(contest)

    example = text.split("Example: ")[1].splitlines()[0]
    figures = sms_figures.read_figures(contest, parse(example))
    assert (figures.missing, figures.not_understood) == ([], [])
    assert len(figures.lines) == contest.form.lines.count() == 18
    assert figures.options["p7_RightCause"] == 18 + 7  # P7 is the 25th row of the example


def test_the_card_names_each_row_by_its_printed_number_in_the_readers_language(contest):
    with translation.override("ru"):
        text = card(contest)

    assert "  10  Число действительных бюллетеней" in text
    assert "  P6  Единая Россия" in text
    assert text.startswith("Формат SMS:")


def test_the_command_prints_the_card(contest):
    out = StringIO()

    call_command("sms_card", contest.election.slug, contest.slug, "--language", "en", stdout=out)

    assert "   1  Voters on the list" in out.getvalue()


DOCS = Path(__file__).resolve().parents[3] / "docs" / "channels.md"
CARD_MARK = re.compile(r"^<!-- card: (\S+) (\S+) (\S+) -->\n\n((?:    .*\n|\n)+)", re.MULTILINE)


def test_the_cards_in_the_docs_are_what_the_command_prints_and_their_examples_read_back():
    shown = CARD_MARK.findall(DOCS.read_text())
    assert {(spec, language) for spec, _slug, language, _block in shown} >= {
        ("ru-duma-2011", "en"),
        ("ru-duma-2011", "ru"),
        ("kz-mazhilis-2023", "kk"),
        ("kz-mazhilis-2023", "ru"),
    }
    for spec, slug, language, block in shown:
        contest = _shipped_contest(spec, slug)
        out = StringIO()
        call_command("sms_card", spec, slug, "--language", language, stdout=out)
        printed = "\n".join(line[4:] for line in block.rstrip("\n").splitlines())
        assert printed == out.getvalue().rstrip("\n"), (spec, language)
        example = printed.splitlines()[-3].split(": ", 1)[1]
        figures = sms_figures.read_figures(contest, parse(example))
        assert (figures.missing, figures.not_understood) == ([], []), (spec, language)


def _shipped_contest(spec: str, slug: str) -> Contest:
    election = Election.objects.filter(slug=spec).first()
    if election is None:
        election_spec = shipped_spec("specs", spec)
        for form in {contest["form"] for contest in election_spec["contests"]}:
            define_protocol_form(spec=shipped_spec("forms", form))
        election = define_election(spec=election_spec)
    return election.contests.get(slug=slug)
