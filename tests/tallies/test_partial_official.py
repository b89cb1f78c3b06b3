"""Official percentages from partial station protocols, and over the compared stations (issue 14).

Official protocols: 91 and 92 complete, 120 lacks voters on the list (line 1). A derived total
sums each line over the protocols giving it, so its turnout as a ratio of sums would divide the
ballots issued at three stations by the voters of two: it is over 91 and 92 and says so.

The copies (`partial_election`): 91 complete, 92 lacks line 1 and United Russia's votes, 120
lacks line 1. All three are compared; each side is summed where both give a figure, so the
totals over the compared stations hold line 1 of 91 alone (92 and 120 lack it on one side) and
the ballots issued of all three: turnout over them is over 91 alone, the shares over 91 and 120.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from elections.models import Commission
from elections.numbers import percent
from tallies import selectors, services
from tallies.models import OfficialProtocol
from tallies.services.official_bases import fill_missing_bases
from tests.support import (
    LINES_PEC_91_OFFICIAL,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_92,
    OPTIONS_PEC_120,
    write_official_file,
)
from tests.tallies.support import without
from tests.tallies.test_partial_percentages import ROOT, TOOK_PART, TURNOUT, _release

pytestmark = pytest.mark.django_db


def _took_part(*lines):
    return sum(figures.get(code, 0) for figures in lines for code in TOOK_PART)


# Official: stations 91 and 92 give line 1 and lines 3-5.
OFFICIAL_TURNOUT = percent(
    _took_part(LINES_PEC_91_OFFICIAL, LINES_PEC_92),
    LINES_PEC_91_OFFICIAL["voters_on_list"] + LINES_PEC_92["voters_on_list"],
)
MIXED_OFFICIAL = percent(
    _took_part(LINES_PEC_91_OFFICIAL, LINES_PEC_92, LINES_PEC_120),
    LINES_PEC_91_OFFICIAL["voters_on_list"] + LINES_PEC_92["voters_on_list"],
)
# Compared: station 91 alone gives line 1 on both sides; 91 and 120 every option's votes.
COMPARED_OFFICIAL_TURNOUT = percent(
    _took_part(LINES_PEC_91_OFFICIAL), LINES_PEC_91_OFFICIAL["voters_on_list"]
)
COMPARED_UR_OBSERVER = percent(
    OPTIONS_PEC_91_COPY["p6_UR"] + OPTIONS_PEC_120["p6_UR"],
    sum(OPTIONS_PEC_91_COPY.values()) + sum(OPTIONS_PEC_120.values()),
)


@pytest.fixture
def partial_official(partial_election, organization, contest, tmp_path, django_capture_on_commit_callbacks):
    """The official protocols above, tallied, and the comparison run."""
    path = write_official_file(
        tmp_path,
        [
            ("84 Пресненский район", "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL),
            ("84 Пресненский район", "92", LINES_PEC_92, OPTIONS_PEC_92),
            ("85 Тверской район", "120", without(LINES_PEC_120, "voters_on_list"), OPTIONS_PEC_120),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name=ROOT)
    return services.reconcile(organization_id=organization.pk, contest_id=contest.pk)


def _results(organization, contest, name=ROOT):
    commission = Commission.objects.get(election=contest.election, name=name)
    return selectors.commission_results(organization=organization, contest=contest, commission=commission)


def test_the_figures_make_a_test_that_can_fail():
    assert MIXED_OFFICIAL != OFFICIAL_TURNOUT
    assert COMPARED_OFFICIAL_TURNOUT != OFFICIAL_TURNOUT


def test_a_derived_official_turnout_is_over_the_protocols_giving_every_line(
    partial_official, organization, contest
):
    official = _results(organization, contest).official

    assert official.turnout == OFFICIAL_TURNOUT
    basis = official.turnout_basis
    assert (basis.stations, basis.of, basis.lacking) == (2, 3, ("lines.voters_on_list",))
    assert official.shares_basis.is_all  # every protocol gives every option
    assert official.figures.lines["voters_on_list"] == (
        LINES_PEC_91_OFFICIAL["voters_on_list"] + LINES_PEC_92["voters_on_list"]
    )  # the total itself is still the sum of what the protocols give


def test_an_official_total_no_protocol_gives_turnout_of_has_none(partial_official, organization, contest):
    tver = _results(organization, contest, "85 Тверской район")

    assert tver.official.turnout is None
    assert (tver.official.turnout_basis.stations, tver.official.turnout_basis.of) == (0, 1)


def test_a_childs_official_turnout_says_it_is_over_fewer_stations(partial_official, organization, contest):
    (moscow,) = _results(organization, contest).children

    assert moscow.official_turnout == OFFICIAL_TURNOUT
    assert (moscow.official_turnout_basis.stations, moscow.official_turnout_basis.of) == (2, 3)


def test_a_published_station_protocol_keeps_no_bases(partial_official, contest):
    protocols = OfficialProtocol.objects.filter(snapshot__contest=contest)

    assert not protocols.filter(is_derived=False, bases__isnull=False).exists()
    assert not protocols.filter(is_derived=True, bases__isnull=True).exists()


def test_the_compared_turnout_is_over_the_stations_giving_every_line_on_both_sides(
    partial_official, organization, contest
):
    results = _results(organization, contest)

    assert results.stations_compared == 3
    observer, official = results.compared_observer, results.compared_official
    assert (observer.turnout, official.turnout) == (TURNOUT, COMPARED_OFFICIAL_TURNOUT)
    for side in (observer, official):
        assert (side.turnout_basis.stations, side.turnout_basis.of) == (1, 3)
        assert (side.shares_basis.stations, side.shares_basis.of) == (2, 3)
    assert observer.shares["p6_UR"] == COMPARED_UR_OBSERVER


def test_the_results_page_says_it(partial_official, coordinator, contest, client):
    client.force_login(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    html = client.get(f"/results/{contest.pk}/c/{root.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert (
        f"Official turnout {OFFICIAL_TURNOUT} % over 2 of 3 stations (the others' protocols lack line 1)."
        in html
    )
    assert "Turnout over the compared stations: over 1 of the 3, on both sides" in html


def test_the_api_gives_the_stations_official_turnout_is_over(partial_official, coordinator, contest):
    api = APIClient()
    api.force_authenticate(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)

    data = api.get(f"/api/contests/{contest.pk}/results/{root.pk}/").json()

    official = data["official"]
    assert (official["turnout"], official["turnout_stations"]) == (str(OFFICIAL_TURNOUT), 2)
    assert official["turnout_lacking"] == ["lines.voters_on_list"]
    assert data["compared_official"]["turnout_stations"] == 1
    assert data["children"][0]["official_turnout_stations"] == 2


def test_a_release_says_it(partial_official, organization, contest, client):
    release = _release(organization, contest)

    content = bytes(release.files.get(name="release.json").content).decode()
    root = next(c for c in json.loads(content)["commissions"] if c["parent_id"] is None)
    official = root["figures"]["official"]
    assert (official["turnout"], official["turnout_stations"]) == (str(OFFICIAL_TURNOUT), 2)
    compared = root["figures"]["compared_official"]
    assert (compared["turnout"], compared["turnout_stations"]) == (str(COMPARED_OFFICIAL_TURNOUT), 1)
    commission = Commission.objects.get(election=contest.election, name=ROOT)
    url = reverse("public-commission", args=[*release.url_args(), commission.pk])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Official turnout {OFFICIAL_TURNOUT} % over 2 of 3 stations" in html


def test_the_page_says_it_in_russian_and_kazakh(partial_official, coordinator, contest, client):
    client.force_login(coordinator)
    root = Commission.objects.get(election=contest.election, name=ROOT)
    url = f"/results/{contest.pk}/c/{root.pk}/"

    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    kazakh = client.get(url, HTTP_ACCEPT_LANGUAGE="kk").content.decode()

    assert "% — по 2 из 3 участков (в протоколах остальных нет: строка 1)" in russian
    assert "Явка по сверенным участкам — по 1 из 3" in russian
    assert "% — 3 учаскенің 2 учаскесі бойынша (қалғандарының хаттамаларында жоқ:" in kazakh


def test_coverage_does_not_set_copies_against_an_official_total_lacking_stations(
    partial_official, organization, contest
):
    """Station 120's protocol lacks voters on the list: the official total of 4,326 covers two
    stations, the copies' 6,126 voters three (141.61 % before); the station list is used instead."""
    coverage = _results(organization, contest).coverage

    assert (coverage["registered_voters_covered"], coverage["registered_voters_source"]) == (6126, "app")
    assert coverage["registered_voters_total"] == 6126 and coverage["registered_voters_percent"] == "100.00"


