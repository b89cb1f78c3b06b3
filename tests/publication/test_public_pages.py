"""Public pages: what a journalist sees without an account, in Russian, Kazakh and English.

Each page is built from the release's stored rows and cached per release, version that
supersedes it, language and page; the admin publishes from a page of their own.
"""

from __future__ import annotations

import random

import pytest
from django.urls import reverse
from django.utils import timezone

from observers.models import AuditEntry
from tallies.models import AnalysisRun, Release, ReleaseWithdrawal, StationTallyState
from tallies.services.analysis import forensics
from tallies.services.analysis.station_data import StationCounts, StationData
from tests.publication.support import later, publish

pytestmark = pytest.mark.django_db


def text(client, url: str, language: str = "en") -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_the_national_overview_with_both_sources_and_the_credits(client, release):
    page = text(client, release.get_absolute_url())

    assert "Golos" in page and "version 1" in page and "First release." in page
    assert "60.40 %" in page and "58.97 %" in page  # official and observer turnout
    assert "+670" in page  # United Russia: official − observer over the compared stations
    assert "kartaitogov.ru" in page and "Shpilkin" in page and "dkobak" in page
    assert "Methodology" in page and "2 of 3 stations" in page


def test_it_shows_a_region_and_a_tec_with_their_stations(client, release, tec):
    page = text(client, reverse("public-commission", args=[*release.url_args(), tec.pk]))

    assert "84 Пресненский район" in page and "Station 91" in page
    assert "Station 92" not in page  # the other organisation's copy


def test_it_shows_a_station_line_by_line(client, release, station):
    page = text(client, reverse("public-station", args=[*release.url_args(), station.pk]))

    assert "2124" in page and "2326" in page and "+202" in page
    assert "the copy differs from the official protocol" in page
    assert release.stations.get(station=station).observer_code in page


def test_it_shows_the_protocol_photo_when_the_organisation_chose_to(
    client, reconciled, organization, contest, admin, photo, station
):
    release = publish(organization, contest, admin, show_photos=True)
    url = reverse("public-station-photo", args=[*release.url_args(), station.pk])

    assert url in text(client, reverse("public-station", args=[*release.url_args(), station.pk]))
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == photo.file.open("rb").read()


def test_it_shows_the_seats_by_both_sources_when_they_were_computed(
    client, reconciled, organization, contest, admin
):
    result = {
        "official": {"seats": {"p6_UR": 238, "p4_KPRF": 92}, "votes": {"p6_UR": 1995}, "error": ""},
        "observer": {"seats": {"p6_UR": 190, "p4_KPRF": 110}, "votes": {"p6_UR": 835}, "error": ""},
    }
    AnalysisRun.objects.create(
        organization=organization,
        contest=contest,
        kind="seats",
        result=result,
        status="done",
        finished_at=timezone.now(),
    )
    release = publish(organization, contest, admin)

    page = text(client, release.get_absolute_url())
    assert "Seats" in page and "238" in page and "190" in page
    assert "seats.csv" in {f.name for f in release.files.all()}


