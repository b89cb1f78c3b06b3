"""Run the main job and serve it: real 2011 protocols and observer copies, or a generated election.

    manage.py run_demo [--national] [--no-serve] [--port 8000] [--i-know-this-is-a-demo]

Migrates, loads the data, tallies and reconciles and prints the summary; then publishes the first
release, creates a login for every role and leaves work in every queue (tallies.demo_scenario),
prints the logins, and serves the app on 127.0.0.1:PORT (PORT from --port, the PORT variable,
else 8000) until Ctrl-C. --no-serve stops after printing (CI's `make demo-check`). The logins
have a printed password: with DEBUG off the command refuses unless told --i-know-this-is-a-demo.
"""

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from config.apps import engines
from elections.models import Contest
from observers.models import Organization
from tallies import demo, demo_scenario, generator
from tallies.demo_people import DemoError, Login
from tallies.models import AnalysisRun, OfficialSnapshot
from tallies.services.analysis import request_run

SEED = 2011
GENERATED: dict[str, Any] = {"seed": SEED, "stations": 2000, "falsify": 0.1}


class Command(BaseCommand):
    help = (
        "Load official results, submit observer copies, tally, reconcile, print a summary and logins, serve."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--national", action="store_true", help="all 342 copies, 95,225 stations")
        parser.add_argument("--no-serve", action="store_true", help="stop after printing the summary")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
        parser.add_argument("--i-know-this-is-a-demo", action="store_true", help="allow DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["i_know_this_is_a_demo"]:
            raise CommandError(
                "DEBUG is off: this looks like a real deployment, and the demo creates logins whose "
                "password it prints. Run it with DEBUG=1, or pass --i-know-this-is-a-demo."
            )
        self.stdout.write(engines())
        call_command("migrate", interactive=False, verbosity=0)
        contest, organization, snapshot = self._main_job(options["national"])
        try:
            staged = demo_scenario.stage(contest, organization, snapshot)
        except (DemoError, ValueError) as error:
            raise CommandError(str(error)) from error
        self._print_seats(organization, contest)
        self._print_scenario(staged, options["port"])
        if not options["no_serve"]:
            self.stdout.write(
                self.style.SUCCESS(f"Serving on http://127.0.0.1:{options['port']}/ (Ctrl-C stops)")
            )
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)

    def _main_job(self, national: bool) -> tuple[Contest, Organization, OfficialSnapshot]:
        if not demo.has_real_data():
            self.stdout.write(
                self.style.WARNING(
                    f"No real data at {demo.data_dir()}: running on a generated election instead "
                    "(set SHARED_DATA_DIR to use the real files)."
                )
            )
            call_command("generate_election", **GENERATED, stdout=self.stdout)
            contest = generator.load_contest(SEED)
            snapshot = OfficialSnapshot.objects.filter(contest=contest).latest("pk")
            return contest, generator.generated_organization(), snapshot
        summary = demo.run(national=national)
        self._print_summary(summary)
        return summary.snapshot.contest, demo.demo_organization(), summary.snapshot

    def _print_summary(self, summary: demo.DemoSummary) -> None:
        rows = [
            ("Official station protocols imported", f"{summary.stations:,}"),
            ("Observer copies submitted", f"{summary.copies:,}"),
            ("Copies breaking control relations (flagged, kept)", f"{summary.copies_flagged:,}"),
            ("Stations compared with the official protocol", f"{summary.stations_compared:,}"),
            ("Stations discrepant", f"{summary.stations_discrepant:,}"),
            ("United Russia, official minus observer (votes)", f"{summary.ur_official_minus_observer:+,}"),
        ]
        self.stdout.write(self.style.SUCCESS("Russia, State Duma 2011 — observer copies vs official results"))
        for label, value in rows:
            self.stdout.write(f"  {label:<52} {value}")
        self.stdout.write(f"\nData: {demo.CREDIT}")

    def _print_seats(self, organization: Organization, contest: Contest) -> None:
        if not hasattr(contest, "seat_rule"):
            return
        run = request_run(organization=organization, contest=contest, kind=AnalysisRun.Kind.SEATS)
        run.refresh_from_db()
        official = (run.result or {}).get("official") or {}
        seats = {code: n for code, n in (official.get("seats") or {}).items() if n}
        if not seats:
            return
        names = dict(contest.options.values_list("code", "short_name"))
        rule = contest.seat_rule
        with translation.override("en"):
            base, method = rule.get_threshold_base_display().lower(), rule.get_method_display()
        shares = ", ".join(
            f"{names.get(code) or code} {n}" for code, n in sorted(seats.items(), key=lambda i: -i[1])
        )
        self.stdout.write(
            f"\nSeats from the official figures ({rule.seats} seats, {rule.threshold_percent} % of "
            f"{base}, {method}): {shares}"
        )

    def _print_scenario(self, staged: demo_scenario.Staged, port: int) -> None:
        self.stdout.write(
            f"\nPublished: release {staged.release.number} ({staged.release.get_absolute_url()})"
        )
        self.stdout.write("Added after the summary, so that every queue has work:")
        for item in staged.items:
            self.stdout.write(f"  {item}")
        self.stdout.write(
            f"\nLogins at http://127.0.0.1:{port}/accounts/login/ — the password of each is "
            f"{staged.logins[0].password}; staff, admins and coordinators then give one of their "
            "single-use backup codes as the second factor:"
        )
        for login in staged.logins:
            self.stdout.write(_login_line(login))


def _login_line(login: Login) -> str:
    codes = f"; backup codes: {' '.join(login.backup_codes)}" if login.backup_codes else ""
    return f"  {login.username:<18} {login.role}{codes}"
