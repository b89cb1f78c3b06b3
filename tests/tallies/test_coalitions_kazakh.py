"""Seven organisations count together on a generated Kazakh election (regional official totals only).

The generated case of issue 22 (elections.generator_kz, 6,000 stations): the 505 copies of its
seven regions with copies are split one region per organisation, as the seven Kazakh groups
pooled theirs in 2021; an eighth organisation, outside the coalition, submits all 505 alone.
The pool's regional comparison (coverage, turnout, margins), forensics, seats and quick count
come from the same services as the lone organisation's, and must equal them.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from elections.generator_kz import MIN_STATIONS, plan_kazakh
from observers.models import Coalition, CoalitionMember, Membership, Organization
from tallies.generator import run_jobs, submit_honest_copies
from tallies.generator_kz import import_regional, load_kazakh_contest
from tallies.selectors import pool as pool_reads
from tallies.selectors.comparison_aggregates import aggregate_comparisons, aggregate_comparisons_of
from tallies.selectors.regional import regional_rows
from tallies.services import coalition_releases
from tallies.services.analysis import forensics, pooled, quick_count, reports, seats
from tallies.services.analysis.station_data import observer_station_data
from tallies.services.releases.pooled import coalition_document

SEED = 2021


class Kazakh:
    def __init__(self) -> None:
        cache.clear()
        self.plan = plan_kazakh(seed=SEED, stations=MIN_STATIONS)
        self.contest = load_kazakh_contest(SEED, self.plan)
        self.snapshot = import_regional(self.contest, self.plan, SEED)
        copied = [s for s in self.plan.stations if s.has_copy]
        self.regions = sorted({s.region for s in copied})
        self.alone = self._organization("alone")
        self.members = [self._organization(f"group-{n}") for n in range(1, len(self.regions) + 1)]
        with transaction.atomic():
            submit_honest_copies(self.contest, self.alone, enumerate(copied), key=f"kz|{SEED}|alone")
            for region, member in zip(self.regions, self.members, strict=True):
                mine = [s for s in copied if s.region == region]
                submit_honest_copies(self.contest, member, enumerate(mine), key=f"kz|{SEED}|{member.slug}")
        for organization in [self.alone, *self.members]:
            run_jobs(self.contest, organization, self.snapshot, wait_seconds=5)
        self.user = get_user_model().objects.create_user(username="kz-coordinator")
        self.coalition = Coalition.objects.create(
            name="Seven", election=self.contest.election, created_by=self.members[0]
        )
        for member in self.members:
            CoalitionMember.objects.create(
                coalition=self.coalition,
                organization=member,
                agreed_by=self.user,
                agreed_at="2026-12-01T00:00Z",
            )
        self.copied = copied

    def _organization(self, slug: str) -> Organization:
        return Organization.objects.create(slug=slug, name=slug.title(), status=Organization.Status.APPROVED)

    def pool(self) -> pool_reads.Pool:
        return pool_reads.pool(self.coalition, self.contest)


@pytest.fixture(scope="module")
def kazakh(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield Kazakh()
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestSevenOrganisationsPoolTheKazakhCopies:
    def test_each_member_supplies_its_region_and_the_pool_holds_every_copy_once(self, kazakh):
        pooled_ = kazakh.pool()
        members = {m["name"]: m["stations"] for m in coalition_document(pooled_, 1)["members"]}

        assert len(pooled_.counted()) == len(kazakh.copied) == 505 and not pooled_.in_conflict()
        assert members == {
            m.name: sum(s.region == r for s in kazakh.copied)
            for m, r in zip(kazakh.members, kazakh.regions, strict=True)
        }

    def test_the_regional_comparison_with_coverage_and_margins_equals_the_lone_organisations(self, kazakh):
        together = aggregate_comparisons_of(kazakh.pool().counted(), kazakh.contest, kazakh.snapshot)
        alone = aggregate_comparisons(kazakh.alone.pk, kazakh.contest, kazakh.snapshot)

        assert together == alone
        with_copies = [row for row in together if row.coverage.stations_with_copies]
        assert len(with_copies) == 7
        assert any(row.turnout.margin is None for row in with_copies)  # one copy, or one TEC: no margin
        assert any(row.turnout.margin is not None for row in with_copies)

    def test_forensics_and_seats_of_the_pool_equal_the_lone_organisations(self, kazakh):
        pooled_ = kazakh.pool()
        parameters = {"source": forensics.OBSERVERS, **forensics.PARAMETERS}
        data = observer_station_data(kazakh.alone, kazakh.contest)
        # The integer-percentage test's simulations follow the stations' order; the database
        # returns them in no set order, the pool by station id: compare like with like.
        data = dataclasses.replace(data, stations=sorted(data.stations, key=lambda s: s.station_id))
        alone = forensics.analyse(data, parameters)
        tally = seats.root_tally(kazakh.alone, kazakh.contest)

        assert pooled.pooled_forensics(pooled_) == alone
        assert pooled.pooled_seats(pooled_) == seats.allocate_both(
            kazakh.contest, kazakh.snapshot, (tally.figures(), tally.stations_count)
        )

    def test_the_quick_count_of_a_members_sample_equals_the_lone_organisations(self, kazakh):
        sample = quick_count.draw_sample(
            organization=kazakh.members[0], contest=kazakh.contest, size=1500, is_stratified=True,
            created_by=kazakh.user, seed=7,
        )  # fmt: skip
        population = quick_count.population(kazakh.contest)

        together = pooled.pooled_quick_count(kazakh.pool(), sample)
        alone = reports.estimate_sample(kazakh.alone, kazakh.contest, sample, population)

        assert together["reported"] == alone["reported"] > 0
        for key in ("turnout", "options", "method", "warnings", "strata"):
            assert together[key] == alone[key]

    def test_the_coalitions_release_holds_seats_forensics_and_regions_and_no_invented_comparison(
        self, kazakh, client
    ):
        admins = {}
        first = kazakh.members[0]
        seen = coalition_releases.preview_release(
            coalition=kazakh.coalition, contest=kazakh.contest, organization=first
        ).content_sha256  # the same content whichever member looks
        for member in kazakh.members:
            admins[member.pk] = get_user_model().objects.create_user(username=f"admin-{member.slug}")
            Membership.objects.create(user=admins[member.pk], organization=member, role=Membership.Role.ADMIN)
            coalition_releases.consent_to_release(
                coalition=kazakh.coalition, contest=kazakh.contest, organization=member, by=admins[member.pk],
                content=seen,
            )  # fmt: skip
        release = coalition_releases.publish_coalition_release(
            coalition=kazakh.coalition, contest=kazakh.contest, organization=first, by=admins[first.pk],
            changelog="The seven groups' count",
        )  # fmt: skip
        tally = seats.root_tally(kazakh.alone, kazakh.contest)
        alone_seats = seats.allocate_both(
            kazakh.contest, kazakh.snapshot, (tally.figures(), tally.stations_count)
        )

        content = release.content
        assert content["seats"]["observer"]["seats"] == alone_seats["observer"]["seats"]
        assert content["forensics"]["source"] == forensics.OBSERVERS and content["forensics"]["stations"]
        assert content["regions"] == regional_rows(kazakh.alone.pk, kazakh.contest, kazakh.snapshot)
        assert sum(1 for row in content["regions"] if row["coverage"]["stations_with_copies"]) == 7
        root = release.commissions.get(parent__isnull=True)
        assert root.stations_compared == 0 and root.figures["compared_observer"] is None
        assert not release.stations.exclude(is_discrepant=None).exists()  # no station compared
        assert content["coverage"]["stations_compared"] == 0
        page = client.get(release.get_absolute_url(), headers={"Accept-Language": "en"}).content.decode()
        assert "Votes moved" not in page and "stations compared" not in page
        assert "published only as regional totals" in page and "Coalition Seven" in page
        call_command("verify_release", str(release.pk))  # raises CommandError on any problem

    def test_the_forensics_page_shows_the_tests_on_the_pooled_stations(self, kazakh, client):
        user = get_user_model().objects.create_user(username="kz-admin-page")
        Membership.objects.create(user=user, organization=kazakh.members[1], role=Membership.Role.ADMIN)
        client.force_login(user)
        url = reverse("coalition-forensics", args=[kazakh.coalition.pk, kazakh.contest.pk])

        response = client.get(url, headers={"Accept-Language": "en"})

        summary = response.context["page"].summary
        assert response.context["page"].stations == 505 and summary["source"] == forensics.OBSERVERS
        assert len(summary["integer"]["tests"]) == 3  # turnout, leader, either
        assert "Whole percentages" in response.content.decode()

    def test_a_member_leaving_takes_its_region_out_of_the_pool(self, kazakh):
        leaving = kazakh.members[-1]
        CoalitionMember.objects.filter(organization=leaving).update(left_at="2026-12-02T00:00Z")

        counted = kazakh.pool().counted()

        assert len(counted) == 505 - sum(s.region == kazakh.regions[-1] for s in kazakh.copied)
