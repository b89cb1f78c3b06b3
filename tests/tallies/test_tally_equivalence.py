"""The incremental observer tallies always equal a full recompute from the copies."""

import uuid
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.generator import LINE_CODES, PARTY_WEIGHTS, plan_election
from elections.models import PollingStation
from tallies import generator, services
from tallies.models import ObserverTally, ProtocolCopy, StationTallyState


def tallies(contest) -> dict:
    """Every non-empty tally of the contest: (organisation, commission) → (lines, options, stations)."""
    return {
        (t.organization_id, t.commission_id): (t.line_totals, t.option_totals, t.stations_count)
        for t in ObserverTally.objects.filter(contest=contest)
        if t.stations_count or any(t.line_totals.values()) or any(t.option_totals.values())
    }


def recomputed(contest) -> dict:
    for organization_id in set(
        ObserverTally.objects.filter(contest=contest).values_list("organization", flat=True)
    ):
        services.recompute_observer_tallies(organization_id=organization_id, contest_id=contest.pk)
    return tallies(contest)


@pytest.fixture
def generated(db, django_capture_on_commit_callbacks):
    """A generated election of 200 stations with 40 observer copies, tallied incrementally."""
    plan = plan_election(seed=5, stations=200, falsify=Decimal("0.25"), copies=Decimal("0.2"))
    contest = generator.load_contest(5)
    generator.import_official(contest, plan, 5)
    organization = generator.generated_organization()
    with django_capture_on_commit_callbacks(execute=True):
        generator.submit_copies(contest, organization, plan, 5)
    return contest


def test_it_keeps_the_incremental_tallies_equal_to_a_recompute(generated):
    incremental = tallies(generated)

    assert len(incremental) > 5
    assert incremental == recomputed(generated)


def test_it_keeps_them_equal_after_a_revision(generated, django_capture_on_commit_callbacks):
    copy = ProtocolCopy.objects.filter(contest=generated).first()
    figures = copy.figures()
    options = {
        **figures.options,
        "p6_UR": figures.options["p6_UR"] - 10,
        "p4_KPRF": figures.options["p4_KPRF"] + 10,
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_protocol_copy(
            observer=copy.observer,
            contest=generated,
            station=copy.station,
            lines=figures.lines,
            options=options,
            client_uuid=uuid.uuid4(),
            channel=ProtocolCopy.Channel.IMPORT,  # generated observers hold no mandates
            revises=copy,
        )
    incremental = tallies(generated)

    assert incremental == recomputed(generated)


def test_it_changes_nothing_when_a_station_is_applied_twice(generated):
    before = tallies(generated)

    applied = [services.apply_station_tally(state_id=s.pk) for s in StationTallyState.objects.all()]

    assert applied == [False] * 40
    assert tallies(generated) == before


def test_it_sweeps_a_station_whose_task_was_lost(generated):
    copy = ProtocolCopy.objects.filter(contest=generated).first()
    before = tallies(generated)
    services.submit_protocol_copy(  # outside the capture: the on-commit task never runs
        observer=copy.observer,
        contest=generated,
        station=copy.station,
        lines={**copy.figures().lines, "ballots_invalid": 0},
        options=copy.figures().options,
        client_uuid=uuid.uuid4(),
        channel=ProtocolCopy.Channel.IMPORT,  # generated observers hold no mandates
        revises=copy,
    )
    assert StationTallyState.objects.stale().count() == 1
    assert tallies(generated) == before

    assert services.sweep_stale_tallies() == 1

    assert not StationTallyState.objects.stale().exists()
    assert tallies(generated) != before
    assert tallies(generated) == recomputed(generated)


counts = st.integers(min_value=0, max_value=3000)
protocols = st.tuples(
    st.fixed_dictionaries({code: counts for code in LINE_CODES}),
    st.fixed_dictionaries({code: counts for code in PARTY_WEIGHTS}),
)
operations = st.lists(
    st.tuples(st.sampled_from(["submit", "revise", "resend"]), st.integers(0, 5), protocols),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=operations)
def test_it_equals_a_recompute_after_any_sequence_of_submissions(
    operations, contest, observer, other_observer, django_capture_on_commit_callbacks
):
    """Stations 0-2 are Alice's (91, 92, 120), 3-5 the same stations for Oscar's organisation."""
    stations = list(PollingStation.objects.filter(pec__election=contest.election).order_by("number"))
    with transaction.atomic():
        sent: list[dict] = []
        for kind, target, (lines, options) in operations:
            author = observer if target < 3 else other_observer
            arguments = {"observer": author, "contest": contest, "station": stations[target % 3]}
            arguments |= {"lines": lines, "options": options, "channel": ProtocolCopy.Channel.API}
            if kind == "resend" and sent:
                arguments = sent[target % len(sent)]
            elif kind == "revise":
                state = StationTallyState.objects.filter(
                    organization=author.organization, station=arguments["station"]
                ).first()
                arguments["revises"] = state.current_copy if state else None
            arguments.setdefault("client_uuid", uuid.uuid4())
            with django_capture_on_commit_callbacks(execute=True):
                services.submit_protocol_copy(**arguments)
            sent.append(arguments)

        assert tallies(contest) == recomputed(contest)
        transaction.set_rollback(True)
