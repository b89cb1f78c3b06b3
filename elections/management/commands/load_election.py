"""Define an election from JSON: its protocol forms first, then the election, contests and seat rules.

    manage.py load_election SPEC.json [FORM.json ...] [--dry-run] [--by USERNAME]

Forms already defined with the same lines are reused; an election already loaded (same slug) is
left as it is. Errors name the file and the JSON path. A dry run checks everything and stores
nothing. A seat rule the spec creates is logged like any seat-rule change (elections.models.
SeatRuleChange: via "manage.py load_election", by --by's account).
"""

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from elections.services import SpecError, define_election, define_protocol_form
from elections.spec_check import check_election_spec, check_form_spec


class Command(BaseCommand):
    help = "Load an election spec (and the protocol forms it uses) from JSON; --dry-run stores nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("spec", help="election spec (JSON)")
        parser.add_argument("forms", nargs="*", help="protocol forms (JSON) the spec names")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument(
            "--by", default="", help="username of who loads the spec (the seat rules' audit entry)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        if options["by"]:
            by = get_user_model().objects.filter(username=options["by"]).first()
            if by is None:
                raise CommandError(f"--by: no account {options['by']!r}")
        with transaction.atomic():
            lines = [self._form(path) for path in options["forms"]]
            lines.append(self._election(options["spec"], by))
            if options["dry_run"]:
                transaction.set_rollback(True)
                lines.append("dry run: nothing stored")
        self.stdout.write("\n".join(lines))

    def _form(self, path: str) -> str:
        data = _read(path)
        try:
            check_form_spec(data)
            form = define_protocol_form(spec=data)
        except SpecError as error:
            raise CommandError(f"{Path(path).name}: {error}") from error
        relations = form.control_relations.count()
        return f"form {form.code}: {form.lines.count()} lines, {relations} control relations"

    def _election(self, path: str, by: User | None) -> str:
        data = _read(path)
        try:
            check_election_spec(data)
            election = define_election(spec=data, by=by, via="manage.py load_election")
        except SpecError as error:
            raise CommandError(f"{Path(path).name}: {error}") from error
        contests = [
            f"  contest {c.slug}: {c.options.count()} options, form {c.form.code}"
            + (f", seat rule {c.seat_rule.seats} seats" if hasattr(c, "seat_rule") else "")
            for c in election.contests.select_related("form")
        ]
        return "\n".join([f"election {election.slug}: {election.name} ({election.held_on})", *contests])


def _read(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{Path(path).name}: not a readable JSON file ({error})") from error
