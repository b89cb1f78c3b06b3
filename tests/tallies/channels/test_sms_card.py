"""The SMS card is generated from the form, and its example is a message the webhook accepts."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

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
