"""Process statistics on a small hand-made set of visits, answers and violation acts.

Alice's organisation observes 17 openings in Moscow (TEC "86") and 3 in St Petersburg; Oscar's
organisation answers too, and must never be counted for Alice's.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from elections.models import Commission, PollingStation
from elections.services import StationRecord, ensure_hierarchy
from observers.models import ChecklistAnswer, ChecklistItem, ViolationAct, ViolationType, Visit
from tallies.selectors import process_stats
from tallies.selectors.coverage import CoverageScope

pytestmark = pytest.mark.django_db

COUNTED = "opening-ballots-counted"  # problem if "no"


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def stations(contest) -> dict[str, list[PollingStation]]:
    """17 more stations in Moscow and 3 in St Petersburg."""
    moscow = [StationRecord(("Город Москва", "86 Район"), str(n), 1000) for n in range(201, 218)]
    spb = [StationRecord(("Санкт-Петербург", "1 ТИК"), str(n), 1000) for n in range(301, 304)]
    ensure_hierarchy(election=contest.election, root_name="ЦИК России", stations=moscow + spb)
    found = PollingStation.objects.filter(pec__election=contest.election).order_by("pk")
    return {
        "moscow": [s for s in found if s.number.startswith("2")],
        "spb": [s for s in found if s.number.startswith("3")],
    }


def answer(observer, station, yes, *, item=COUNTED, visit=None, minutes=0) -> Visit:  # type: ignore[no-untyped-def]
    """Answer `item` during `visit` (a new visit of `observer` at `station` if none); return it."""
    visit = visit or Visit.objects.create(observer=observer, station=station)
    ChecklistAnswer.objects.create(
        visit=visit,
        item=ChecklistItem.objects.get(code=item),
        yes=yes,
        answered_at=timezone.now() + timedelta(minutes=minutes),
    )
    return visit


def item_stats(organization, contest, territory=None) -> process_stats.ItemStats:  # type: ignore[no-untyped-def]
    stages = process_stats.checklist_stats(CoverageScope(organization, contest, territory))
    return next(stat for _stage, items in stages for stat in items if stat.item.code == COUNTED)


def test_it_reports_3_of_17_observed_openings_as_17_65_percent(contest, organization, observer, stations):
    for index, station in enumerate(stations["moscow"]):
        answer(observer, station, yes=index >= 3)

    stat = item_stats(organization, contest)

    assert (stat.total.problems, stat.total.observed, stat.total.percent) == (3, 17, Decimal("17.65"))
    assert stat.problem_answer == "No"


def test_it_counts_each_visit_s_latest_answer_only(contest, organization, observer, stations):
    first, second = stations["moscow"][:2]
    answer(observer, first, False, visit=answer(observer, first, True), minutes=5)  # now "no": a problem
    answer(observer, second, True, visit=answer(observer, second, False), minutes=5)  # corrected to "yes"

    stat = item_stats(organization, contest)

    assert (stat.total.problems, stat.total.observed) == (1, 2)


def test_it_counts_a_station_once_and_as_a_problem_when_any_visit_saw_it(
    contest, organization, observer, stations
):
    station = stations["moscow"][0]
    answer(observer, station, True)
    answer(observer, station, False)

    stat = item_stats(organization, contest)

    assert (stat.total.problems, stat.total.observed, stat.total.percent) == (1, 1, Decimal("100.00"))


def test_it_treats_an_answer_cleared_last_as_not_observed(contest, organization, observer, stations):
    station = stations["moscow"][0]
    answer(observer, station, None, visit=answer(observer, station, False), minutes=5)

    stat = item_stats(organization, contest)

    assert (stat.total.observed, stat.total.percent) == (0, None)


def test_it_splits_the_share_by_region_with_n(contest, organization, observer, stations):
    for index, station in enumerate(stations["moscow"]):
        answer(observer, station, yes=index >= 3)
    for station in stations["spb"]:
        answer(observer, station, False)

    regions = dict(item_stats(organization, contest).region_rows())

    assert (regions["Город Москва"].problems, regions["Город Москва"].observed) == (3, 17)
    assert (regions["Санкт-Петербург"].percent, regions["Санкт-Петербург"].observed) == (Decimal("100.00"), 3)


def test_it_never_counts_another_organisation_s_answers(
    contest, organization, observer, other_observer, stations
):
    answer(observer, stations["moscow"][0], True)
    for station in stations["moscow"]:
        answer(other_observer, station, False)

    stat = item_stats(organization, contest)

    assert (stat.total.problems, stat.total.observed) == (0, 1)


def test_it_limits_a_territory_to_its_stations(contest, organization, observer, stations):
    for station in stations["moscow"] + stations["spb"]:
        answer(observer, station, False)
    spb = Commission.objects.get(election=contest.election, name="Санкт-Петербург")

    stat = item_stats(organization, contest, territory=spb)

    assert (stat.total.problems, stat.total.observed) == (3, 3)


def act(observer, station, code: str, review: str) -> ViolationAct:  # type: ignore[no-untyped-def]
    kind = ViolationType.objects.get(code=code)
    return ViolationAct.objects.create(
        organization=observer.organization,
        observer=observer,
        station=station,
        election=station.pec.election,
        stage=kind.stage,
        violation_type=kind,
        occurred_at=timezone.now(),
        description="seen",
        review=review,
    )


def test_it_counts_violation_acts_by_stage_category_region_and_review(
    contest, organization, observer, other_observer, stations
):
    stuffing = ViolationType.objects.filter(stage="voting", category="ballot_integrity").first()
    opening = ViolationType.objects.filter(stage="opening").first()
    moscow, spb = stations["moscow"][0], stations["spb"][0]
    act(observer, moscow, stuffing.code, "verified")
    act(observer, spb, stuffing.code, "rejected")
    act(observer, spb, opening.code, "new")
    act(other_observer, moscow, stuffing.code, "verified")  # another organisation's: not counted

    stats = process_stats.violation_stats(CoverageScope(organization, contest))

    assert stats.total.counts == {"new": 1, "verified": 1, "rejected": 1}
    assert [(row.label, row.total) for row in stats.stages] == [("Opening", 1), ("Voting", 2)]
    assert {row.group for row in stats.categories} == {"Opening", "Voting"}
    assert {row.label: row.counts for row in stats.regions}["Санкт-Петербург"] == {
        "new": 1,
        "verified": 0,
        "rejected": 1,
    }
    assert process_stats.violations_chart(stats)["labels"] == ["Opening", "Voting"]


def test_it_shows_the_share_on_the_process_page(
    client, contest, organization, observer, coordinator, stations
):
    for index, station in enumerate(stations["moscow"]):
        answer(observer, station, yes=index >= 3)
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get(reverse("dashboard-process", args=[contest.pk])).content.decode()

    assert "17.65" in page
    assert 'id="violations-data"' not in page  # no acts: no chart
