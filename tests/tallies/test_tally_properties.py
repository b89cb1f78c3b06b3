"""The incremental tallies equal a recompute whatever happens to the copies, in any order.

A hypothesis state machine plays observers and coordinators on the `contest` of tests/conftest.py:
Alice and Bob (one organisation) and Oscar (another) send copies, revisions and resends of
stations 91, 92 (one TEC) and 120, whole or partial (figures marked "not on the copy"); Carol
and Olga quarantine, release and resolve conflicts. Each change queues its tally job as Celery
would after the commit; the machine delivers those jobs late, out of order, twice or never,
sweeps, and recomputes. After every step:

- once the outstanding jobs are drained (the sweep), the ObserverTally rows equal both what
  `recompute_observer_tallies` builds and what the model of the acceptance rule in tally_model.py
  gives; with nothing stale they already do without the sweep;
- every acknowledged submission is stored once, and a resend stores nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from elections.models import Commission, Contest, PollingStation
from observers.models import Observer
from tallies import services
from tallies.errors import FieldError
from tallies.models import ProtocolCopy, Quarantine, StationTallyState
from tallies.services import apply_sql, desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies import reference_apply
from tests.tallies.tally_model import Model, coded, tallies

# Two values for each of three codes, so copies of one station often agree and often conflict.
VARIED = {"lines": {"ballots_invalid": [40, 41]}, "options": {"p6_UR": [445, 545], "p4_KPRF": [280, 0]}}
CODES = [f"{kind}.{code}" for kind, codes in VARIED.items() for code in codes]
# Figures a copy may lack (marked "not on the copy"): two of the varied ones and a constant one.
MAY_LACK = ["lines.ballots_invalid", "options.p6_UR", "lines.voters_on_list"]


def _protocol(varied: tuple[dict, dict, frozenset[str]]) -> tuple[dict, dict, list[str]]:
    lines, options, lacking = (
        {**LINES_PEC_91_COPY, **varied[0]},
        {**OPTIONS_PEC_91_COPY, **varied[1]},
        varied[2],
    )
    return (
        {code: value for code, value in lines.items() if f"lines.{code}" not in lacking},
        {code: value for code, value in options.items() if f"options.{code}" not in lacking},
        sorted(lacking),
    )


protocols = st.tuples(
    st.fixed_dictionaries({code: st.sampled_from(values) for code, values in VARIED["lines"].items()}),
    st.fixed_dictionaries({code: st.sampled_from(values) for code, values in VARIED["options"].items()}),
    st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(MAY_LACK), max_size=2)),
).map(_protocol)
picks = st.integers(min_value=0, max_value=1000)
BOUNDED = settings(max_examples=20, stateful_step_count=25, deadline=None)  # ~45 s on 2 cores


@dataclass
class World:
    """The fixtures the machine acts on, and the on-commit capture that queues its tally jobs."""

    contest: Contest
    stations: list[PollingStation]
    authors: list[Observer]
    coordinators: dict[int, Any]  # organisation id → a coordinator of it
    above: dict[int, list[int]]  # station id → the commissions whose tallies include it
    expected: set[str]  # every figure of the form: "lines.<code>", "options.<code>"
    capture: Any  # pytest-django's django_capture_on_commit_callbacks


class TallyMachine(RuleBasedStateMachine):
    world: World

    def __init__(self) -> None:
        super().__init__()
        self.example = transaction.atomic()  # a savepoint per example, rolled back in teardown
        self.example.__enter__()
        self.model = Model()
        self.pending: list = []  # tally jobs queued and not yet delivered
        self.delivered: list = []  # tally jobs run once (a broker may deliver them again)
        self.acknowledged: dict[uuid.UUID, int] = {}  # client_uuid → the stored copy's id
        self.sent: list[dict] = []
        self.quarantines: list[int] = []  # every quarantine made, released or not
        self.released: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.example.__exit__(None, None, None)

    def _queue(self, action, **arguments):
        with self.world.capture() as jobs:
            result = action(**arguments)
        self.pending += jobs
        return result

    def _refused(self, field_names: tuple[str, ...], action, **arguments) -> None:
        """Call `action` expecting a FieldError on one of `field_names`; nothing may be stored."""
        copies = set(ProtocolCopy.objects.values_list("pk", flat=True))
        try:
            self._queue(action, **arguments)
        except FieldError as error:
            assert error.field in field_names, error.field
        else:
            raise AssertionError(f"{action.__name__} was not refused")
        assert set(ProtocolCopy.objects.values_list("pk", flat=True)) == copies

    def _copy(self, pick: int, among: Iterable[int] | None = None) -> ProtocolCopy:
        copies = sorted(self.model.copies if among is None else among)
        return ProtocolCopy.objects.select_related("organization", "station").get(
            pk=copies[pick % len(copies)]
        )

    def _submission(self, author: int, station: PollingStation, protocol, **more) -> dict:
        return {
            "observer": self.world.authors[author % len(self.world.authors)],
            "contest": self.world.contest,
            "station": station,
            "lines": protocol[0],
            "options": protocol[1],
            "missing": protocol[2],
            "client_uuid": uuid.uuid4(),
            "channel": ProtocolCopy.Channel.API,
            **more,
        }

    def _send(self, arguments: dict) -> None:
        submitted = self._queue(services.submit_protocol_copy, **arguments)
        assert submitted.created
        copy = submitted.copy
        self.acknowledged[arguments["client_uuid"]] = copy.pk
        self.sent.append(arguments)
        figures = coded(arguments["lines"], arguments["options"])
        self.model.copies[copy.pk] = (copy.organization_id, copy.station_id, figures)
        if arguments.get("revises"):
            self.model.superseded.add(arguments["revises"].pk)

    # Observers: copies, revisions and resends.

    @initialize(first=st.lists(st.tuples(picks, picks, protocols, st.booleans()), min_size=1, max_size=4))
    def first_copies(self, first):
        """Every history starts with copies: Hypothesis rarely picks a rule with this many arguments."""
        for author, station, protocol, imported in first:
            self.submit(author, station, protocol, imported)

    @rule(author=picks, station=picks, protocol=protocols, imported=st.booleans())
    def submit(self, author, station, protocol, imported):
        channel = ProtocolCopy.Channel.IMPORT if imported else ProtocolCopy.Channel.API
        station = self.world.stations[station % len(self.world.stations)]
        self._send(self._submission(author, station, protocol, channel=channel))

    @precondition(lambda self: self.model.copies)
    @rule(copy=picks, author=picks, protocol=protocols)
    def submit_beside(self, copy, author, protocol):
        """Another copy of a station the organisation has a copy of: a colleague's, or a second one."""
        beside = self._copy(copy)
        colleagues = [
            index
            for index, observer in enumerate(self.world.authors)
            if observer.organization_id == beside.organization_id
        ]
        self._send(self._submission(colleagues[author % len(colleagues)], beside.station, protocol))

    @precondition(lambda self: self.model.copies)
    @rule(author=picks, copy=picks, protocol=protocols)
    def revise(self, author, copy, protocol):
        """A revision of any copy: refused unless it is a current copy the author sent themselves."""
        revised = self._copy(copy)
        arguments = self._submission(author, revised.station, protocol, revises=revised)
        if revised.observer_id != arguments["observer"].pk or revised.pk in self.model.superseded:
            self._refused(("revises",), services.submit_protocol_copy, **arguments)
        else:
            self._send(arguments)

    @precondition(lambda self: self.sent)
    @rule(which=picks, protocol=protocols, edited=st.booleans())
    def resend(self, which, protocol, edited):
        """The phone sends a submission again, edited in between or not: the first copy stands."""
        arguments = dict(self.sent[which % len(self.sent)])
        if edited:
            arguments["lines"], arguments["options"], arguments["missing"] = protocol
        submitted = self._queue(services.submit_protocol_copy, **arguments)
        assert not submitted.created
        assert submitted.copy.pk == self.acknowledged[arguments["client_uuid"]]

    # Coordinators: quarantine, release, conflict resolution.

    @precondition(lambda self: self.model.copies)
    @rule(copy=picks, scope=st.sampled_from(Quarantine.Scope.values))
    def quarantine(self, copy, scope):
        held = self._copy(copy)
        arguments = {"copy": held, "scope": scope, "by": self.world.coordinators[held.organization_id]}
        if held.pk in self.model.held:
            self._refused(("copy",), desk.quarantine, reason="twice", **arguments)
        else:
            self.quarantines.append(self._queue(desk.quarantine, reason="photo unreadable", **arguments).pk)
            self.model.held.add(held.pk)

    @precondition(lambda self: self.quarantines)
    @rule(which=picks)
    def release(self, which):
        pk = self.quarantines[which % len(self.quarantines)]
        held = Quarantine.objects.select_related("copy").get(pk=pk)
        arguments = {"quarantine": held, "by": self.world.coordinators[held.copy.organization_id]}
        if pk in self.released:
            self._refused(("quarantine",), desk.release, reason="again", **arguments)
        else:
            self._queue(desk.release, reason="clear photo", **arguments)
            self.model.held.remove(held.copy_id)
            self.released.add(pk)

    @precondition(lambda self: self.model.copies)
    @rule(pick=picks, code=st.sampled_from(CODES), value=st.none() | st.integers(0, 600))
    def resolve(self, pick, code, value):
        """Settle a disputed line with a value or a copy's value; refused on a line the copies agree on."""
        disputed = self.model.disputed(CODES)
        if disputed:
            organization, station, code = disputed[pick % len(disputed)]
            giving = {
                pk for pk, values in self.model.countable(organization, station).items() if code in values
            }
            chosen = self._copy(pick, among=giving)
        else:
            chosen = self._copy(pick)
            organization, station = chosen.organization_id, chosen.station_id
        arguments = {
            "organization": chosen.organization,
            "station": chosen.station,
            "contest": self.world.contest,
            "code": code,
            "reason": "checked the photo",
            "by": self.world.coordinators[organization],
            **({"value": value} if value is not None else {"chosen_copy": chosen}),
        }
        if not disputed:
            self._refused(("code",), desk.resolve_conflict, **arguments)
        else:
            self._queue(desk.resolve_conflict, **arguments)
            self.model.resolved[organization, station, code] = (
                value if value is not None else self.model.copies[chosen.pk][2][code]
            )

    # The broker: tally jobs late, out of order, twice or never; the periodic sweep; a recompute.

    @precondition(lambda self: self.pending)
    @rule(which=picks)
    def deliver(self, which):
        job = self.pending.pop(which % len(self.pending))
        job()
        self.delivered.append(job)

    @precondition(lambda self: self.delivered)
    @rule(which=picks)
    def deliver_again(self, which):
        self.delivered[which % len(self.delivered)]()

    @precondition(lambda self: self.pending)
    @rule(which=picks)
    def lose(self, which):
        self.pending.pop(which % len(self.pending))

    @rule()
    def sweep(self):
        services.sweep_stale_tallies()
        assert not StationTallyState.objects.stale().exists()

    @rule(which=picks)
    def recompute(self, which):
        organization = self.world.authors[which % len(self.world.authors)].organization_id
        services.recompute_observer_tallies(organization_id=organization, contest_id=self.world.contest.pk)

    # What must hold after every step.

    @invariant()
    def every_acknowledged_submission_is_stored_once(self):
        stored = ProtocolCopy.objects.filter(contest=self.world.contest).values_list("pk", flat=True)
        assert sorted(stored) == sorted(self.acknowledged.values())

    @invariant()
    def the_tallies_equal_a_recompute_and_the_model(self):
        contest = self.world.contest
        stale = StationTallyState.objects.stale().exists()
        live = tallies(contest)
        with transaction.atomic():
            services.sweep_stale_tallies()
            drained = tallies(contest)
            for organization in {author.organization_id for author in self.world.authors}:
                services.recompute_observer_tallies(organization_id=organization, contest_id=contest.pk)
            recomputed = tallies(contest)
            transaction.set_rollback(True)
        assert drained == recomputed
        assert recomputed == self.model.tallies(self.world.above, self.world.expected)
        if not stale:
            assert live == recomputed


