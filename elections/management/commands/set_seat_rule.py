"""Set (or replace) a contest's seat rule: seats, threshold and its base, method, legal source."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from elections import seat_rules
from elections.models import Contest, SeatRule


class Command(BaseCommand):
    help = (
        "Set a contest's seat rule, e.g.: set_seat_rule kz-mazhilis-2021 party-list --seats 98 --threshold 7"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("election", help="election slug")
        parser.add_argument("contest", help="contest slug")
        parser.add_argument("--seats", type=int, required=True)
        parser.add_argument("--threshold", default="0", help="percent, e.g. 7 or 5.5")
        parser.add_argument("--base", choices=SeatRule.Base.values, default=SeatRule.Base.VALID_VOTES)
        parser.add_argument("--method", choices=SeatRule.Method.values, default=SeatRule.Method.HARE)
        parser.add_argument("--next-party-if-single", action="store_true")
        parser.add_argument("--source", default="", help="the law or decision the rule comes from")
        parser.add_argument("--by", default="", help="username of who decided the change (the audit entry)")

    def handle(self, *args: Any, **options: Any) -> None:
        contest = Contest.objects.filter(election__slug=options["election"], slug=options["contest"]).first()
        if contest is None:
            raise CommandError(f"no contest {options['contest']!r} in election {options['election']!r}")
        try:
            threshold = Decimal(options["threshold"])
        except InvalidOperation as error:
            raise CommandError(f"--threshold: {options['threshold']!r} is not a number") from error
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"--by: no account {options['by']!r}")
        try:
            rule = seat_rules.set_seat_rule(
                contest=contest,
                seats=options["seats"],
                threshold_percent=threshold,
                threshold_base=options["base"],
                method=options["method"],
                next_party_if_single=options["next_party_if_single"],
                source=options["source"],
                by=by,
                via="manage.py set_seat_rule",
            )
        except ValidationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{contest}: {rule.seats} seats, {rule.threshold_percent} % of {rule.threshold_base}"
        )
