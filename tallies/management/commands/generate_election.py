"""Generate a deterministic synthetic election and run the main job on it (no real data needed)."""

from argparse import ArgumentTypeError
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tallies import generator


def share(text: str) -> Decimal:
    """Parse a share between 0 and 1, e.g. "0.1"; raise ArgumentTypeError otherwise."""
    try:
        value = Decimal(str(text))  # str(): call_command may pass a float such as 0.1
    except InvalidOperation as error:
        raise ArgumentTypeError(f"{text!r} is not a number") from error
    if not 0 <= value <= 1:
        raise ArgumentTypeError(f"{text!r} is not a share between 0 and 1")
    return value


class Command(BaseCommand):
    help = (
        "Generate an election (same seed, same election), import its official protocols, submit "
        "observer copies, falsify some official protocols, tally, reconcile and print a summary."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument("--stations", type=int, default=2000)
        parser.add_argument("--falsify", type=share, default=Decimal("0.1"), help="share of copied stations")
        parser.add_argument("--copies", type=share, default=Decimal("0.1"), help="share of stations")
        parser.add_argument("--regions", type=int, default=5)
        parser.add_argument("--tecs", type=int, default=8, help="TECs per region")

    def handle(self, *args: Any, **options: Any) -> None:
        arguments = {k: options[k] for k in ("seed", "stations", "regions", "tecs")}
        try:
            falsify, copies = share(options["falsify"]), share(options["copies"])
            summary = generator.generate(**arguments, falsify=falsify, copies=copies)
        except (generator.GeneratorError, ArgumentTypeError, ValueError) as error:
            raise CommandError(str(error)) from error
        self._print(summary)

    def _print(self, summary: generator.GeneratedSummary) -> None:
        rows = [
            ("Official station protocols imported", f"{summary.stations:,}"),
            ("Observer copies submitted", f"{summary.copies:,}"),
            ("Copies breaking control relations (flagged, kept)", f"{summary.copies_flagged:,}"),
            ("Official protocols falsified by the generator", f"{summary.falsified:,}"),
            ("Stations discrepant", f"{summary.stations_discrepant:,}"),
            (
                "Discrepant stations are exactly the falsified ones",
                "yes" if summary.discrepant_are_falsified else "NO",
            ),
            (
                f"{summary.leader}, official minus observer (votes)",
                f"{summary.leader_official_minus_observer:+,}",
            ),
            ("Ballots stuffed by the generator", f"{summary.ballots_stuffed:,}"),
        ]
        self.stdout.write(
            self.style.WARNING(f"{summary.contest.election.name}: generated election, not real data")
        )
        for label, value in rows:
            self.stdout.write(f"  {label:<52} {value}")