def stuffed_station_data(stations: int = 3_000) -> StationData:
    """Generated stations, a tenth of them with turnout written to a whole percent."""
    rng = random.Random(4)
    found = []
    for i in range(stations):
        voters = rng.randint(1_000, 3_000)
        took_part = rng.binomialvariate(voters, rng.uniform(0.4, 0.7))
        if i % 10 == 0:
            took_part = round(round(100 * took_part / voters) * voters / 100)
        leader = rng.binomialvariate(took_part, 0.45)
        found.append(StationCounts(i, str(i + 1), 1 + i // 50, voters, took_part, leader, took_part - 10, 10))
    options = {"p6_UR": [s.leader for s in found], "p4_KPRF": [s.votes - s.leader for s in found]}
    return StationData(found, options, "p6_UR", {})


def test_it_publishes_the_forensics_as_leads_with_their_method(
    client, reconciled, organization, contest, admin
):
    parameters = {"source": forensics.OFFICIAL, "snapshot_id": 1, **forensics.PARAMETERS}
    AnalysisRun.objects.create(
        organization=organization,
        contest=contest,
        kind="forensics",
        inputs=parameters,
        result=forensics.analyse(stuffed_station_data(), parameters),
        status="done",
        finished_at=timezone.now(),
    )
    release = publish(organization, contest, admin)

    found = release.content["forensics"]
    turnout, leader, either = found["integer"]["tests"]
    assert [turnout["test"], leader["test"], either["test"]] == ["turnout", "leader", "combined"]
    assert turnout["is_excess"] and either["is_excess"] and not leader["is_excess"]
    assert found["integer"]["simulations"] == 1_000 and found["integer"]["seed"] == 0
    assert (
        "Kobak, Shpilkin & Pshenichnikov (2016)" in found["method"]
        and "Leads, not verdicts" in found["assumptions"]
    )
    page = text(client, release.get_absolute_url())
    assert "Election forensics" in page and "A lead, not a verdict." in page
    section = page[page.find('<h2 id="forensics">') :]
    labels = ("Turnout</th>", "Leader's share</th>", "Turnout or leader's share</th>")
    rows = [section.find(f'<th scope="row">{label}') for label in labels]
    assert 0 < rows[0] < rows[1] < rows[2]
    assert page.count("lead: more than chance explains (p < 0.001)") == 2
    assert "Единая Россия: no lead: digits consistent with uniform" in page  # named as on the ballot
    assert "1000 simulations, random seed 0" in page
    assert "На чём основана зацепка." in text(client, release.get_absolute_url(), "ru")


def test_it_shows_violation_statistics_by_stage_and_category(client, release):
    page = text(client, reverse("public-violations", args=release.url_args()))

    assert "No violation acts are reported in this release." in page


def test_it_lists_the_files_with_their_hashes_and_how_to_verify(client, release):
    page = text(client, reverse("public-data", args=release.url_args()))

    assert release.manifest_sha256 in page and "verify_release.py" in page
    for found in release.files.all():
        assert found.name in page and found.sha256 in page


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ru", "Явка и доли голосов"), ("en", "Turnout and shares"), ("kk", 'lang="kk"')],
)
def test_it_speaks_the_visitors_language(client, release, language, heading):
    assert heading in text(client, release.get_absolute_url(), language)


@pytest.mark.parametrize(
    ("language", "label"), [("ru", "Публикация"), ("kk", "Жарияланым"), ("en", "Release")]
)
def test_it_names_the_release_navigation_as_a_publication_not_a_quarantine_release(
    client, release, language, label
):
    page = text(client, release.get_absolute_url(), language)

    assert f'aria-label="{label}"' in page and "Снять с карантина" not in page


def test_it_caches_a_page_and_serves_it_with_few_queries(client, release, django_assert_max_num_queries):
    text(client, release.get_absolute_url())

    with django_assert_max_num_queries(3):  # the release, its successor, nothing else
        text(client, release.get_absolute_url())


def test_it_lists_published_releases_only(client, release, organization, contest, admin):
    publish(organization, contest, admin, changelog="Embargoed.", publish_at=later(60))

    page = text(client, reverse("public-index"))
    assert release.get_absolute_url() in page and "/v2/" not in page


def test_it_lets_an_admin_publish_from_the_publishing_page(client, reconciled, admin, organization, contest):
    client.force_login(admin)
    url = reverse("public-manage", args=[organization.slug])

    fields = {"contest": contest.pk, "changelog": "Election night, first figures.", "license_id": "CC-BY-4.0"}
    preview = client.post(url, fields)
    assert preview.status_code == 200 and not Release.objects.exists()  # a preview first, nothing stored
    response = client.post(url, {**fields, "confirmed": "True"})

    assert response.status_code == 302
    release = Release.objects.get()
    assert release.changelog == "Election night, first figures." and release.published_by == admin
    assert "v1" in text(client, url)


def test_it_reads_the_embargo_time_in_the_elections_time_zone(
    client, reconciled, admin, organization, contest
):
    client.force_login(admin)

    client.post(
        reverse("public-manage", args=[organization.slug]),
        {
            "contest": contest.pk,
            "changelog": "Embargoed.",
            "publish_at": "2030-01-01T09:00",
            "license_id": "CC-BY-4.0",
            "confirmed": "True",
        },
    )

    release = Release.objects.get()
    assert release.publish_at.isoformat() == "2030-01-01T06:00:00+00:00"  # 09:00 in Moscow
    assert "embargoed" in text(client, reverse("public-manage", args=[organization.slug]))


def test_it_shows_the_admin_why_a_release_cannot_be_made(
    client, reconciled, admin, organization, contest, station
):
    StationTallyState.objects.filter(organization=organization, station=station).update(wanted_version=99)
    client.force_login(admin)

    response = client.post(
        reverse("public-manage", args=[organization.slug]),
        {"contest": contest.pk, "changelog": "x", "license_id": "CC-BY-4.0", "confirmed": "True"},
    )

    assert response.status_code == 200 and not Release.objects.exists()
    assert "not in the tallies yet" in response.content.decode()


def test_it_previews_what_becomes_public_and_publishes_exactly_that_once_confirmed(
    client, reconciled, admin, organization, contest
):
    client.force_login(admin)
    url = reverse("public-manage", args=[organization.slug])
    fields = {"contest": contest.pk, "changelog": "First figures.", "license_id": "CC0-1.0"}

    preview = client.post(url, fields, HTTP_ACCEPT_LANGUAGE="en")

    page = preview.content.decode()
    assert "Check before publishing" in page and "CC0" in page
    assert preview.context["stations"] == 2 and not Release.objects.exists()
    confirm = preview.context["confirm"]
    posted = {name: confirm[name].value() for name in confirm.fields}
    client.post(url, {k: v for k, v in posted.items() if v is not None})
    assert Release.objects.get().content["release"]["license"] == "CC0-1.0"


def test_it_offers_cc_by_4_as_the_proposed_licence_and_refuses_an_unknown_one(
    client, reconciled, admin, organization, contest
):
    client.force_login(admin)
    url = reverse("public-manage", args=[organization.slug])

    assert client.get(url).context["form"]["license_id"].initial == "CC-BY-4.0"
    fields = {"contest": contest.pk, "changelog": "x", "license_id": "GPL", "confirmed": "True"}
    response = client.post(url, fields)
    assert "license_id" in response.context["form"].errors and not Release.objects.exists()


def test_it_withdraws_a_release_with_a_public_notice_and_deletes_nothing(
    client, reconciled, admin, organization, contest
):
    release = publish(organization, contest, admin, changelog="First figures.")
    client.force_login(admin)

    client.post(
        reverse("public-manage", args=[organization.slug]),
        {"withdraw": release.pk, "notice": "Station 92 was entered twice; see version 2."},
    )

    assert Release.objects.filter(pk=release.pk).exists()
    client.logout()
    page = text(client, release.get_absolute_url(), "en")
    assert "This release was withdrawn by the organisation." in page
    assert "Station 92 was entered twice; see version 2." in page
    assert "Withdrawn" in text(client, reverse("public-index"), "en")
    assert AuditEntry.objects.filter(action="release.withdrawn").count() == 1


def test_it_refuses_a_withdrawal_without_a_notice_and_a_second_one(
    client, reconciled, admin, organization, contest
):
    release = publish(organization, contest, admin, changelog="First figures.")
    url = reverse("public-manage", args=[organization.slug])
    client.force_login(admin)

    client.post(url, {"withdraw": release.pk, "notice": " "})
    assert not ReleaseWithdrawal.objects.exists()
    client.post(url, {"withdraw": release.pk, "notice": "Wrong file."})
    client.post(url, {"withdraw": release.pk, "notice": "Again."})
    assert ReleaseWithdrawal.objects.get().notice == "Wrong file."


def test_it_lets_only_the_organisations_admins_withdraw(
    client, reconciled, admin, coordinator, organization, contest
):
    release = publish(organization, contest, admin, changelog="First figures.")
    client.force_login(coordinator)

    response = client.post(
        reverse("public-manage", args=[organization.slug]), {"withdraw": release.pk, "notice": "No."}
    )

    assert response.status_code == 403 and not ReleaseWithdrawal.objects.exists()
