"""The review queues: copies breaking control relations, stations in conflict, copies held out of the
tally (quarantined, until released), copies without photo, copies phoned in, and copies sent as
photos only that wait for their two blind entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from elections.models import Commission, Contest, stations_within
from observers.models import Organization
from tallies.models import ProtocolCopy, Quarantine, StationTallyState
from tallies.models.copies import ProtocolCopyQuerySet
from tallies.selectors.accepted import countable_copies
from tallies.selectors.desk.figures import copy_values, labels
from tallies.selectors.layout import Layout

QUEUES = ("findings", "conflicts", "quarantined", "no-photo", "phoned", "photos")
Values = dict[int, dict[str, int]]  # copy id → code → value


def station_filter(territory: Commission | None, chosen: Commission | None, prefix: str = "station__") -> Q:
    """Stations inside the coordinator's territory (None: anywhere) and the chosen region or TEC."""
    q = Q()
    for commission in (territory, chosen):
        if commission is not None:
            q &= stations_within(commission, prefix)
    return q


def filter_choices(contest: Contest, territory: Commission | None) -> QuerySet[Commission]:
    """The regions and TECs a coordinator may filter the queues by."""
    choices = Commission.objects.filter(
        election_id=contest.election_id, level__in=[Commission.Level.SEC, Commission.Level.TEC]
    )
    return choices.within(territory) if territory is not None else choices


def _copies(organization: Organization, contest: Contest, where: Q) -> ProtocolCopyQuerySet:
    copies = ProtocolCopy.objects.current().without_photo_entries()
    copies = copies.filter(where, organization=organization, contest=contest)
    return copies.select_related("station__pec__parent", "observer", "entered_by").order_by(
        "station__pec__path", "pk"
    )


def queue(organization: Organization, contest: Contest, name: str, where: Q) -> QuerySet:
    """The rows of one review queue: copies (findings, no-photo, phoned, photos) or StationTallyStates."""
    copies = _copies(organization, contest, where)
    if name == "photos":
        entries = ProtocolCopy.objects.select_related("entered_by").order_by("pk")
        return copies.photo_only().prefetch_related(Prefetch("transcriptions", entries, to_attr="entries"))
    if name == "findings":
        return copies.filter(findings__isnull=False).distinct().prefetch_related("findings__relation")
    if name == "no-photo":
        return copies.filter(photos__isnull=True)
    if name == "phoned":
        return copies.filter(channel=ProtocolCopy.Channel.PHONE)
    if name == "quarantined":
        held = Quarantine.objects.active().order_by("-created_at")
        return copies.filter(pk__in=held.values("copy_id")).prefetch_related(
            Prefetch("quarantines", queryset=held.select_related("created_by"), to_attr="held")
        )
    states = StationTallyState.objects.filter(where, organization=organization, contest=contest)
    return states.exclude(conflicts=[]).select_related("station__pec__parent").order_by("station__pec__path")


def queue_counts(organization: Organization, contest: Contest, where: Q) -> dict[str, int]:
    """How many rows each review queue holds."""
    return {name: queue(organization, contest, name, where).count() for name in QUEUES}


@dataclass(frozen=True)
class ConflictRow:
    """A station in conflict: its codes in dispute and each countable copy's values for them."""

    state: StationTallyState
    copies: list[ProtocolCopy]
    codes: list[tuple[str, str, list[int | None]]]  # (code, label, value per copy)


def conflict_rows(
    organization: Organization, contest: Contest, states: list[StationTallyState]
) -> list[ConflictRow]:
    """Side-by-side values of the disputed codes, in the form's order, for a page of stations (3 queries)."""
    names = labels(Layout.of(contest))
    order = {code: index for index, code in enumerate(names)}  # the form's order: lines, then options
    copies = countable_copies(organization.pk, contest.pk, [s.station_id for s in states])
    copies = list(copies.select_related("observer").order_by("pk"))
    values = copy_values(copies)
    rows = []
    for state in states:
        own = [c for c in copies if c.station_id == state.station_id]
        codes = [
            (code, names.get(code, code), [values[c.pk].get(code) for c in own])
            for code in sorted(state.conflicts, key=lambda code: order.get(code, len(order)))
        ]
        rows.append(ConflictRow(state, own, codes))
    return rows
