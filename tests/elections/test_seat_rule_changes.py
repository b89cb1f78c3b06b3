"""Seat-rule changes leave an audit entry (issue 12): who, when, how, the rule before and after."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from elections.models import SeatRule, SeatRuleChange

pytestmark = pytest.mark.django_db


def set_rule(contest, *extra: str) -> None:
    call_command("set_seat_rule", contest.election.slug, contest.slug, *extra, stdout=None)


def test_it_logs_who_changed_a_seat_rule_and_what_it_was(contest):
    stan = get_user_model().objects.create_user(username="stan", is_staff=True)
    set_rule(contest, "--seats", "450", "--threshold", "7", "--by", "stan")
    set_rule(contest, "--seats", "450", "--threshold", "5", "--by", "stan")

    first, second = SeatRuleChange.objects.filter(contest=contest, via="manage.py set_seat_rule")
    assert first.after["threshold_percent"] == "7.00" and first.changed_at <= second.changed_at
    assert (second.changed_by, second.via) == (stan, "manage.py set_seat_rule")
    assert (second.before["threshold_percent"], second.after["threshold_percent"]) == ("7.00", "5.00")
    assert SeatRule.objects.get(contest=contest).threshold_percent == Decimal("5")


def test_it_logs_nothing_for_an_unchanged_rule_or_a_refused_one(contest):
    set_rule(contest, "--seats", "449")
    logged = SeatRuleChange.objects.filter(contest=contest, via="manage.py set_seat_rule").count()
    set_rule(contest, "--seats", "449")
    with pytest.raises(CommandError):
        set_rule(contest, "--seats", "448", "--by", "nobody")

    assert logged == 1 and SeatRuleChange.objects.filter(contest=contest).count() == 2  # with the spec's


def test_the_log_refuses_edits(contest):
    set_rule(contest, "--seats", "450")
    change = SeatRuleChange.objects.get(contest=contest, via="manage.py set_seat_rule")

    with pytest.raises(Exception, match="pgtrigger"), transaction.atomic():
        SeatRuleChange.objects.filter(pk=change.pk).update(via="edited")


SPEC = Path(__file__).resolve().parents[2] / "elections" / "specs"


def test_a_seat_rule_loaded_from_a_spec_is_logged_with_who_and_how(db):
    """Issue 12: `manage.py load_election` created seat rules that no audit entry recorded."""
    stan = get_user_model().objects.create_user(username="stan", is_staff=True)
    forms = Path(__file__).resolve().parents[2] / "elections" / "forms"

    call_command(
        "load_election",
        str(SPEC / "kz-mazhilis-2021.json"),
        str(forms / "kz-mazhilis-party-list.json"),
        "--by",
        "stan",
        stdout=io.StringIO(),
    )

    rule = SeatRule.objects.get(contest__election__slug="kz-mazhilis-2021")
    change = SeatRuleChange.objects.get(contest=rule.contest)
    assert (change.changed_by, change.via, change.before) == (stan, "manage.py load_election", {})
    assert (change.after["seats"], change.after["threshold_percent"]) == (98, "7.00")
    assert change.changed_at is not None


def test_a_dry_run_or_a_second_load_logs_nothing(db):
    forms = Path(__file__).resolve().parents[2] / "elections" / "forms"
    paths = [str(SPEC / "kz-mazhilis-2021.json"), str(forms / "kz-mazhilis-party-list.json")]

    call_command("load_election", *paths, "--dry-run", stdout=io.StringIO())
    dry = SeatRuleChange.objects.count()
    call_command("load_election", *paths, stdout=io.StringIO())
    call_command("load_election", *paths, stdout=io.StringIO())  # the election is left as it is

    assert dry == 0 and SeatRuleChange.objects.count() == 1
