"""Three organisations pool the 342 real observer copies of 2011 and count as one would alone.

The copies of ../shared/data/ru2011-observer-copies are split among three organisations by
region (sorted regions dealt in turn); 20 stations of the first are copied by the second too,
and at one of them the second's copy gives United Russia one vote more. A fourth organisation,
outside the coalition, submits all 342 copies alone: the baseline. The official protocols are
the file's own official rows (identical to the CEC's, README), written to a temporary CSV.
"""

from __future__ import annotations

import csv
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import TestCase

from elections.models import Contest, PollingStation
from elections.protocol import Figures
from observers.models import Coalition, CoalitionMember, Membership, Observer, Organization
from observers.services import organizations
from tallies import demo, services
from tallies.models import ProtocolCopy, ReconciliationRun, StationTallyState
from tallies.selectors import pool as pool_reads
from tallies.services import coalition_releases, coalitions, releases
from tests.support import shared_data

SHARED = 20
NAMESPACE = uuid.UUID("0b7e5f3c-8d1a-4e2b-9c6f-15a2b3c4d5e6")


def copy_rows() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(observer copy rows, official rows) of the file, each sorted by station key."""
    with open(shared_data() / demo.COPIES_FILE, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    copies = sorted((r for r in rows if r["row_type"] == "observer_copy"), key=lambda r: r["station_key"])
    official = sorted((r for r in rows if r["row_type"] != "observer_copy"), key=lambda r: r["station_key"])
    return copies, official


def write_official(folder, contest: Contest, official: list[dict[str, str]]):
    codes = [*contest.form.line_codes(), *contest.options.values_list("code", flat=True)]
    path = folder / "official-342.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "tik", "uik", *codes])
        for row in official:
            writer.writerow([row["region"], row["tik_dkobak"], row["uik"], *(row[c] for c in codes)])
    return path


def submit(
    contest: Contest, organization: Organization, row: dict[str, str], stations, bump: int = 0
) -> None:
    observer, _ = Observer.objects.get_or_create(
        organization=organization, display_name=row["observer_source"]
    )
    options = {code: int(row[code]) for code in contest.options.values_list("code", flat=True)}
    options["p6_UR"] += bump
    services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=stations[(row["region"], row["uik"])],
        lines={code: row[code] for code in contest.form.line_codes()},
        options=options,
        client_uuid=uuid.uuid5(NAMESPACE, f"{organization.slug}|{row['station_key']}"),
        channel=ProtocolCopy.Channel.IMPORT,
    )


class Loaded:
    """The loaded case: contest, snapshot, the three members, the baseline organisation, etc."""

    def __init__(self, tmp) -> None:
        self.contest = demo.load_contest()
        copies, official = copy_rows()
        with TestCase.captureOnCommitCallbacks(execute=True):
            self.snapshot, _ = services.import_stations_file(
                contest=self.contest, path=write_official(tmp, self.contest, official), source="test",
                root_name="ЦИК России",
            )  # fmt: skip
        stations = demo._stations_by_key(self.contest)
        self.members = [self._organization(f"member-{n}") for n in "abc"]
        self.alone = self._organization("alone")
        regions = sorted({row["region"] for row in copies})
        self.owner = {row["station_key"]: self.members[regions.index(row["region"]) % 3] for row in copies}
        first = [row for row in copies if self.owner[row["station_key"]] == self.members[0]]
        self.shared = [stations[(row["region"], row["uik"])].pk for row in first[:SHARED]]
        self.differing = self.shared[0]
        self.admins = {o.pk: self._admin(o) for o in self.members}
        with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
            for row in copies:
                submit(self.contest, self.alone, row, stations)
                submit(self.contest, self.owner[row["station_key"]], row, stations)
            for n, row in enumerate(first[:SHARED]):
                submit(self.contest, self.members[1], row, stations, bump=1 if n == 0 else 0)
        self.run = services.reconcile(organization_id=self.alone.pk, contest_id=self.contest.pk)
        self.coalition = Coalition.objects.create(
            name="Three", election=self.contest.election, created_by=self.members[0]
        )
        for organization in self.members:
            CoalitionMember.objects.create(
                coalition=self.coalition, organization=organization, agreed_by=self.admins[organization.pk],
                agreed_at="2026-12-01T00:00Z",
            )  # fmt: skip

    def _organization(self, slug: str) -> Organization:
        return Organization.objects.create(slug=slug, name=slug.title(), status=Organization.Status.APPROVED)

    def _admin(self, organization: Organization):
        user = get_user_model().objects.create_user(username=f"admin-{organization.slug}")
        Membership.objects.create(user=user, organization=organization, role=Membership.Role.ADMIN)
        return user

    def baseline(self) -> dict[int, Figures]:
        """Station id → the accepted figures of the organisation that holds every copy alone."""
        states = StationTallyState.objects.counted().filter(organization=self.alone, contest=self.contest)
        return {s.station_id: s.applied_figures() for s in states}

    def stations_of(self, organization: Organization) -> set[int]:
        states = StationTallyState.objects.counted().filter(organization=organization, contest=self.contest)
        return set(states.values_list("station_id", flat=True))


@pytest.fixture(scope="class")
def case(django_db_setup, django_db_blocker, tmp_path_factory):
    shared_data()
    with django_db_blocker.unblock(), transaction.atomic():
        yield Loaded(tmp_path_factory.mktemp("coalition-2011"))
        transaction.set_rollback(True)


def votes_moved(run: ReconciliationRun, excluded: list[int]) -> dict[str, int]:
    """Official minus observer votes per option over the run's compared stations, less `excluded`."""
    moved: dict[str, int] = {}
    for comparison in run.stations.exclude(station_id__in=excluded).select_related("official", "copy"):
        official = comparison.official.figures()
        ours = StationTallyState.objects.get(
            organization=run.organization, contest=run.contest, station=comparison.station
        ).applied_figures()
        for code, value in official.options.items():
            moved[code] = moved.get(code, 0) + value - ours.options.get(code, 0)
    return moved


