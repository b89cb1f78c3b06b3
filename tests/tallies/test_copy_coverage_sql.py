"""A commission's coverage summed in SQL (the live pages) equals the walk over every station in Python."""

from __future__ import annotations

from decimal import Decimal

import pytest

from elections.models import Commission, PollingStation
from tallies import generator
from tallies.models import OfficialSnapshot, ReconciliationRun
from tallies.selectors import station_sets
from tallies.selectors.copy_coverage import commission_coverage, coverage_by_commission
from tallies.selectors.layout import Layout

pytestmark = pytest.mark.django_db


def generate() -> None:
    """The crawl's election: 40 stations in 2 regions of 2 TECs, half with copies, a fifth falsified."""
    share = {"falsify": Decimal("0.2"), "copies": Decimal("0.5")}
    generator.generate(seed=2011, stations=40, regions=2, tecs=2, **share)


def test_every_commission_has_the_coverage_the_python_walk_gives():
    generator.generate(
        seed=2011, stations=40, regions=2, tecs=2, falsify=Decimal("0.2"), copies=Decimal("0.5")
    )
    contest = generator.load_contest(2011)
    organization = generator.generated_organization()
    snapshot = OfficialSnapshot.objects.filter(contest=contest).latest("pk")
    stations = PollingStation.objects.filter(pec__election=contest.election).order_by("pk")
    stations.filter(pk__in=stations.values("pk")[:7]).update(registered_voters=None)  # the copy's line 1 then
    base = Layout.of(contest).turnout_base_code()
    walked = coverage_by_commission(
        contest, snapshot, list(station_sets.with_copies(organization.pk, contest.pk)), base
    )
    commissions = Commission.objects.filter(election=contest.election).exclude(level=Commission.Level.PEC)

    assert walked[commissions.get(parent=None).pk]["stations_with_copies"] > 0
    for commission in commissions:
        summed = commission_coverage(organization.pk, contest, snapshot, commission, base)
        assert summed == walked[commission.pk], commission.path


def test_the_children_counted_together_are_each_child_counted_alone():
    generate()
    contest = generator.load_contest(2011)
    organization = generator.generated_organization()
    run = ReconciliationRun.objects.filter(organization=organization, contest=contest).latest("pk")
    parents = Commission.objects.filter(election=contest.election).exclude(level=Commission.Level.PEC)
    assert station_sets.counts(organization.pk, contest.pk, run).discrepant > 0

    for parent in parents:
        children = list(parent.children.order_by("path"))
        together = station_sets.counts_by_child(organization.pk, contest.pk, run, children)
        assert together == {
            c.pk: station_sets.counts(organization.pk, contest.pk, run, within=c) for c in children
        }, parent.path
