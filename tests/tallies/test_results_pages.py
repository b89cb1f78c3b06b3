"""The results pages a coordinator opens on election night, and their CSV exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from elections.models import Commission
from elections.services import StationRecord, ensure_hierarchy
from observers.models import Membership
from tallies.demo import CREDIT
from tallies.views.results import csv_cell

pytestmark = pytest.mark.django_db

# session, user, membership, the coordinator's territory (observers.access.coordinator_scope), the
# menu's two (roles), contest, commission, a fixed number per table, 3 for the stored station counts
# and coverage (tallies.selectors.stored_figures), 2 for the counts of the children that are PECs,
# 1 for whether the run is behind the tallies and 1 for whether the official results changed since
# the comparison (station_sets.is_behind, freshness)
PAGE_QUERIES = 28


def commission_url(contest, name: str) -> str:
    commission = Commission.objects.get(election=contest.election, name=name)
    return reverse("results-commission", args=[contest.pk, commission.pk])


def export(client, contest, name: str, table: str) -> list[list[str]]:
    commission = Commission.objects.get(election=contest.election, name=name)
    url = reverse("results-commission-export", args=[contest.pk, commission.pk, table])
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_it_shows_both_sources_and_the_discrepant_station_on_the_national_page(reconciled, carol, contest):
    response = carol.get(reverse("results-root", args=[contest.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["results"].observer and response.context["results"].official
    assert ">2124<" in page and ">2326<" in page  # line 1 of station 91: copy vs official
    assert ">+670<" in page  # United Russia: 1115 official, 445 on the copy
    assert 'class="diff"' in page
    assert "official-test.csv" in page


def test_it_credits_the_data_and_names_the_snapshot_in_the_footer(reconciled, carol, contest):
    response = carol.get(reverse("results-root", args=[contest.pk]))

    assert response.context["credit"] == CREDIT
    assert "kartaitogov.ru" in response.content.decode()
    assert response.context["snapshot"].file_name == "official-test.csv"


def test_it_drills_down_from_the_region_to_the_tec_to_the_station(reconciled, carol, contest, station):
    region, tec = commission_url(contest, "Город Москва"), commission_url(contest, "84 Пресненский район")
    station_url = reverse("results-station", args=[contest.pk, station.pk])

    assert region in carol.get(reverse("results-root", args=[contest.pk])).content.decode()
    assert tec in carol.get(region).content.decode()
    assert station_url in carol.get(tec).content.decode()
    station_page = carol.get(station_url).content.decode()
    assert ">2124<" in station_page and ">2326<" in station_page and ">+202<" in station_page
    assert tec in station_page  # the breadcrumb leads back up


def test_it_sends_a_precinct_commission_to_its_station_page(reconciled, carol, contest, station):
    response = carol.get(reverse("results-commission", args=[contest.pk, station.pec_id]))

    assert response.status_code == 302
    assert response.url == reverse("results-station", args=[contest.pk, station.pk])


def test_it_exports_the_figures_table_with_a_header_row(reconciled, carol, contest):
    rows = export(carol, contest, "ЦИК России", "figures")

    assert rows[0][:2] == ["Line", "Label"]
    assert rows[1] == ["1", "Voters on the list", "3924", "4126", "202"]
    yabloko = next(row for row in rows if row[1] == "ЯБЛОКО")
    assert yabloko[2:] == ["421", "153", "-268"]  # a negative number stays a number


def test_it_neutralises_spreadsheet_formulas_in_exports(reconciled, carol, contest):
    Commission.objects.filter(name="Город Москва").update(name='=HYPERLINK("http://evil")')

    rows = export(carol, contest, "ЦИК России", "children")

    assert rows[1][0] == '\'=HYPERLINK("http://evil")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("-268", "-268"),
        ("-1.5", "-1.5"),
        ("-x", "'-x"),
        ("+7 900", "'+7 900"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
    ],
)
def test_it_escapes_only_cells_a_spreadsheet_would_evaluate(value, cell):
    assert csv_cell(value) == cell


def test_it_exports_every_differing_line_of_the_discrepant_stations(reconciled, carol, contest):
    rows = export(carol, contest, "ЦИК России", "discrepant")

    assert ["91", "84 Пресненский район", "1", "Voters on the list", "2124", "2326"] in rows
    assert ["91", "84 Пресненский район", "", "ЕР", "445", "1115"] in rows


def test_it_answers_404_for_an_unknown_table(reconciled, carol, contest):
    root = Commission.objects.get(election=contest.election, parent=None)

    response = carol.get(reverse("results-commission-export", args=[contest.pk, root.pk, "secrets"]))

    assert response.status_code == 404


def test_it_pages_the_discrepant_stations_and_tolerates_a_bad_page_number(reconciled, carol, contest):
    response = carol.get(reverse("results-root", args=[contest.pk]), {"page": "999"})

    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert response.context["page"].paginator.per_page == 50


def test_it_shows_another_organisations_coordinator_nothing_of_ours(
    reconciled, client, other_organization, contest
):
    oliver = get_user_model().objects.create_user(username="oliver", password="pw-oliver")
    Membership.objects.create(user=oliver, organization=other_organization, role=Membership.Role.COORDINATOR)
    client.force_login(oliver)

    response = client.get(reverse("results-root", args=[contest.pk]))

    results = response.context["results"]
    assert results.observer.figures.options["p6_UR"] == 777
    assert [item.station.number for item in response.context["page"]] == ["92"]
    assert ">2124<" not in response.content.decode()


def test_it_forbids_an_observer_who_coordinates_nothing(reconciled, client, observer, contest, station):
    client.force_login(observer.user)

    assert client.get(reverse("results-root", args=[contest.pk])).status_code == 403
    assert client.get(reverse("results-station", args=[contest.pk, station.pk])).status_code == 403
    assert "2124" not in client.get(reverse("home")).content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(reconciled, client, contest):
    for url in (reverse("home"), reverse("results-root", args=[contest.pk])):
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_it_lists_the_contests_with_data_on_the_home_page(reconciled, carol, contest):
    response = carol.get(reverse("home"))

    assert reverse("results-root", args=[contest.pk]) in response.content.decode()


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_renders_in_each_language(reconciled, carol, contest, station, settings, language):
    carol.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    for url in (
        reverse("results-root", args=[contest.pk]),
        reverse("results-station", args=[contest.pk, station.pk]),
    ):
        response = carol.get(url)

        assert response.status_code == 200
        assert f'lang="{language}"' in response.content.decode()


def test_it_loads_a_page_in_a_pinned_number_of_queries_whatever_the_number_of_children(
    reconciled, carol, contest, django_assert_max_num_queries
):
    tec = commission_url(contest, "84 Пресненский район")
    carol.get(tec)  # the first reading counts live and has the figures stored (stored_figures)
    with CaptureQueriesContext(connection) as before:
        carol.get(tec)
    ensure_hierarchy(
        election=contest.election,
        root_name="ЦИК России",
        stations=[
            StationRecord(("Город Москва", "84 Пресненский район"), str(n), 1000) for n in range(93, 103)
        ],
    )
    carol.get(tec)  # the register moved: this reading has the stored figures refreshed

    with django_assert_max_num_queries(PAGE_QUERIES):
        response = carol.get(tec)

    assert len(response.context["results"].children) == 12
    with CaptureQueriesContext(connection) as after:
        carol.get(tec)
    assert len(after) == len(before)
