"""Turnout and shares with partial copies (issue 14): over the stations that give every figure needed.

The `partial_election` (tests/tallies/conftest.py): station 91 complete; 92 lacks
voters on the list (line 1) and United Russia's votes; 120 lacks line 1. Turnout (line 1 and
the ballots-issued lines 3, 4, 5 by their roles) is then over station 91 alone, the shares over
91 and 120, and each says so: the page, the API and the release. A missing figure is never 0,
and with official totals for a region only, nothing official-minus-observer appears for
stations that were not compared.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import Commission
from elections.numbers import percent
from observers.models import Membership
from tallies import selectors, services
from tallies.models import ObserverTally, OfficialSnapshot, StationTallyState
from tallies.selectors.comparison_aggregates import aggregate_comparisons
from tallies.selectors.complete_stations import percentages, subsets_of_stations, subsets_of_tallies
from tallies.selectors.layout import Layout
from tallies.services import releases
from tallies.services.official_levels import import_level_file
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_92,
    OPTIONS_PEC_120,
)

pytestmark = pytest.mark.django_db

ROOT = "ЦИК России"
MOSCOW = "Город Москва"
TOOK_PART = ("ballots_issued_early", "ballots_issued_in_station", "ballots_issued_outside")  # lines 3-5
# Station 91 alone gives line 1 and lines 3-5.
TURNOUT = percent(sum(LINES_PEC_91_COPY[code] for code in TOOK_PART), LINES_PEC_91_COPY["voters_on_list"])
# Stations 91 and 120 give every option's votes.
UR_SHARE = percent(
    OPTIONS_PEC_91_COPY["p6_UR"] + OPTIONS_PEC_120["p6_UR"],
    sum(OPTIONS_PEC_91_COPY.values()) + sum(OPTIONS_PEC_120.values()),
)


def _results(organization, contest, name=ROOT):
    commission = Commission.objects.get(election=contest.election, name=name)
    return selectors.commission_results(organization=organization, contest=contest, commission=commission)


def test_the_figures_make_a_test_that_can_fail():
    """The ratio of sums over different stations (what hiding avoided) is another number."""
    took_part = sum(
        lines.get(code, 0) for lines in (LINES_PEC_91_COPY, LINES_PEC_92, LINES_PEC_120) for code in TOOK_PART
    )
    assert percent(took_part, LINES_PEC_91_COPY["voters_on_list"]) != TURNOUT
    assert Decimal("66.57") == TURNOUT
    assert percent(OPTIONS_PEC_91_COPY["p6_UR"], sum(OPTIONS_PEC_91_COPY.values())) != UR_SHARE


def test_turnout_is_over_the_stations_giving_every_turnout_line(partial_election, organization, contest):
    observer = _results(organization, contest).observer

    assert observer.turnout == TURNOUT
    basis = observer.turnout_basis
    assert (basis.stations, basis.of, basis.lacking) == (1, 3, ("lines.voters_on_list",))


def test_shares_are_over_the_stations_giving_every_option(partial_election, organization, contest):
    observer = _results(organization, contest).observer

    assert observer.shares["p6_UR"] == UR_SHARE
    assert sum(observer.shares.values()) == pytest.approx(100, abs=Decimal("0.05"))
    basis = observer.shares_basis
    assert (basis.stations, basis.of, basis.lacking) == (2, 3, ("options.p6_UR",))


def test_a_complete_tally_is_over_all_its_stations(partial_election, organization, contest):
    tec = _results(organization, contest, "85 Тверской район")  # station 120: lacks line 1

    assert tec.observer.turnout is None  # no station gives every turnout line
    assert (tec.observer.turnout_basis.stations, tec.observer.turnout_basis.of) == (0, 1)
    assert tec.observer.shares_basis.is_all
    assert tec.observer.shares["p6_UR"] == percent(OPTIONS_PEC_120["p6_UR"], sum(OPTIONS_PEC_120.values()))


def test_a_childs_turnout_says_it_is_over_fewer_stations(partial_election, organization, contest):
    (moscow,) = _results(organization, contest).children

    assert moscow.observer_turnout == TURNOUT
    assert (moscow.observer_turnout_basis.stations, moscow.observer_turnout_basis.of) == (1, 3)


def test_the_results_page_says_over_how_many_stations(partial_election, coordinator, contest, client):
    client.force_login(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    html = client.get(f"/results/{contest.pk}/c/{root.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"Observer turnout {TURNOUT} % over 1 of 3 stations with copies (the others lack line 1)." in html
    assert "Observer shares over 2 of 3 stations with copies (the others lack the votes of" in html


def test_the_api_gives_the_stations_each_percentage_is_over(partial_election, coordinator, contest):
    api = APIClient()
    api.force_authenticate(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    data = api.get(f"/api/contests/{contest.pk}/results/{root.pk}/").json()

    observer = data["observer"]
    assert (observer["stations"], observer["partial_stations"]) == (3, 2)
    assert (observer["turnout"], observer["turnout_stations"]) == (str(TURNOUT), 1)
    assert observer["turnout_lacking"] == ["lines.voters_on_list"]
    assert (observer["shares"]["p6_UR"], observer["shares_stations"]) == (str(UR_SHARE), 2)
    assert observer["shares_lacking"] == ["options.p6_UR"]
    assert data["children"][0]["observer_turnout_stations"] == 1


def test_the_tallies_recomputed_give_the_same_percentages(partial_election, organization, contest):
    before = _results(organization, contest).observer
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)

    after = _results(organization, contest).observer
    assert (after.turnout, after.turnout_basis, after.shares, after.shares_basis) == (
        before.turnout,
        before.turnout_basis,
        before.shares,
        before.shares_basis,
    )


# Official totals for a region only (the Kazakh case): no station is compared.


def _moscow_totals(tmp_path, organization, contest):
    lines = {"voters_on_list": 9000, "ballots_issued_early": 100, "ballots_issued_in_station": 4000}
    lines["ballots_issued_outside"] = 100
    options = {code: OPTIONS_PEC_92[code] * 4 for code in OPTIONS_PEC_92}
    path = tmp_path / "regions.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "stations", *lines, *options])
        writer.writerow([MOSCOW, "3", *lines.values(), *options.values()])
    snapshot, _ = import_level_file(
        contest=contest, path=path, source="test", status=OfficialSnapshot.Status.FINAL
    )
    return snapshot


def test_a_regional_comparison_takes_no_missing_figure_as_0(
    partial_election, organization, contest, tmp_path
):
    snapshot = _moscow_totals(tmp_path, organization, contest)

    (moscow,) = aggregate_comparisons(organization.pk, contest, snapshot)

    assert (moscow.turnout.observer, moscow.turnout.stations) == (TURNOUT, 1)
    assert moscow.turnout.implied is None  # official minus an unknown line 1 is unknown
    ur = next(share for share in moscow.shares if share.code == "p6_UR")
    assert (ur.observer, ur.stations, ur.implied) == (UR_SHARE, 2, None)
    assert moscow.turnout.difference is None  # one copy gives turnout: nothing to compare
    assert ur.difference == ur.official - UR_SHARE  # two copies: the shares, as before
    results = _results(organization, contest)
    assert results.votes_moved == {} and results.compared_observer is None
    assert results.observer.turnout == TURNOUT


def _release(organization, contest):
    admin = get_user_model().objects.create_user(username="adam", password="pw-adam")
    Membership.objects.create(user=admin, organization=organization, role=Membership.Role.ADMIN)
    return releases.publish_release(
        organization=organization, contest=contest, published_by=admin, changelog="First release."
    )


def test_a_releases_public_page_says_over_how_many_stations(partial_election, organization, contest, client):
    release = _release(organization, contest)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    url = reverse("public-commission", args=[*release.url_args(), root.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f"Observer turnout {TURNOUT} % over 1 of 3 stations with copies (the others lack line 1)." in html


@pytest.mark.parametrize("name", ["commissions.csv", "release.json", "README.md"])
def test_a_release_says_over_how_many_stations(partial_election, organization, contest, name):
    release = _release(organization, contest)

    content = bytes(release.files.get(name=name).content).decode()
    if name == "release.json":
        root = next(c for c in json.loads(content)["commissions"] if c["parent_id"] is None)
        observer = root["figures"]["observer"]
        assert (observer["turnout"], observer["turnout_stations"]) == (str(TURNOUT), 1)
        assert observer["turnout_lacking"] == ["lines.voters_on_list"]
        assert (observer["shares"]["p6_UR"], observer["shares_stations"]) == (str(UR_SHARE), 2)
        assert root["figures"]["official"] is None
    elif name == "commissions.csv":
        rows = list(csv.DictReader(io.StringIO(content)))
        root = next(r for r in rows if r["parent_id"] == "" and r["source"] == "observer")
        assert (root["turnout_percent"], root["turnout_stations"], root["turnout_lacking"]) == (
            str(TURNOUT),
            "1",
            "voters_on_list",
        )
        assert (root["shares_stations"], root["shares_lacking"]) == ("2", "p6_UR")
    else:
        assert "turnout_stations" in content and "never taken as 0" in content


def test_the_page_says_it_in_russian(partial_election, coordinator, contest, client):
    client.force_login(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    html = client.get(f"/results/{contest.pk}/c/{root.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()

    assert "по 1 из 3 участков с копиями (в остальных нет: строка 1)" in html


def test_a_pool_of_station_figures_gives_what_the_tallies_give(partial_election, organization, contest):
    """The coalition's path (station figures in Python) and the tallies' (SQL) agree."""
    layout = Layout.of(contest)
    states = StationTallyState.objects.counted().filter(organization=organization, contest=contest)
    stations = [state.applied_figures() for state in states]
    tally = ObserverTally.objects.get(organization=organization, contest=contest, commission__parent=None)

    total, missing, subsets = subsets_of_stations(layout, stations)

    assert (total, missing) == (tally.figures(), tally.missing)
    assert subsets == subsets_of_tallies(layout, [tally])[tally.commission_id]
    assert percentages(layout, total, 3, missing, subsets).turnout == TURNOUT