def test_the_official_figure_of_the_regions_with_copies_is_over_the_same_stations(
    partial_official, organization, contest
):
    in_regions = _results(organization, contest).official_in_regions_with_copies

    assert in_regions.turnout == OFFICIAL_TURNOUT != MIXED_OFFICIAL
    assert (in_regions.turnout_basis.stations, in_regions.turnout_basis.of) == (2, 3)


def test_totals_tallied_before_bases_were_kept_get_them(partial_official, organization, contest):
    derived = OfficialProtocol.objects.filter(snapshot__contest=contest, is_derived=True)
    kept = dict(derived.values_list("pk", "bases"))
    derived.update(bases=None)
    assert _results(organization, contest).official.turnout == MIXED_OFFICIAL  # what it showed

    assert fill_missing_bases(OfficialProtocol.objects.all()) == len(kept)

    assert dict(derived.values_list("pk", "bases")) == kept
    assert _results(organization, contest).official.turnout == OFFICIAL_TURNOUT


def test_a_run_made_before_bases_were_kept_is_not_reused(partial_official, organization, contest):
    assert services.reconcile(organization_id=organization.pk, contest_id=contest.pk) == partial_official
    partial_official.commissions.update(bases=None)

    run = services.reconcile(organization_id=organization.pk, contest_id=contest.pk)

    assert run != partial_official
    assert not run.commissions.filter(bases__isnull=True).exists()
