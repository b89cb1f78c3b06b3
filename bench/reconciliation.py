"""Reconciliation of every station of an imported snapshot, and the coordinator's national page.

Copies equal to the official protocols are given to every station, already tallied (the first
option 7 votes higher at every 20th station by id, so ~5 % are discrepant: bench.tallied); then
the official tallies are built and reconcile() compares all stations. The national results page is fetched
with Django's test client as a logged-in coordinator: once cold, then PAGE_REPEATS times.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from bench import database, fixtures, tallied
from bench.p4_import import Imported
from bench.report import INFO, MET, MISSED, Report, Row, seconds, stations_text
from bench.timing import median, timed
from observers.models import Membership, Observer, Organization
from tallies import services
from tallies.models import CommissionReconciliation, ReconciliationRun, StationTallyState

EVERY = 20
PAGE_REPEATS = 5


def run_reconciliation(report: Report, imported: Imported) -> None:
    """Build copies at every station of `imported`, tally, reconcile, fetch the page; report."""
    observer = fixtures.fixture_observer(fixtures.bench_organization())
    contest, snapshot = imported.contest, imported.snapshot
    took, copies = timed(tallied.add_copies_from_official, contest, snapshot.pk, observer, EVERY)
    report.note(f"{copies:,} tallied copies from the official protocols written in {seconds(took)}")
    database.analyze()
    official, _ = timed(services.tally_official_snapshot, snapshot_id=snapshot.pk)
    ids = {"organization_id": observer.organization_id, "contest_id": contest.pk}
    took, run = timed(services.reconcile, **ids, snapshot_id=snapshot.pk)
    cold, warm = _page_times(observer.organization, contest.pk)
    where, n = stations_text(imported.stations), imported.stations
    report.add(Row("R", where, f"tally_official_snapshot {seconds(official)}", "—", "—", INFO))
    report.cost("tally_official_snapshot (R)", n, official)
    report.add(Row("R", where, f"reconcile {copies:,} stations {seconds(took)}", "none set", "—", INFO))
    report.add(
        Row("R", where, _check_text(run, copies), "all compared", "—", _verdict(run, copies, observer))
    )
    page = (
        f"coordinator national results page: median {seconds(warm)} of {PAGE_REPEATS} (first {seconds(cold)})"
    )
    report.add(Row("R", where, page, "none set", "—", INFO))
    report.cost("reconcile (R)", n, took)
    report.cost("coordinator national page (R)", n, warm, per_request=True)


def _root_rollup(run: ReconciliationRun) -> CommissionReconciliation:
    return run.commissions.get(commission__parent__isnull=True)


def _check_text(run: ReconciliationRun, copies: int) -> str:
    rollup = _root_rollup(run)
    compared, discrepant = rollup.stations_compared, rollup.stations_discrepant
    return f"{compared:,} of {copies:,} stations compared, {discrepant:,} discrepant"


def _verdict(run: ReconciliationRun, copies: int, observer: Observer) -> str:
    """MET when every station was compared and exactly the altered ones are discrepant."""
    states = StationTallyState.objects.filter(organization_id=observer.organization_id, contest=run.contest)
    altered = sum(1 for station_id in states.values_list("station_id", flat=True) if station_id % EVERY == 0)
    rollup = _root_rollup(run)
    return MET if (rollup.stations_compared, rollup.stations_discrepant) == (copies, altered) else MISSED


def _page_times(organization: Organization, contest_id: int) -> tuple[float, float]:
    """(first, median of the next PAGE_REPEATS) wall seconds of the national page for a coordinator."""
    user, _ = get_user_model().objects.get_or_create(username="bench-coordinator")
    Membership.objects.get_or_create(user=user, organization=organization, role=Membership.Role.COORDINATOR)
    client = Client()
    client.force_login(user, backend="observers.login_security.ActiveAccountBackend")
    url = reverse("results-root", args=[contest_id])
    times = [timed(_get, client, url)[0] for _ in range(PAGE_REPEATS + 1)]
    return times[0], median(times[1:])


def _get(client: Client, url: str) -> None:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
