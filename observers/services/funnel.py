"""The deployment funnel: HAQ's table of mandates sent, handed out, stations covered and protocols.

Columns as HAQ publishes them (domain.md §5.3), counted from mandates and their events:

- sent: mandates issued;
- handed out: mandates that reached the observer (any event after "issued", except withdrawn);
- PECs covered: distinct stations where an observer got in (admitted, or a copy obtained or
  refused, or removed: each implies having been admitted);
- protocols: copies obtained, one per station × contest;
- withdrawn or not admitted: HAQ's definition, sent − protocols.

Rows are the regions (SEC) or TECs of the mandates' stations. A mandate counts (sent, handed
out) in the group of its first station; stations and protocols in their own group, so a mobile
team crossing a border counts once and the rows add up to the total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from elections.models import Commission, Election
from observers.models import Mandate, MandateEvent, Organization

Status = Mandate.Status
LEVELS = (Commission.Level.SEC, Commission.Level.TEC)
NOT_HANDED = (Status.ISSUED, Status.WITHDRAWN)
GOT_IN = (Status.ADMITTED, Status.COPY_OBTAINED, Status.COPY_REFUSED, Status.REMOVED)


@dataclass
class FunnelRow:
    """One row of the funnel: a region or TEC (None for the total) and its counts."""

    commission: Commission | None
    sent: int = 0
    handed_out: int = 0
    covered: int = 0
    protocols: int = 0

    @property
    def withdrawn_or_not_admitted(self) -> int:
        """HAQ's last column: mandates sent minus protocols obtained (domain.md §5.3)."""
        return self.sent - self.protocols

    def counts(self) -> tuple[int, int, int, int, int]:
        """(sent, handed out, covered, protocols, withdrawn or not admitted), as HAQ orders them."""
        return (self.sent, self.handed_out, self.covered, self.protocols, self.withdrawn_or_not_admitted)


@dataclass
class Funnel:
    """The funnel of one organisation in one election: rows by commission and their total."""

    level: str
    rows: list[FunnelRow] = field(default_factory=list)
    total: FunnelRow = field(default_factory=lambda: FunnelRow(None))


def deployment_funnel(
    *, organization: Organization, election: Election, level: str, within: Commission | None = None
) -> Funnel:
    """Count the funnel of `organization`'s mandates in `election` by region ("SEC") or "TEC".

    `within` limits it to the stations under a commission (a coordinator's territory).
    Raises ValueError for another level.
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    groups = _Groups(election, level, within)
    mandates = Mandate.objects.filter(organization=organization, election=election)
    rows: dict[str, FunnelRow] = defaultdict(lambda: FunnelRow(None))
    _count_mandates(rows, groups, mandates)
    _count_stations(rows, groups, MandateEvent.objects.filter(mandate__in=mandates))
    return _funnel(level, groups, rows)


class _Groups:
    """The commissions of one level and which of them each PEC path belongs to."""

    def __init__(self, election: Election, level: str, within: Commission | None) -> None:
        commissions = Commission.objects.filter(election=election, level=level)
        self.prefix = within.path if within else ""
        # A territory holds stations of its own election only (issue 12): paths repeat across elections.
        self.elsewhere = within is not None and within.election_id != election.pk
        self.by_path = {c.path: c for c in commissions}

    def of(self, pec_path: str) -> str | None:
        """Path of the nearest commission of the level above `pec_path`; None outside the scope."""
        if self.elsewhere or not pec_path.startswith(self.prefix):
            return None
        parts = pec_path.split("/")[:-1]
        for end in range(len(parts) - 1, 0, -1):
            path = "/".join(parts[:end]) + "/"
            if path in self.by_path:
                return path
        return None


def _count_mandates(rows: dict[str, FunnelRow], groups: _Groups, mandates: QuerySet[Mandate]) -> None:
    handed = set(
        MandateEvent.objects.filter(mandate__in=mandates)
        .exclude(status__in=NOT_HANDED)
        .values_list("mandate_id", flat=True)
    )
    for mandate_id, pec_path in _first_stations(mandates).items():
        group = groups.of(pec_path)
        if group is not None:
            rows[group].sent += 1
            rows[group].handed_out += mandate_id in handed


def _first_stations(mandates: QuerySet[Mandate]) -> dict[int, str]:
    """{mandate id: PEC path of its first station}."""
    links = Mandate.stations.through.objects.filter(mandate__in=mandates).order_by("pollingstation_id")
    first: dict[int, str] = {}
    for mandate_id, path in links.values_list("mandate_id", "pollingstation__pec__path"):
        first.setdefault(mandate_id, path)
    return first


def _count_stations(rows: dict[str, FunnelRow], groups: _Groups, events: QuerySet[MandateEvent]) -> None:
    at_stations = list(events.filter(station__isnull=False).values_list("status", "station_id", "contest_id"))
    paths = dict(events.filter(station__isnull=False).values_list("station_id", "station__pec__path"))
    covered = {station for status, station, _ in at_stations if status in GOT_IN}
    copies = {
        (station, contest) for status, station, contest in at_stations if status == Status.COPY_OBTAINED
    }
    for station in covered:
        if (group := groups.of(paths[station])) is not None:
            rows[group].covered += 1
    for station, _contest in copies:
        if (group := groups.of(paths[station])) is not None:
            rows[group].protocols += 1


def _funnel(level: str, groups: _Groups, rows: dict[str, FunnelRow]) -> Funnel:
    funnel = Funnel(level)
    for path in sorted(rows):
        row = rows[path]
        row.commission = groups.by_path[path]
        funnel.rows.append(row)
        for name in ("sent", "handed_out", "covered", "protocols"):
            setattr(funnel.total, name, getattr(funnel.total, name) + getattr(row, name))
    return funnel


def funnel_elections(organization: Organization) -> QuerySet[Election]:
    """Elections in which `organization` has issued mandates, newest first."""
    return Election.objects.filter(
        pk__in=Mandate.objects.filter(organization=organization).values("election")
    )
