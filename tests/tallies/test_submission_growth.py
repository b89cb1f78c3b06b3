"""A copy submission costs the same number of SQL statements however large the election is.

Nothing a request does may grow with the election (issue 17, scope 4): the same observer sends
a first copy and a resend on a 3-station election, then again once the election has grown by
120 stations and 40 copies, and the statements are counted both times (a count, not a timing).
The form the submission validates against is read once per form version (form_cache), so an
edit of the form is seen by the very next submission.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elections.hierarchy import StationRecord, ensure_hierarchy
from elections.models import BallotOption, ControlRelation, PollingStation
from observers.services import mandates
from tallies.models import ControlFinding, ProtocolCopy, StationTallyState
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import FIRST_COPY_QUERIES, RESEND_QUERIES, body

pytestmark = pytest.mark.django_db

URL = "/api/copies/"
GROWN_BY = 120  # stations added
COPIES = 40  # copies sent to them before the second count


def statements(client, copy) -> tuple[int, int]:
    """(status, SQL statements) of one POST of `copy`."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, copy, format="json")
    return response.status_code, len(queries)


def grow(contest, observer) -> list[PollingStation]:
    """Add GROWN_BY stations under a new TEC, mandate `observer` for them; return them."""
    records = [
        StationRecord(("Город Москва", "86 Новый район"), str(1000 + n), 1500) for n in range(GROWN_BY)
    ]
    ensure_hierarchy(election=contest.election, root_name="ЦИК России", stations=records)
    added = list(PollingStation.objects.filter(pec__election=contest.election, number__gte="1000"))
    mandates.issue_mandate(
        organization=observer.organization,
        observer=observer,
        election=contest.election,
        stations=added,
        issued_by=None,
    )
    return added


def test_a_submission_costs_the_same_statements_on_a_larger_election(alice_device, observer, contest):
    small = list(PollingStation.objects.filter(pec__election=contest.election).order_by("number"))
    alice_device.post(URL, body(contest, small[0]), format="json")  # the form is read once here
    first_small = statements(alice_device, body(contest, small[1]))
    resent = body(contest, small[2])
    alice_device.post(URL, resent, format="json")
    resend_small = statements(alice_device, resent)

    added = grow(contest, observer)
    for station in added[:COPIES]:
        assert alice_device.post(URL, body(contest, station), format="json").status_code == 201
    first_large = statements(alice_device, body(contest, added[COPIES]))
    resend_large = statements(alice_device, resent)

    assert ProtocolCopy.objects.filter(contest=contest).count() == 3 + COPIES + 1
    assert first_small == first_large and first_large[0] == 201
    assert resend_small == resend_large and resend_large[0] == 200
    assert first_large[1] <= FIRST_COPY_QUERIES and resend_large[1] <= RESEND_QUERIES


def test_the_ordinary_case_writes_what_the_service_writes(alice_device, observer, contest, station):
    # ballots_valid 1000 breaks relations, so findings are written too.
    response = alice_device.post(URL, body(contest, station, ballots_valid=1000), format="json")

    copy = ProtocolCopy.objects.get(pk=response.data["id"])
    figures = copy.figures()
    state = StationTallyState.objects.get(station=station, contest=contest)
    event = observer.mandates.get().events.get(status="copy_obtained")
    assert (copy.channel, copy.entered_by_id, copy.organization_id) == (
        "api",
        observer.user_id,
        observer.organization_id,
    )
    assert (dict(figures.lines), dict(figures.options)) == (
        {**LINES_PEC_91_COPY, "ballots_valid": 1000},
        OPTIONS_PEC_91_COPY,
    )
    assert len(ProtocolCopy.objects.get(pk=copy.pk).figure_refs()) == len(LINES_PEC_91_COPY) + len(
        OPTIONS_PEC_91_COPY
    )
    assert ControlFinding.objects.filter(copy=copy).count() == len(response.data["findings"]) == 3
    assert (state.current_copy_id, state.wanted_version, state.applied_version) == (copy.pk, 1, 0)
    assert (event.station_id, event.contest_id, event.recorded_by_id) == (
        station.pk,
        contest.pk,
        observer.user_id,
    )
    assert observer.mandates.get().status == "copy_obtained"


def test_a_second_copy_of_the_station_moves_its_state_on(alice_device, contest, station):
    alice_device.post(URL, body(contest, station), format="json")
    second = alice_device.post(URL, body(contest, station), format="json")

    state = StationTallyState.objects.get(station=station, contest=contest)
    assert (state.current_copy_id, state.wanted_version) == (second.data["id"], 2)


def test_a_relation_added_to_the_form_is_checked_by_the_next_submission(alice_device, contest, station):
    alice_device.post(URL, body(contest, station), format="json")  # the form is now cached
    ControlRelation.objects.create(
        form=contest.form, code="never", expression="ballots_valid <= 0", labels={"en": "Never holds"}
    )

    response = alice_device.post(URL, body(contest, station), format="json")

    assert response.status_code == 201
    assert "never" in [finding["relation"] for finding in response.data["findings"]]


def test_a_ballot_option_renamed_after_caching_is_refused_by_its_old_code(alice_device, contest, station):
    alice_device.post(URL, body(contest, station), format="json")
    option = BallotOption.objects.filter(contest=contest).first()
    old = option.code
    option.code = f"{old}-renamed"
    option.save(update_fields=["code"])

    response = alice_device.post(URL, body(contest, station), format="json")

    assert response.status_code == 400
    assert f"options.{old}" in response.data


def test_ids_too_large_for_the_database_are_refused_by_name(alice_device, contest, station):
    too_large = body(contest, station) | {"station": 2**63}

    response = alice_device.post(URL, too_large, format="json")

    assert response.status_code == 400
    assert "station" in response.data
