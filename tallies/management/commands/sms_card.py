"""Print the SMS card of a contest (tallies/channels/card.py), e.g. for docs/channels.md or print."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from elections.models import Contest
from tallies.channels.card import card


class Command(BaseCommand):
    help = "Print the observers' SMS card of a contest, e.g.: sms_card ru-duma-2011 party-list --language ru"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("election", help="election slug")
        parser.add_argument("contest", help="contest slug")
        parser.add_argument("--language", choices=["ru", "kk", "en"], default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        contest = Contest.objects.filter(election__slug=options["election"], slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"no contest {options['contest']!r} in election {options['election']!r}")
        several = contest.election.contests.count() > 1
        with translation.override(options["language"]):
            self.stdout.write(card(contest, with_contest=several))