@pytest.mark.django_db
class TestThreeOrganisationsPoolThe2011Copies:
    def test_the_pool_equals_one_organisation_except_at_the_differing_station(self, case):
        pooled = pool_reads.pool(case.coalition, case.contest)
        baseline = case.baseline()

        assert len(baseline) == 342
        assert set(pooled.counted()) == set(baseline) - {case.differing}
        assert all(pooled.counted()[pk] == baseline[pk] for pk in pooled.counted())
        (conflict,) = pooled.in_conflict()
        assert conflict.station_id == case.differing
        a, b = case.members[0].pk, case.members[1].pk
        value = baseline[case.differing].options["p6_UR"]
        assert conflict.conflicts == {("options", "p6_UR"): {a: value, b: value + 1}}
        assert sum(len(s.members) == 2 for s in pooled.stations.values()) == SHARED

    def test_the_pooled_comparison_equals_the_single_organisations_but_for_that_station(self, case):
        found = pool_reads.compare_stations(pool_reads.pool(case.coalition, case.contest), case.snapshot)
        alone = case.run.stations

        assert found.stations_compared == alone.count() - 1 == 341
        assert (
            found.stations_discrepant
            == alone.filter(is_discrepant=True).exclude(station_id=case.differing).count()
        )
        assert found.votes_moved == votes_moved(case.run, [case.differing])

    def test_once_resolved_the_pool_is_the_single_organisations_count(self, case):
        value = case.baseline()[case.differing].options["p6_UR"]
        station = PollingStation.objects.get(pk=case.differing)
        coalitions.resolve_conflict(
            coalition=case.coalition, contest=case.contest, station=station,
            kind="options", code="p6_UR", value=value, reason="the first member's photo",
            by=case.admins[case.members[0].pk],
        )  # fmt: skip

        pooled = pool_reads.pool(case.coalition, case.contest)
        found = pool_reads.compare_stations(pooled, case.snapshot)

        assert pooled.counted() == case.baseline() and not pooled.in_conflict()
        assert found.votes_moved == votes_moved(case.run, [])

    def test_a_member_leaving_changes_the_pool_and_not_the_earlier_release(self, case):
        first = case.members[0]
        seen = coalition_releases.preview_release(
            coalition=case.coalition, contest=case.contest, organization=first
        ).content_sha256
        for organization in case.members:
            coalition_releases.consent_to_release(
                coalition=case.coalition, contest=case.contest, organization=organization,
                by=case.admins[organization.pk], content=seen,
            )  # fmt: skip
        release = coalition_releases.publish_coalition_release(
            coalition=case.coalition, contest=case.contest, organization=first, by=case.admins[first.pk],
            changelog="Three organisations, 2011",
        )  # fmt: skip
        files = {f.name: bytes(f.content) for f in release.files.all()}
        members = {m["name"]: m["stations"] for m in release.content["release"]["coalition"]["members"]}
        leaving = case.members[2]

        organizations.leave_coalition(
            organization=leaving, by=case.admins[leaving.pk], coalition=case.coalition
        )

        pooled = pool_reads.pool(case.coalition, case.contest)
        assert set(pooled.counted()) == set(case.baseline()) - {case.differing} - case.stations_of(leaving)
        assert members == {o.name: len(case.stations_of(o) - {case.differing}) for o in case.members}
        release.refresh_from_db()
        assert {f.name: bytes(f.content) for f in release.files.all()} == files
        assert release.stations.count() == 341 and releases.verify_stored(release) == []
