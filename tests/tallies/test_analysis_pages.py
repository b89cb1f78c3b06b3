"""The analysis pages a coordinator opens: seats, quick count and forensics, in three languages.

Pages read stored runs; the "Compute" button requests one (eager Celery in tests). Other
organisations' samples are not found; observers, who coordinate nothing, are refused.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from elections.models import SeatRule
from tallies.models import AnalysisRun, QuickCountSample
from tests.browser import assert_fits_a_phone, open_page
from tests.tallies.samples import clean_stations, expected, kz_contest, write_stations

pytestmark = pytest.mark.django_db

FORENSICS = AnalysisRun.Kind.FORENSICS
PAGES = ["analysis-seats", "analysis-quick-count", "analysis-forensics"]


def compute(client, contest, page: str, capture, **data):
    with capture(execute=True):
        response = client.post(reverse("analysis-run", args=[contest.pk, page]), data)
    assert response.status_code == 302
    return response


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def seat_cells(response) -> dict[str, tuple]:
    return {row.option.code: (row.official_seats, row.observer_seats) for row in response.context["rows"]}


def test_it_shows_the_official_2021_seats_once_computed(carol, django_capture_on_commit_callbacks):
    contest = kz_contest(2021)
    compute(carol, contest, "seats", django_capture_on_commit_callbacks)

    response = carol.get(reverse("analysis-seats", args=[contest.pk]), headers={"Accept-Language": "en"})

    cells = seat_cells(response)
    assert (cells["nur_otan"][0], cells["ak_zhol"][0], cells["peoples_party"][0]) == (76, 12, 10)
    page = text(response)
    assert "Would the observers' figures change the seats?" in page and "Cannot say" in page
    assert "Computed at" in page and "kz_national_results.csv" in page and "Up to date" in page


def test_it_shows_the_2023_list_seats(carol, django_capture_on_commit_callbacks):
    contest = kz_contest(2023)
    compute(carol, contest, "seats", django_capture_on_commit_callbacks)

    response = carol.get(reverse("analysis-seats", args=[contest.pk]))

    seats = [official for official, _ in seat_cells(response).values()]
    assert seats == [40, 8, 6, 6, 5, 4, 0]  # Amanat, Auyl, Respublica, Ak Zhol, QHP, JSDP, Baytaq
    assert "Against all" not in [str(row.option) for row in response.context["rows"]]


def test_it_allocates_seats_from_the_shares_entered_in_the_form(carol):
    contest = kz_contest(2021)
    url = reverse("analysis-seats", args=[contest.pk])
    published = carol.get(url).context["published_query"]

    response = carol.get(f"{url}?{published}")

    seats = {row.option.code: row.seats for row in response.context["share_rows"]}
    assert seats == {"nur_otan": 54, "ak_zhol": 16, "peoples_party": 8, "auyl": 9, "adal": 11}
    assert "505 protocols" in text(response)


def test_it_refuses_shares_that_add_up_to_more_than_100(carol):
    contest = kz_contest(2021)

    response = carol.get(
        reverse("analysis-seats", args=[contest.pk]), {"share_nur_otan": "80", "share_adal": "30"}
    )

    assert response.context["from_shares"] is None
    assert not response.context["form"].is_valid()


def test_it_exports_the_seat_table_as_csv(carol, django_capture_on_commit_callbacks):
    contest = kz_contest(2021)
    compute(carol, contest, "seats", django_capture_on_commit_callbacks)

    response = carol.get(
        reverse("analysis-export", args=[contest.pk, "seats"]), headers={"Accept-Language": "en"}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Party", "Official votes", "Official share (%)", "Official seats"]
    assert rows[1][:4] == ["Nur Otan", "5148074", "71.09", "76"]


def test_it_shows_quick_count_figures_equal_to_the_ratio_estimate(
    carol, reported, contest, django_capture_on_commit_callbacks
):
    compute(carol, contest, "quick-count", django_capture_on_commit_callbacks)

    response = carol.get(
        reverse("analysis-quick-count", args=[contest.pk]), headers={"Accept-Language": "en"}
    )

    turnout, ur = expected(reported)
    rows = {row.code: row for row in response.context["page"].rows}
    assert (rows["turnout"].share, rows["turnout"].margin) == (turnout.share, turnout.margin_of_error_95)
    assert (rows["p6_UR"].share, rows["p6_UR"].margin) == (ur.share, ur.margin_of_error_95)
    page = text(response)
    assert f"<td>{turnout.share}</td><td>{turnout.margin_of_error_95}</td>" in page
    assert "fewer than 30" in page and 'id="chart-convergence"' in page


def test_it_draws_freezes_and_then_refuses_to_redraw_the_sample(carol, crowd):
    url = reverse("analysis-quick-count-draw", args=[crowd.pk])
    carol.post(url, {"size": 10, "is_stratified": "on", "seed": 42})
    sample = QuickCountSample.objects.get()
    assert (sample.seed, sample.size, sample.stations.count()) == (42, 10, 10)

    carol.post(reverse("analysis-quick-count-freeze", args=[crowd.pk, sample.pk]))
    response = carol.post(url, {"size": 10, "seed": 43}, follow=True, headers={"Accept-Language": "en"})

    assert QuickCountSample.objects.get().frozen_at is not None
    assert "cannot be redrawn" in text(response)
    assert QuickCountSample.objects.count() == 1


def test_it_hides_an_organisations_sample_from_another(client, olga, crowd, organization, coordinator):
    sample = QuickCountSample.objects.create(
        organization=organization, contest=crowd, seed=1, size=1, created_by=coordinator
    )

    client.force_login(olga)
    refused = client.post(reverse("analysis-quick-count-freeze", args=[crowd.pk, sample.pk]))
    page = client.get(reverse("analysis-quick-count", args=[crowd.pk]))

    assert refused.status_code == 404
    assert page.context["page"].sample is None
    sample.refresh_from_db()
    assert sample.frozen_at is None


def test_it_shows_an_organisation_only_its_own_runs(
    client, olga, organization, django_capture_on_commit_callbacks
):
    contest = kz_contest(2021)
    from tallies.services import analysis

    with django_capture_on_commit_callbacks(execute=True):
        analysis.request_run(organization=organization, contest=contest, kind=AnalysisRun.Kind.SEATS)

    client.force_login(olga)
    response = client.get(reverse("analysis-seats", args=[contest.pk]))

    assert response.context["state"].run is None and response.context["rows"][0].official_seats is None


@pytest.mark.parametrize("name", PAGES)
def test_it_refuses_the_pages_to_an_observer(client, observer, contest, name):
    client.force_login(observer.user)

    assert client.get(reverse(name, args=[contest.pk])).status_code == 403


def test_it_shows_the_forensics_as_leads_with_methods_and_references(
    carol, contest, tmp_path, django_capture_on_commit_callbacks
):
    from tallies import services

    path = write_stations(tmp_path / "stations.csv", clean_stations(400))
    services.import_stations_file(contest=contest, path=path, source="generated", root_name="ЦИК России")
    compute(carol, contest, "forensics", django_capture_on_commit_callbacks, source="official")

    response = carol.get(reverse("analysis-forensics", args=[contest.pk]), headers={"Accept-Language": "en"})

    page = text(response)
    assert "A lead, not a verdict." in page
    for reference in ("Klimek", "Kobak, Shpilkin", "Beber &amp; Scacco", "Leys"):
        assert reference in page
    for chart in ("fingerprint", "histogram", "tenths", "digits"):
        assert f'<script id="chart-{chart}" type="application/json">' in page
        assert f'data-chart="chart-{chart}"' in page
    assert 'class="heat-' in page and "400 stations" in page
    assert page.count("no lead: within what chance explains") == 3  # turnout, leader's share, either
    assert "Turnout or leader&#x27;s share" in page and "What a lead here assumes." in page
    assert "1000 simulations, random seed 0" in page and "400 stations tested, 0 left out" in page
    assert "says nothing" in page or "no lead: digits consistent with uniform" in page

    export = carol.get(
        reverse("analysis-export", args=[contest.pk, "digit-tests"]) + "?source=official",
        headers={"Accept-Language": "en"},
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0] == ["Option", "Counts of 100 or more", "Slope bias", "Chi-square", "p", "Finding"]
    assert [row[0] for row in rows[1:]] == [str(option) for option in contest.options.all()]  # ballot order
    findings = {row[0]: row[5] for row in rows[1:]}
    assert findings["СР"] == "says nothing: fewer than 50 counts of 100 or more"  # no votes in these stations
    assert (
        findings["ЕР"] == "no lead: digits consistent with uniform"
    )  # 400 honest stations, counts in hundreds


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_renders_every_analysis_page_in_three_languages(carol, contest, language):
    for name in PAGES:
        response = carol.get(reverse(name, args=[contest.pk]), headers={"Accept-Language": language})

        assert response.status_code == 200
        assert f'<html lang="{language}">' in response.content.decode()


def test_it_puts_no_inline_script_or_style_on_the_pages(
    carol, contest, reported, django_capture_on_commit_callbacks
):
    compute(carol, contest, "quick-count", django_capture_on_commit_callbacks)

    for name in PAGES:
        page = carol.get(reverse(name, args=[contest.pk])).content.decode()

        scripts = re.findall(r"<script[^>]*>", page)
        assert all("src=" in tag or 'type="application/json"' in tag for tag in scripts)
        assert " style=" not in page


FORENSICS_OFFICIAL = {"source": "official"}


def open_on_a_phone(browser, live_server, client, user, url: str, language: str, name: str):
    """Open a page at 360 px; return (context, page, console errors, e.g. CSP refusals)."""
    context, page = open_page(browser, live_server, client, user, url, language, name)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.reload()
    page.wait_for_function("document.querySelectorAll('canvas').length > 0 && window.Chart !== undefined")
    return context, page, errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_it_draws_the_charts_on_a_phone_under_the_content_security_policy(
    browser, live_server, client, contest, coordinator, organization, tmp_path, language
):
    from tallies import services
    from tallies.services import analysis

    path = write_stations(tmp_path / "stations.csv", clean_stations(300))
    services.import_stations_file(contest=contest, path=path, source="generated", root_name="ЦИК России")
    SeatRule.objects.filter(contest=contest).update(
        seats=10, threshold_percent=5, threshold_base="valid_votes"
    )
    analysis.request_run(organization=organization, contest=contest, kind=AnalysisRun.Kind.SEATS)
    analysis.request_run(
        organization=organization, contest=contest, kind=FORENSICS, parameters=FORENSICS_OFFICIAL
    )

    for name in ("analysis-seats", "analysis-forensics"):
        url = reverse(name, args=[contest.pk])
        context, page, errors = open_on_a_phone(
            browser, live_server, client, coordinator, url, language, name
        )

        assert_fits_a_phone(page, language)
        drawn = page.evaluate("Array.from(document.querySelectorAll('canvas')).map(c => !!Chart.getChart(c))")
        assert drawn and all(drawn), f"{name}: charts not drawn {drawn}"
        assert not errors, errors
        context.close()


def visible_text(response) -> str:
    """The page's visible text: no script (the charts' JSON data), no tags, no attributes."""
    page = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def decimal_points(text: str) -> list[str]:
    """Numbers written with a decimal point ("12.5") in their context; not dates ("12.07.2026")
    nor the sections of a cited book ("§6.10–6.12")."""
    text = re.sub(r"§[\d.–]+", "§", re.sub(r"\s+", " ", text))
    found = re.finditer(r"(?<![\d.,])\d+\.\d+(?![\d.])", text)
    return [text[max(0, m.start() - 40) : m.end() + 10] for m in found]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_it_writes_every_decimal_with_a_comma_on_the_quick_count_page(
    carol, contest, reported, language, django_capture_on_commit_callbacks
):
    """Issue 13: the page mixed "." and "," in Russian; one decimal separator per page."""
    compute(carol, contest, "quick-count", django_capture_on_commit_callbacks)

    response = carol.get(
        reverse("analysis-quick-count", args=[contest.pk]), headers={"Accept-Language": language}
    )

    text = visible_text(response)
    assert re.search(r"\d,\d", text)  # the shares are there, with a comma
    found = decimal_points(text)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_it_writes_every_decimal_with_a_comma_on_the_forensics_page(
    carol, contest, tmp_path, language, django_capture_on_commit_callbacks
):
    from tallies import services

    path = write_stations(tmp_path / "stations.csv", clean_stations(400))
    services.import_stations_file(contest=contest, path=path, source="generated", root_name="ЦИК России")
    compute(carol, contest, "forensics", django_capture_on_commit_callbacks, source="official")

    response = carol.get(
        reverse("analysis-forensics", args=[contest.pk]), headers={"Accept-Language": language}
    )

    text = visible_text(response)
    assert re.search(r"\d,\d", text)
    found = decimal_points(text)
    assert not found, "\n".join(found)
