"""Generate a deterministic synthetic election and run the main job on it (no real data needed)."""

from argparse import ArgumentTypeError
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tallies import generator, generator_kz


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
        parser.add_argument(
            "--kazakh",
            action="store_true",
            help="The Kazakh case instead: the 2021 Mazhilis form, 17 regions, 175 TECs, official "
            "results per region only, 505 copies from a few cities (--stations defaults to 10000; "
            "--falsify, --copies, --regions and --tecs do not apply)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kazakh"]:
            self._kazakh(options)
            return
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

    def _kazakh(self, options: dict[str, Any]) -> None:
        stations = options["stations"] if options["stations"] != 2000 else 10_000
        try:
            summary = generator_kz.generate_kazakh(seed=options["seed"], stations=stations)
        except (generator.GeneratorError, ValueError) as error:
            raise CommandError(str(error)) from error
        regions = summary.comparison.result.get("aggregates", [])
        rows = [
            ("Official results", "regional totals only (17 rows), Nur-Sultan as 'город Астана'"),
            ("Stations", f"{len(summary.plan.stations):,}"),
            ("Observer copies submitted", f"{summary.copies:,}"),
            ("Regions with copies", f"{summary.regions_with_copies} of {len(summary.plan.regions)}"),
            ("Stations compared one by one", "0 (no official station protocols)"),
            (
                "Regions compared with a margin",
                str(
                    sum(
                        1
                        for r in regions
                        if not r["uncertainty"]["reasons"] and r["coverage"]["stations_with_copies"]
                    )
                ),
            ),
        ]
        self.stdout.write(
            self.style.WARNING(f"{summary.contest.election.name}: generated election, not real data")
        )
        for label, value in rows:
            self.stdout.write(f"  {label:<52} {value}")
