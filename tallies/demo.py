"""The main job on real data: Russia 2011 official protocols and observers' copies (Golos/Gazeta.Ru).

Loads the election definition, imports the official station protocols, submits the observers'
copies through the same service the API uses, runs the tally and reconciliation jobs and returns
a summary. Data are read in place from settings.SHARED_DATA_DIR.
"""

from __future__ import annotations

import csv
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from config.outbox import send_or_leave_to_sweep
from elections.models import Commission, Contest, PollingStation
from elections.services import define_election, define_protocol_form, shipped_spec
from observers.models import Observer, Organization
from tallies import services, tasks
from tallies.models import ObserverTally, OfficialSnapshot, ProtocolCopy, ReconciliationRun, StationTallyState

COPIES_FILE = "ru2011-observer-copies/kartaitogov_2011_observer_vs_official.csv"
CITIES_FILE = "ru2011-observer-copies/ru2011_msk_spb_official.csv.gz"
NATIONAL_FILE = "ru-uik-shpilkin/2011.csv.zip"
CITIES = ("Город Москва", "Город Санкт-Петербург")
COPY_NAMESPACE = uuid.UUID("6f1c7b8e-2f7a-4a51-9a55-1c1d2e3f4a5b")
DEMO_ORG = "golos-kartaitogov-demo"
CREDIT = (
    "Observer copies: kartaitogov.ru, «Совместный проект «Газеты.Ru» и ассоциации «ГОЛОС»». "
    "Official protocols: Russian CEC (izbirkom.ru), compiled by S. Shpilkin, via github.com/dkobak/elections."
)


@dataclass(frozen=True)
class DemoSummary:
    stations: int
    copies: int
    copies_flagged: int
    stations_compared: int
    stations_discrepant: int
    ur_official_minus_observer: int
    snapshot: OfficialSnapshot
    run: ReconciliationRun


def data_dir() -> Path:
    return Path(settings.SHARED_DATA_DIR)


def has_real_data() -> bool:
    return (data_dir() / COPIES_FILE).exists()


def load_contest() -> Contest:
    """Define the 2011 form and election (idempotent) and return its party-list contest."""
    define_protocol_form(spec=shipped_spec("forms", "ru-duma-2011"))
    election = define_election(spec=shipped_spec("specs", "ru-duma-2011"))
    return election.contests.get(slug="party-list")


def demo_organization() -> Organization:
    organization, _ = Organization.objects.get_or_create(
        slug=DEMO_ORG,
        defaults={"name": "Golos / Karta Itogov 2011 (demo)", "status": Organization.Status.APPROVED},
    )
    return organization


def submit_copies(contest: Contest, organization: Organization, regions: tuple[str, ...] | None) -> int:
    """Submit the observers' copies (of `regions`, or all) through the submission service."""
    lines = contest.form.line_codes()
    options = list(contest.options.values_list("code", flat=True))
    stations = _stations_by_key(contest)
    submitted = 0
    with open(data_dir() / COPIES_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["row_type"] != "observer_copy" or (regions and row["region"] not in regions):
                continue
            observer = _observer(organization, row["observer_source"])
            services.submit_protocol_copy(
                observer=observer,
                contest=contest,
                station=stations[(row["region"], row["uik"])],
                lines={code: row[code] for code in lines},
                options={code: row[code] for code in options},
                client_uuid=uuid.uuid5(COPY_NAMESPACE, row["station_key"]),
                channel=ProtocolCopy.Channel.IMPORT,
                note=f"source: {row['observer_source']}",
            )
            submitted += 1
    return submitted


def _stations_by_key(contest: Contest) -> dict[tuple[str, str], PollingStation]:
    stations = PollingStation.objects.filter(pec__election=contest.election)
    regions = stations.values_list("pk", "pec__parent__parent__name")
    by_id = stations.in_bulk()
    return {(region, by_id[pk].number): by_id[pk] for pk, region in regions}


def _observer(organization: Organization, source: str) -> Observer:
    observer, _ = Observer.objects.get_or_create(
        organization=organization, display_name=source.strip() or "observer"
    )
    return observer


def run(*, national: bool = False, wait_seconds: float = 300) -> DemoSummary:
    """Run the whole job and return its summary (see module docstring)."""
    contest = load_contest()
    organization = demo_organization()
    file_name = NATIONAL_FILE if national else CITIES_FILE
    snapshot, _ = services.import_stations_file(
        contest=contest,
        path=data_dir() / file_name,
        source="CEC of Russia (izbirkom.ru), via dkobak/elections",
        root_name="ЦИК России",
    )
    with transaction.atomic():
        submit_copies(contest, organization, None if national else CITIES)
    _wait_for_tallies(snapshot, organization, contest, wait_seconds)
    runs = ReconciliationRun.objects.filter(
        organization=organization, contest=contest, snapshot=snapshot, finished_at__isnull=False
    ).order_by("pk")
    # The main job's run is the first one: a rerun of the demo reports it again, not a later run
    # that also counts the copies the demo scenario added afterwards (tallies.demo_scenario).
    run_ = runs.first()
    if run_ is None:
        send_or_leave_to_sweep(
            tasks.reconcile, organization_id=organization.pk, contest_id=contest.pk, snapshot_id=snapshot.pk
        )
        run_ = _wait_for_run(runs, wait_seconds)
    return summarise(contest, organization, snapshot, run_)


def _wait_for_tallies(snapshot, organization, contest, wait_seconds: float) -> None:  # type: ignore[no-untyped-def]
    """With a real worker the jobs run elsewhere: wait until they are done (eager: at once)."""
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        snapshot.refresh_from_db()
        stale = StationTallyState.objects.filter(organization=organization, contest=contest).stale()
        if snapshot.is_tallied and not stale.exists():
            return
        time.sleep(0.5)
    raise TimeoutError("the Celery jobs did not finish: is a worker running? (make worker)")


def _wait_for_run(runs: QuerySet[ReconciliationRun], wait_seconds: float) -> ReconciliationRun:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        run_ = runs.first()
        if run_:
            return run_
        time.sleep(0.5)
    raise TimeoutError("the reconciliation job did not finish: is a worker running?")


def summarise(
    contest: Contest, organization: Organization, snapshot: OfficialSnapshot, run_: ReconciliationRun
) -> DemoSummary:
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    rollup = run_.commissions.filter(commission=root).first()
    tally = ObserverTally.objects.filter(organization=organization, contest=contest, commission=root).first()
    copies = ProtocolCopy.objects.filter(
        organization=organization, contest=contest, channel=ProtocolCopy.Channel.IMPORT
    )  # the observers' copies the job submitted, not the demo scenario's own
    return (
        DemoSummary(
            stations=snapshot.protocols_count,
            copies=copies.count(),
            copies_flagged=copies.filter(findings__isnull=False).distinct().count(),
            stations_compared=rollup.stations_compared if rollup else 0,
            stations_discrepant=rollup.stations_discrepant if rollup else 0,
            ur_official_minus_observer=rollup.votes_moved().get("p6_UR", 0) if rollup else 0,
            snapshot=snapshot,
            run=run_,
        )
        if tally or rollup
        else DemoSummary(snapshot.protocols_count, 0, 0, 0, 0, 0, snapshot, run_)
    )
