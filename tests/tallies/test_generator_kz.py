"""The Kazakh case of issue 22, generated (manage.py generate_election --kazakh) and published.

17 regions, 175 TECs, 10,000 stations; official results per region only (Nur-Sultan arriving as
"город Астана"); 505 copies from five cities, one in Mangystau and four in one Karaganda TEC.
Every statement of the issue is pinned here on the published release.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command

from elections.models import Commission
from observers.models import Membership
from tallies.generator_kz import generate_kazakh
from tallies.services import releases

pytestmark = pytest.mark.django_db
NUR_SULTAN, WEST, KARAGANDA, MANGYSTAU = (
    "город Нур-Султан",
    "Западно-Казахстанская область",
    "Карагандинская область",
    "Мангистауская область",
)


@pytest.fixture
def kazakh():
    cache.clear()
    summary = generate_kazakh(seed=2021, wait_seconds=5)
    admin = get_user_model().objects.create_user(username="kz-admin")
    organization = summary.run.organization
    Membership.objects.create(user=admin, organization=organization, role=Membership.Role.ADMIN)
    release = releases.publish_release(
        organization=organization, contest=summary.contest, published_by=admin, changelog="Kazakh case."
    )
    return summary, release


def test_the_generated_case_has_the_issues_shape_and_the_release_invents_no_figure(kazakh, client):
    summary, release = kazakh
    _no_invented_figure(release, client)
    election = summary.contest.election

    assert Commission.objects.filter(election=election, level="TEC").count() == 175
    assert summary.snapshot.level == "SEC" and summary.snapshot.protocols_count == 17
    assert summary.copies == 505 and summary.regions_with_copies == 7
    # Nur-Sultan's file row said "город Астана": it joined the region, its 100 copies count.
    assert not Commission.objects.filter(election=election, name="город Астана").exists()
    coverage = release.content["coverage"]
    assert coverage["stations_with_copies"] == 505 and coverage["stations_total"] == 10_000
    assert (coverage["regions_with_copies"], coverage["regions_total"]) == (7, 17)
    assert coverage["stations_compared"] == 0


def _no_invented_figure(release, client):
    root = release.commissions.get(parent_id__isnull=True)
    assert root.figures["official"]["stations"] == 10_000  # not 17 (the regional rows)

    page = client.get(release.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    for claim in ("Votes moved", "stations compared", "stations in the official results", "Every compared"):
        assert claim not in page
    assert "Observers' copies cover 505 of 10000 stations (5.05 %)." in page
    assert "Regions with copies: 7 of 17." in page and "Official, regions with copies" in page


def test_margins_follow_the_design_one_copy_is_never_compared_and_the_implied_figure(kazakh):
    summary, release = kazakh
    _implied_figure(summary, release)
    regions = {row["name"]: row for row in release.content["regions"]}

    assert len(regions) == 17 and sum(r["status"] == "no_copies" for r in regions.values()) == 10
    west = regions[WEST]  # 70 copies, all in one of its 12 TECs
    assert (west["coverage"]["stations_with_copies"], west["tecs_with_copies"], west["tecs_total"]) == (
        70,
        1,
        12,
    )
    assert west["status"] == "no_margin" and west["turnout"]["margin"] is None
    assert west["turnout"]["outside_margin"] is None and west["no_margin_reasons"] == ["few_tecs"]
    karaganda = regions[KARAGANDA]  # 4 copies of one TEC
    assert karaganda["no_margin_reasons"] == ["few_stations", "few_tecs"]
    mangystau = regions[MANGYSTAU]  # one copy
    assert mangystau["status"] == "one_copy" and mangystau["turnout"]["difference"] is None
    almaty = regions["город Алматы"]  # 130 copies in its 8 TECs: Student's t with 7 degrees of freedom
    assert almaty["status"] == "margin" and almaty["quantile"] == "2.365"
    assert Decimal(almaty["turnout"]["margin"]) > 0


def _implied_figure(summary, release):
    west = next(r for r in release.content["regions"] if r["name"] == WEST)
    stations = [s for s in summary.plan.stations if s.region == WEST]
    unobserved = [s.official for s in stations if not s.has_copy]

    took_part = sum(f.lines["voters_took_part"] for f in unobserved)
    listed = sum(f.lines["voters_on_list"] for f in unobserved)
    nur_otan = sum(f.options["nur_otan"] for f in unobserved)
    votes = sum(sum(f.options.values()) for f in unobserved)

    assert west["unobserved_stations"] == len(unobserved)
    assert west["turnout"]["implied"] == str((Decimal(100 * took_part) / listed).quantize(Decimal("0.01")))
    assert west["shares"]["nur_otan"]["implied"] == str(
        (Decimal(100 * nur_otan) / votes).quantize(Decimal("0.01"))
    )
    assert west["consistent"] is True


def test_the_command_builds_the_kazakh_case(capsys):
    call_command("generate_election", "--kazakh", "--seed", "7", "--stations", "6000")

    out = capsys.readouterr().out
    assert "Regions with copies" in out and "7 of 17" in out and "505" in out