def test_it_keeps_the_tallies_equal_to_a_recompute_through_any_history(
    contest, observer, bob, other_observer, coordinator, olga, django_capture_on_commit_callbacks
):
    coordinators = {observer.organization_id: coordinator, other_observer.organization_id: olga}
    world = _world(contest, [observer, bob, other_observer], coordinators, django_capture_on_commit_callbacks)
    machine = type("Machine", (TallyMachine,), {"world": world})
    run_state_machine_as_test(machine, settings=BOUNDED)


def test_every_apply_of_any_history_agrees_with_the_python_path_it_replaced(
    contest, observer, bob, other_observer, coordinator, olga, django_capture_on_commit_callbacks, monkeypatch
):
    """The same histories, each apply (tallies_apply_station_tally, issue 17) checked against the
    Python path it replaced (tests/tallies/reference_apply.py): same answer, same rows."""
    checked = reference_apply.checked(apply_sql.apply_station)
    monkeypatch.setattr(apply_sql, "apply_station", checked)
    coordinators = {observer.organization_id: coordinator, other_observer.organization_id: olga}
    world = _world(contest, [observer, bob, other_observer], coordinators, django_capture_on_commit_callbacks)
    machine = type("Machine", (TallyMachine,), {"world": world})
    run_state_machine_as_test(machine, settings=settings(BOUNDED, max_examples=10))
    assert checked.calls > 0


def _world(contest, authors, coordinators, capture) -> World:
    stations = list(PollingStation.objects.filter(pec__election=contest.election).select_related("pec"))
    above = {
        station.pk: list(
            Commission.objects.filter(
                election=contest.election, path__in=station.pec.ancestor_paths()
            ).values_list("pk", flat=True)
        )
        for station in stations
    }
    return World(
        contest=contest,
        stations=sorted(stations, key=lambda station: station.number),
        authors=authors,
        coordinators=coordinators,
        above=above,
        expected=set(coded(LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY)),
        capture=capture,
    )
