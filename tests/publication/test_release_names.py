"""Names in a release: frozen by language at publication, shown in the reader's language.

A release stores the names of its election, contest and options by language (elections.names)
in its content; its public pages pick the reader's language, and a rename afterwards leaves the
published release as it was. A release published before names by language shows its one stored
name. The release's files keep that one canonical name, so names by language change no hash.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from elections.models import BallotOption, Contest
from tallies.models import Release
from tallies.publication import build_files
from tallies.selectors import release_layout
from tallies.services import releases
from tallies.services.releases.gather import gather
from tests.publication.support import publish

pytestmark = pytest.mark.django_db

UNITED_RUSSIA = {"en": "United Russia", "ru": "Единая Россия", "kk": "Бірыңғай Ресей"}
UNITED_RUSSIA_SHORT = {"en": "UR", "ru": "ЕР", "kk": "БР"}
UNDATED = {"release.xlsx", "manifest.json"}


@pytest.fixture
def named(reconciled, contest) -> BallotOption:
    """United Russia named in three languages (the shipped spec gives its name in Russian only)."""
    option = contest.options.get(code="p6_UR")
    option.names, option.short_names = UNITED_RUSSIA, UNITED_RUSSIA_SHORT
    option.save(update_fields=["names", "short_names"])
    return option


def page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


def rename(contest: Contest, option: BallotOption) -> None:
    Contest.objects.filter(pk=contest.pk).update(names={"kk": "Жаңа атау", "en": "Renamed list"})
    option.names, option.short_names = {"kk": "Қайта аталған партия"}, {"kk": "ҚАП"}
    option.save(update_fields=["names", "short_names"])


def test_a_releases_pages_show_the_names_in_the_readers_language(client, named, organization, contest, admin):
    release = publish(organization, contest, admin)

    kazakh = page(client, release.get_absolute_url(), "kk")
    english = page(client, release.get_absolute_url(), "en")

    assert "Федералдық партиялық тізім" in kazakh and "Ресей, Мемлекеттік Думаға сайлау" in kazakh
    assert "БР" in kazakh  # United Russia's short name in the shares table
    assert "Federal party list" in english and "UR" in english
    index = page(client, reverse("public-index"), "kk")
    assert "Федералдық партиялық тізім" in index


def test_a_rename_after_publication_leaves_the_release_as_published(
    client, named, organization, contest, admin, station
):
    release = publish(organization, contest, admin)
    rename(contest, named)

    overview = page(client, release.get_absolute_url(), "kk")
    station_page = page(client, reverse("public-station", args=[*release.url_args(), station.pk]), "kk")

    assert "Федералдық партиялық тізім" in overview and "Жаңа атау" not in overview
    assert "БР" in station_page and "ҚАП" not in station_page
    with translation.override("kk"):
        assert Release.objects.get(pk=release.pk).contest_name == "Федералдық партиялық тізім"
        labels = [row.label for row in release_layout.FrozenLayout.of(release).rows(None, None)]
        assert "БР" in labels


def test_a_release_published_before_names_by_language_shows_its_stored_name(release):
    older = Release(content={key: value for key, value in release.content.items() if key != "names"})

    with translation.override("kk"):
        assert older.contest_name == "Federal party list"  # the stored (English) name
        labels = [row.label for row in release_layout.FrozenLayout.of(older).rows(None, None)]
    assert "ЕР" in labels  # United Russia's stored short name
    assert "names" in release.content  # a new release has them


def test_the_release_files_keep_one_canonical_name_whatever_the_names_by_language(
    named, organization, contest
):
    publication, data = releases.preview_release(organization=organization, contest=contest, changelog="1.")
    BallotOption.objects.filter(contest=contest).update(names={}, short_names={})
    Contest.objects.filter(pk=contest.pk).update(names={})

    files, plain = build_files(data), build_files(gather(publication))

    # The workbook (a zip) dates its entries when written, and the manifest lists its hash.
    assert {name: content for name, content in files.items() if name not in UNDATED} == {
        name: content for name, content in plain.items() if name not in UNDATED
    }
    assert not any("Бірыңғай Ресей".encode() in content for content in files.values())
