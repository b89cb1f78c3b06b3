"""Run the main job: real 2011 protocols and observer copies, or a generated election without data."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tallies import demo


class Command(BaseCommand):
    help = "Load official results, submit observer copies, tally, reconcile and print a summary."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--national", action="store_true", help="all 342 copies, 95,225 stations")

    def handle(self, *args: Any, national: bool = False, **options: Any) -> None:
        if not demo.has_real_data():
            self.stdout.write(
                self.style.WARNING(
                    f"No real data at {demo.data_dir()}: running on a generated election instead "
                    "(set SHARED_DATA_DIR to use the real files)."
                )
            )
            call_command("generate_election", seed=2011, stations=2000, falsify=0.1, stdout=self.stdout)
            return
        summary = demo.run(national=national)
        user, password, codes = demo.ensure_demo_login(demo.demo_organization())
        self._print(summary, user, password)
        self.stdout.write(f"Second factor: one of these single-use backup codes: {' '.join(codes)}")

    def _print(self, summary: demo.DemoSummary, user: str, password: str) -> None:
        rows = [
            ("Official station protocols imported", summary.stations),
            ("Observer copies submitted", summary.copies),
            ("Copies breaking control relations (flagged, kept)", summary.copies_flagged),
            ("Stations compared with the official protocol", summary.stations_compared),
            ("Stations discrepant", summary.stations_discrepant),
            ("United Russia, official minus observer (votes)", f"{summary.ur_official_minus_observer:+,}"),
        ]
        self.stdout.write(self.style.SUCCESS("Russia, State Duma 2011 — observer copies vs official results"))
        for label, value in rows:
            self.stdout.write(f"  {label:<52} {value}")
        self.stdout.write(f"\nData: {demo.CREDIT}")
        self.stdout.write(f"Results: http://127.0.0.1:8000/  (log in as {user} / {password})")
