"""Load HAQ's 2021 deployment figures (domain.md §5.3) as mandates whose funnel reproduces them.

HAQ published per-city totals only, so the stations, observers and contests below are
synthetic: one region (and one TEC) per city, one station and one observer per mandate sent,
and the events the table implies, nothing more: "handed over" for the mandates handed out,
"admitted" at the stations covered, and one "copy obtained" per protocol. Where protocols
outnumber covered stations (Astana, Almaty, Shymkent, Aktau) the extra copies are of the
maslikhat contests held the same day (an inference: the slides do not say). Aktobe's 63
mandates were handed out but no station was covered. Nothing here is real personal data.

Run: DEBUG=1 .venv/bin/python manage.py load_haq_2021   (a second run changes nothing)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from elections.models import Contest, Election, PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from observers.models import Mandate, MandateEvent, Observer, Organization
from observers.services import funnel

SLUG = "kz-2021-haq"
ROOT = "ЦИК Республики Казахстан"
MAZHILIS, OBLAST, CITY = "mazhilis", "oblast-maslikhat", "city-maslikhat"


@dataclass(frozen=True)
class CityFigures:
    """One row of HAQ's table; `oblast_centre` cities also elected an oblast maslikhat."""

    city: str
    sent: int
    handed_out: int
    covered: int
    protocols: int
    oblast_centre: bool


HAQ_2021 = [
    CityFigures("Астана", 20, 1, 1, 2, oblast_centre=False),
    CityFigures("Алматы", 140, 9, 9, 13, oblast_centre=False),
    CityFigures("Шымкент", 520, 35, 35, 37, oblast_centre=False),
    CityFigures("Актау", 20, 1, 1, 3, oblast_centre=True),
    CityFigures("Актобе", 100, 63, 0, 0, oblast_centre=True),
    CityFigures("Уральск", 50, 43, 43, 43, oblast_centre=True),
    CityFigures("Кызылорда", 180, 44, 34, 34, oblast_centre=True),
]


class Command(BaseCommand):
    help = "Load HAQ's 2021 per-city mandates and protocols (synthetic stations) and print the funnel."

    def handle(self, *args: Any, **options: Any) -> None:
        organization, election = load_haq_2021()
        table = funnel.deployment_funnel(organization=organization, election=election, level="SEC")
        for row in [*table.rows, table.total]:
            name = row.commission.name if row.commission else "Total"
            self.stdout.write(f"{name:<12} " + " ".join(f"{n:>5}" for n in row.counts()))


@transaction.atomic
def load_haq_2021() -> tuple[Organization, Election]:
    """Create the election, HAQ and its mandates with their events; return both (idempotent)."""
    election = _election()
    organization, _ = Organization.objects.get_or_create(
        slug="haq", defaults={"name": "HAQ", "status": Organization.Status.APPROVED}
    )
    if not Mandate.objects.filter(organization=organization, election=election).exists():
        contests = {contest.slug: contest for contest in election.contests.all()}
        for figures in HAQ_2021:
            _deploy(organization, election, contests, figures)
    return organization, election


def _election() -> Election:
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    mazhilis = shipped_spec("specs", "kz-mazhilis-2021")
    party_list = mazhilis["contests"][0]
    # The Mazhilis seat rule (98 seats, 7 %) is not the maslikhats': their seats are not known here.
    maslikhat = {key: value for key, value in party_list.items() if key != "seat_rule"}
    spec = {
        **mazhilis,
        "slug": SLUG,
        "name": "Kazakhstan, 10 January 2021: Mazhilis and maslikhats (HAQ deployment, synthetic stations)",
        "contests": [
            {**party_list, "slug": MAZHILIS, "name": "Mazhilis, party list"},
            {**maslikhat, "slug": OBLAST, "name": "Oblast maslikhat, party list"},
            {**maslikhat, "slug": CITY, "name": "City maslikhat, party list"},
        ],
    }
    election = define_election(spec=spec, via="manage.py load_haq_2021")
    stations = [
        StationRecord((row.city, f"ТИК г. {row.city}"), f"{index + 1}")
        for row in HAQ_2021
        for index in range(row.sent)
    ]
    ensure_hierarchy(election=election, root_name=ROOT, stations=stations)
    return election


def _deploy(
    organization: Organization, election: Election, contests: dict[str, Contest], figures: CityFigures
) -> None:
    """Create one observer and mandate per station of the city, and the events its row implies.

    Bulk inserts (about 4,000 rows in all): this loads published aggregates, no workflow runs.
    """
    stations = PollingStation.objects.filter(pec__election=election, pec__path__contains=f"/{figures.city}/")
    ordered = sorted(stations, key=lambda station: int(station.number))
    city_number = HAQ_2021.index(figures) + 1
    observers = Observer.objects.bulk_create(
        Observer(organization=organization, code=f"HAQ-{city_number}-{n:03d}", display_name=f"Synthetic {n}")
        for n in range(1, len(ordered) + 1)
    )
    deployed = Mandate.objects.bulk_create(
        Mandate(
            organization=organization, observer=observer, election=election, status=_status(index, figures)
        )
        for index, observer in enumerate(observers)
    )
    Mandate.stations.through.objects.bulk_create(
        Mandate.stations.through(mandate=mandate, pollingstation=station)
        for mandate, station in zip(deployed, ordered, strict=True)
    )
    extra = _extra_contests(contests, figures)
    MandateEvent.objects.bulk_create(
        event
        for index, (mandate, station) in enumerate(zip(deployed, ordered, strict=True))
        for event in _events(mandate, station, index, figures, [contests[MAZHILIS], *extra.get(index, [])])
    )


def _status(index: int, figures: CityFigures) -> str:
    if index < figures.covered:
        return Mandate.Status.COPY_OBTAINED
    return Mandate.Status.HANDED_OVER if index < figures.handed_out else Mandate.Status.ISSUED


def _events(
    mandate: Mandate, station: PollingStation, index: int, figures: CityFigures, copied: list[Contest]
) -> list[MandateEvent]:
    """The history of the index-th mandate of a city: issued, then as far as its row says."""
    events = [MandateEvent(mandate=mandate, status=Mandate.Status.ISSUED)]
    if index < figures.handed_out:
        events.append(MandateEvent(mandate=mandate, status=Mandate.Status.HANDED_OVER))
    if index < figures.covered:
        events.append(MandateEvent(mandate=mandate, status=Mandate.Status.ADMITTED, station=station))
        events += [
            MandateEvent(
                mandate=mandate, status=Mandate.Status.COPY_OBTAINED, station=station, contest=contest
            )
            for contest in copied
        ]
    return events


def _extra_contests(contests: dict[str, Contest], figures: CityFigures) -> dict[int, list[Contest]]:
    """{station index: maslikhat contests copied there}, for the protocols beyond one per station."""
    maslikhats = [contests[OBLAST], contests[CITY]] if figures.oblast_centre else [contests[CITY]]
    slots = [(index, contest) for index in range(figures.covered) for contest in maslikhats]
    wanted = figures.protocols - figures.covered
    if wanted > len(slots):
        raise ValueError(
            f"{figures.city}: {figures.protocols} protocols cannot come from {figures.covered} stations"
        )
    extra: dict[int, list[Contest]] = {}
    for index, contest in slots[:wanted]:
        extra.setdefault(index, []).append(contest)
    return extra
