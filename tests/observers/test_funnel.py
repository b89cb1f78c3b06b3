"""The deployment funnel: HAQ's 2021 table reproduced, counting rules, the coordinator's page and CSV."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from elections.models import Commission, PollingStation, SeatRule
from observers.management.commands.load_haq_2021 import MAZHILIS, load_haq_2021
from observers.models import Mandate, Membership
from observers.services import funnel, mandates

pytestmark = pytest.mark.django_db

# domain.md §5.3: sent, handed out, PECs covered, protocols, withdrawn or not admitted.
HAQ_ROWS = {
    "Астана": (20, 1, 1, 2, 18),
    "Алматы": (140, 9, 9, 13, 127),
    "Шымкент": (520, 35, 35, 37, 483),
    "Актау": (20, 1, 1, 3, 17),
    "Актобе": (100, 63, 0, 0, 100),
    "Уральск": (50, 43, 43, 43, 7),
    "Кызылорда": (180, 44, 34, 34, 146),
}
HAQ_TOTAL = (1030, 196, 123, 132, 898)


@pytest.fixture
def haq(db):
    """HAQ's 2021 deployment: the organisation and the election."""
    return load_haq_2021()


@pytest.fixture
def haq_funnel(haq):
    organization, election = haq
    return funnel.deployment_funnel(organization=organization, election=election, level="SEC")


def test_it_reproduces_every_city_of_the_haq_table(haq_funnel):
    rows = {row.commission.name: row.counts() for row in haq_funnel.rows}

    assert rows == HAQ_ROWS


def test_it_reproduces_the_haq_totals(haq_funnel):
    assert len(haq_funnel.rows) == 7
    assert haq_funnel.total.counts() == HAQ_TOTAL


def test_it_counts_the_same_totals_by_tec(haq):
    organization, election = haq
    by_tec = funnel.deployment_funnel(organization=organization, election=election, level="TEC")

    assert {row.commission.name for row in by_tec.rows} == {f"ТИК г. {city}" for city in HAQ_ROWS}
    assert by_tec.total.counts() == HAQ_TOTAL


def test_it_limits_the_funnel_to_a_territory(haq):
    organization, election = haq
    uralsk = Commission.objects.get(election=election, level="SEC", name="Уральск")

    table = funnel.deployment_funnel(organization=organization, election=election, level="SEC", within=uralsk)

    assert [row.commission.name for row in table.rows] == ["Уральск"]
    assert table.total.counts() == HAQ_ROWS["Уральск"]


def test_it_counts_nothing_for_another_organisation(haq, other_organization):
    _, election = haq

    table = funnel.deployment_funnel(organization=other_organization, election=election, level="SEC")

    assert table.rows == []
    assert table.total.counts() == (0, 0, 0, 0, 0)


def test_it_refuses_an_unknown_level(haq):
    organization, election = haq

    with pytest.raises(ValueError, match="level"):
        funnel.deployment_funnel(organization=organization, election=election, level="PEC")


@pytest.fixture
def team(observer, contest):
    """Alice's mobile team covers 91, 92 and 120: admitted at 91 (two copies), not admitted at 92."""
    mandate = observer.mandates.get()
    station_91, station_92 = (PollingStation.objects.get(number=n) for n in ("91", "92"))
    mandates.record_event(mandate=mandate, status="handed_over", recorded_by=None)
    mandates.record_event(mandate=mandate, status="admitted", recorded_by=None, station=station_91)
    for _ in range(2):  # the same copy twice counts once
        mandates.record_copy_obtained(mandate=mandate, station=station_91, contest=contest, recorded_by=None)
    mandates.record_event(
        mandate=mandate, status="not_admitted", recorded_by=None, station=station_92, reason="charter"
    )
    return mandate


def test_it_counts_a_mobile_team_once_and_its_stations_apart(team, organization, contest):
    table = funnel.deployment_funnel(organization=organization, election=contest.election, level="TEC")

    rows = {row.commission.name: row.counts() for row in table.rows}
    assert rows == {"84 Пресненский район": (1, 1, 1, 1, 0)}
    assert table.total.counts() == (1, 1, 1, 1, 0)


def test_it_counts_a_withdrawn_mandate_as_sent_but_not_handed_out(observer, organization, contest):
    mandates.record_event(mandate=observer.mandates.get(), status="withdrawn", recorded_by=None)

    table = funnel.deployment_funnel(organization=organization, election=contest.election, level="SEC")

    assert table.total.counts() == (1, 0, 0, 0, 1)


def funnel_url(organization, contest, name="funnel", **query):
    url = reverse(name, args=[organization.slug])
    return url + "?" + "&".join(f"{k}={v}" for k, v in {"election": contest.election.pk, **query}.items())


def test_it_shows_the_funnel_to_a_coordinator(team, carol, organization, contest):
    html = carol.get(
        funnel_url(organization, contest, level="TEC"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "84 Пресненский район" in html
    assert "Protocols withdrawn or not admitted" in html


def test_it_exports_the_funnel_as_csv(team, carol, organization, contest):
    response = carol.get(funnel_url(organization, contest, name="funnel-csv", level="TEC"))

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[1] == ["84 Пресненский район", "1", "1", "1", "1", "0"]
    assert rows[-1][1:] == ["1", "1", "1", "1", "0"]


def test_it_refuses_the_funnel_to_an_observer_and_to_another_organisation(
    client, observer, other_observer, organization, contest
):
    client.force_login(observer.user)
    assert client.get(funnel_url(organization, contest)).status_code == 403
    Membership.objects.filter(user=other_observer.user).update(role=Membership.Role.COORDINATOR)
    client.force_login(other_observer.user)
    assert client.get(funnel_url(organization, contest)).status_code == 403


def test_it_loads_haq_once_and_prints_the_table(haq):
    out = io.StringIO()

    call_command("load_haq_2021", stdout=out)

    assert Mandate.objects.filter(organization=haq[0]).count() == 1030
    assert out.getvalue().splitlines()[-1].split() == ["Total", "1030", "196", "123", "132", "898"]


def test_only_the_mazhilis_contest_gets_the_mazhilis_seat_rule(haq):
    _, election = haq
    rules = SeatRule.objects.filter(contest__election=election)

    with_rule = set(rules.values_list("contest__slug", flat=True))

    assert with_rule == {MAZHILIS} and election.contests.count() == 3
