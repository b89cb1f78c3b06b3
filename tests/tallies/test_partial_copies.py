"""Partial observer copies (issue 14, scope 4): a figure marked "not on the copy / unreadable".

A missing figure is stored as absent (no row, never 0); a relation that needs it is not
checkable (no finding); the tallies sum each figure over the stations that give it and count the
stations lacking it (ObserverTally.missing, partial_stations), the incremental path and the
recompute alike; a percentage that needs a figure some station lacks is over the stations
giving it all (tests/tallies/test_partial_percentages.py); the
reconciliation does not compare a missing figure.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from elections.models import Commission
from tallies import selectors, services
from tallies.errors import FieldError
from tallies.models import ControlFinding, ObserverTally, ProtocolCopy
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    LINES_PEC_92,
    LINES_PEC_120,
    OPTIONS_PEC_91_COPY,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_120,
    write_official_file,
)
from tests.tallies.support import send_api_copy, without

pytestmark = pytest.mark.django_db

ROOT = "ЦИК России"


def _tally(organization, contest, name=ROOT) -> ObserverTally:
    return ObserverTally.objects.get(
        organization=organization, contest=contest, commission=Commission.objects.get(name=name)
    )


def _snapshot(organization, contest) -> dict:
    """Every tally of the organisation as the fields coverage concerns, by commission name."""
    return {
        t.commission.name: (t.line_totals, t.option_totals, t.stations_count, t.missing, t.partial_stations)
        for t in ObserverTally.objects.filter(organization=organization, contest=contest).select_related(
            "commission"
        )
    }


# Submission: stored as absent, not checkable.


def test_a_figure_marked_missing_is_stored_as_absent_never_0(observer, contest, station):
    copy = send_api_copy(
        observer,
        contest,
        station,
        without(LINES_PEC_91_COPY, "ballots_cancelled"),
        OPTIONS_PEC_91_COPY,
        missing=["lines.ballots_cancelled"],
    )

    assert "ballots_cancelled" not in copy.figures().lines
    stored = ProtocolCopy.objects.get(pk=copy.pk)  # read back: a NULL element, not a 0
    cancelled = stored.contest.form.lines.get(code="ballots_cancelled").pk
    assert stored.figure_values[stored.figure_layout.line_ids.index(cancelled)] is None
    assert len(stored.figure_refs()) == len(LINES_PEC_91_COPY) - 1 + len(OPTIONS_PEC_91_COPY)


def test_a_relation_needing_a_missing_figure_is_not_checked_and_the_others_are(observer, contest, station):
    complete = send_api_copy(observer, contest, station, LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)
    # Line 2 = 3+4+5+6+17−18 is broken on the full copy; without line 6 it cannot be checked.
    assert list(complete.findings.values_list("relation__code", flat=True)) == [
        "received_eq_issued_cancelled_lost"
    ]
    broken_valid = {**without(LINES_PEC_91_COPY, "ballots_cancelled"), "ballots_valid": 1}

    partial = send_api_copy(
        observer,
        contest,
        station,
        broken_valid,
        OPTIONS_PEC_91_COPY,
        missing=["lines.ballots_cancelled"],
        revises=complete,
    )

    found = set(ControlFinding.objects.filter(copy=partial).values_list("relation__code", flat=True))
    assert found == {"valid_eq_options", "boxes_eq_invalid_plus_valid"}


def test_options_total_needs_every_option(observer, contest, station):
    options = without(OPTIONS_PEC_91_COPY, "p6_UR")

    copy = send_api_copy(observer, contest, station, LINES_PEC_91_COPY, options, missing=["options.p6_UR"])

    found = set(copy.findings.values_list("relation__code", flat=True))
    assert "valid_eq_options" not in found  # 1348 ≠ the sum without UR, but it is not checkable


@pytest.mark.parametrize(
    ("lines", "missing", "field"),
    [
        (LINES_PEC_91_COPY, ["lines.ballots_cancelled"], "lines.ballots_cancelled"),  # a figure and a mark
        (without(LINES_PEC_91_COPY, "ballots_cancelled"), [], "lines.ballots_cancelled"),  # neither
        (LINES_PEC_91_COPY, ["lines.no_such_line"], "missing"),
        (LINES_PEC_91_COPY, "lines.ballots_cancelled", "missing"),  # a string, not a list
    ],
)
def test_it_refuses_an_unclear_mark_naming_the_field(observer, contest, station, lines, missing, field):
    with pytest.raises(FieldError) as refused:
        send_api_copy(observer, contest, station, lines, OPTIONS_PEC_91_COPY, missing=missing)

    assert refused.value.field == field
    assert not ProtocolCopy.objects.exists()


def test_it_refuses_a_copy_with_every_figure_missing(observer, contest, station):
    every = [f"lines.{c}" for c in LINES_PEC_91_COPY] + [f"options.{c}" for c in OPTIONS_PEC_91_COPY]

    with pytest.raises(FieldError) as refused:
        send_api_copy(observer, contest, station, {}, {}, missing=every)

    assert refused.value.field == "missing"
    assert not ProtocolCopy.objects.exists()


# Tallies: coverage, incremental == recompute.


def test_totals_are_over_the_stations_giving_each_figure(partial_election, organization, contest):
    nation = _tally(organization, contest)

    assert nation.stations_count == 3
    assert (nation.complete_stations, nation.partial_stations) == (1, 2)
    assert nation.missing == {"lines.voters_on_list": 2, "options.p6_UR": 1}
    assert nation.line_totals["voters_on_list"] == LINES_PEC_91_COPY["voters_on_list"]  # not + 0 + 0
    assert nation.option_totals["p6_UR"] == OPTIONS_PEC_91_COPY["p6_UR"] + OPTIONS_PEC_120["p6_UR"]
    assert nation.line_totals["ballots_valid"] == sum(
        lines["ballots_valid"] for lines in (LINES_PEC_91_COPY, LINES_PEC_92, LINES_PEC_120)
    )
    assert nation.coverage("options.p6_UR") == 2


def test_a_figure_no_counted_station_gives_has_no_total(partial_election, organization, contest):
    tec = _tally(organization, contest, "85 Тверской район")  # station 120 only

    assert tec.missing == {"lines.voters_on_list": 1}
    assert "voters_on_list" not in tec.line_totals
    assert tec.coverage("lines.voters_on_list") == 0


def test_the_incremental_tallies_equal_a_recompute_with_partial_copies(
    partial_election, organization, contest
):
    incremental = _snapshot(organization, contest)

    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)

    assert _snapshot(organization, contest) == incremental
    assert incremental[ROOT][4] == 2


def test_revising_a_partial_copy_whole_moves_the_coverage_back(
    partial_election, observer, organization, contest, django_capture_on_commit_callbacks
):
    station = partial_election["120"]
    copy = ProtocolCopy.objects.get(station=station)
    with django_capture_on_commit_callbacks(execute=True):
        send_api_copy(observer, contest, station, LINES_PEC_120, OPTIONS_PEC_120, revises=copy)
    tec = _tally(organization, contest, "85 Тверской район")
    nation = _tally(organization, contest)

    assert (tec.missing, tec.partial_stations, tec.line_totals["voters_on_list"]) == (
        {},
        0,
        LINES_PEC_120["voters_on_list"],
    )
    assert (nation.missing, nation.partial_stations) == ({"lines.voters_on_list": 1, "options.p6_UR": 1}, 1)
    incremental = _snapshot(organization, contest)
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
    assert _snapshot(organization, contest) == incremental


def test_a_second_copy_fills_what_the_first_lacks(
    partial_election, organization, contest, bob, django_capture_on_commit_callbacks
):
    station = partial_election["120"]
    with django_capture_on_commit_callbacks(execute=True):
        send_api_copy(bob, contest, station, LINES_PEC_120, OPTIONS_PEC_120)  # a colleague's whole copy

    tec = _tally(organization, contest, "85 Тверской район")
    assert (tec.missing, tec.partial_stations) == ({}, 0)
    assert tec.line_totals["voters_on_list"] == LINES_PEC_120["voters_on_list"]


def test_percentages_needing_a_figure_some_station_lacks_are_over_the_stations_giving_it(
    partial_election, organization, contest
):
    results = selectors.commission_results(
        organization=organization, contest=contest, commission=Commission.objects.get(name=ROOT)
    )

    assert results.observer.partial == 2
    # Voters on the list lacks at 2 of 3 stations, UR's votes at one (test_partial_percentages).
    assert (results.observer.turnout_basis.stations, results.observer.shares_basis.stations) == (1, 2)


def test_the_results_page_says_complete_and_partial(
    partial_election, organization, contest, coordinator, client
):
    client.force_login(coordinator)
    root = Commission.objects.get(name=ROOT)

    page = client.get(f"/results/{contest.pk}/c/{root.pk}/")

    assert page.status_code == 200
    assert "1 complete, 2 partial" in page.content.decode()


# Reconciliation: a missing figure is not compared.


def test_a_missing_figure_is_not_compared_and_not_a_discrepancy(
    contest, station, observer, organization, tmp_path, django_capture_on_commit_callbacks
):
    path = write_official_file(
        tmp_path, [("84 Пресненский район", "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.import_stations_file(contest=contest, path=path, source="test", root_name=ROOT)
        # The copy equals the official protocol except for the line it lacks.
        send_api_copy(
            observer,
            contest,
            station,
            without(LINES_PEC_91_OFFICIAL, "ballots_cancelled"),
            OPTIONS_PEC_91_OFFICIAL,
            missing=["lines.ballots_cancelled"],
        )

    run = services.reconcile(organization_id=organization.pk, contest_id=contest.pk)

    comparison = run.stations.get()
    assert not comparison.is_discrepant
    assert comparison.not_compared == ["lines.ballots_cancelled"]
    rollup = run.commissions.get(commission__name=ROOT)
    assert "ballots_cancelled" not in rollup.official_lines  # like with like: neither side sums it


# The channels: the web form, the API, the desk.


def test_an_observer_marks_a_line_not_on_the_copy_in_the_web_form(client, observer, contest, station):
    client.force_login(observer.user)
    data = {"client_uuid": str(uuid.uuid4()), "number": "91", "note": ""}
    data |= {
        f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items() if code != "ballots_cancelled"
    }
    data |= {"lines.ballots_cancelled": "", "missing.lines.ballots_cancelled": "on"}
    data |= {f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()}

    response = client.post(f"/copies/new/{contest.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")

    copy = ProtocolCopy.objects.get()
    assert response.status_code == 302
    assert "ballots_cancelled" not in copy.figures().lines
    assert not copy.findings.exists()  # the broken line-2 relation needs line 6: not checked
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not on the copy / unreadable" in page


def test_a_blank_figure_not_marked_is_refused_next_to_its_input(client, observer, contest):
    client.force_login(observer.user)
    data = {"client_uuid": str(uuid.uuid4()), "number": "91", "note": ""}
    data |= {f"lines.{code}": value for code, value in LINES_PEC_91_COPY.items()} | {
        "lines.ballots_cancelled": ""
    }
    data |= {f"options.{code}": value for code, value in OPTIONS_PEC_91_COPY.items()}

    response = client.post(f"/copies/new/{contest.pk}/", data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors["lines.ballots_cancelled"]
    assert not ProtocolCopy.objects.exists()


def test_the_api_takes_the_missing_figures(observer, contest, station):
    client = APIClient()
    client.force_authenticate(user=observer.user)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": LINES_PEC_91_COPY,
        "options": without(OPTIONS_PEC_91_COPY, "p6_UR"),
        "missing": ["options.p6_UR"],
    }

    response = client.post("/api/copies/", body, format="json")

    assert response.status_code == 201
    assert "p6_UR" not in response.data["figures"]["options"]
    refused = client.post(
        "/api/copies/", {**body, "client_uuid": str(uuid.uuid4()), "missing": ["x"]}, format="json"
    )
    assert refused.status_code == 400
    assert "missing" in refused.data


def test_the_desk_shows_a_figure_not_on_the_copy(partial_election, contest, coordinator, client):
    client.force_login(coordinator)
    station = partial_election["120"]

    page = client.get(f"/desk/{contest.pk}/station/{station.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert "figures on no copy: the copy is partial" in html
    assert "not on the copy" in html
