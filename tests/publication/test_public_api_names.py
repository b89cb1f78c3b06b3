"""The public API names elections, contests and options in the request's language.

The names a release froze by language (tallies.services.releases.summary.names_document) follow
Accept-Language in every answer, the cached ones included; places and organisations keep their
one name; the stored content is left as published; the schema documents the header.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tallies.models import Release
from tallies.selectors import release_layout
from tests.publication.support import publish

pytestmark = pytest.mark.django_db

UNITED_RUSSIA = {"en": "United Russia", "ru": "Единая Россия", "kk": "Бірыңғай Ресей"}
UNITED_RUSSIA_SHORT = {"en": "UR", "ru": "ЕР", "kk": "БР"}
CONTEST = {"kk": "Федералдық партиялық тізім", "en": "Federal party list", "ru": "Федеральный список партий"}


@pytest.fixture
def named_release(reconciled, contest, organization, admin) -> Release:
    """A release of a contest whose United Russia is named in three languages."""
    contest.options.filter(code="p6_UR").update(names=UNITED_RUSSIA, short_names=UNITED_RUSSIA_SHORT)
    return publish(organization, contest, admin)


def get(client, url: str, language: str):
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200, response.content
    return response.json()


def united_russia(summary) -> dict:
    return next(o for o in summary["layout"]["options"] if o["code"] == "p6_UR")


@pytest.mark.parametrize("language", ["kk", "en", "ru"])
def test_a_release_names_its_election_contest_and_options_in_the_request_language(
    client, named_release, language
):
    found = get(client, reverse("public-api-release", args=[named_release.pk]), language)

    assert found["contest"] == {"slug": named_release.contest.slug, "name": CONTEST[language]}
    assert found["election"]["name"] == named_release.content["names"]["election"][language]
    assert found["summary"]["release"]["contest"]["name"] == CONTEST[language]
    assert united_russia(found["summary"])["name"] == UNITED_RUSSIA[language]
    assert united_russia(found["summary"])["short_name"] == UNITED_RUSSIA_SHORT[language]
    assert found["organization"]["name"] == "Golos"  # an organisation has one name


def test_the_cached_answer_of_one_language_is_not_served_in_another(client, named_release):
    url = reverse("public-api-releases")

    kazakh = get(client, url, "kk")["results"][0]
    english = get(client, url, "en")["results"][0]
    kazakh_again = get(client, url, "kk")["results"][0]

    assert kazakh["contest"]["name"] == kazakh_again["contest"]["name"] == CONTEST["kk"]
    assert english["contest"]["name"] == CONTEST["en"]


def test_the_stored_content_and_the_names_in_every_language_are_left_as_published(client, named_release):
    stored = Release.objects.get(pk=named_release.pk).content

    found = get(client, reverse("public-api-release", args=[named_release.pk]), "kk")

    assert Release.objects.get(pk=named_release.pk).content == stored
    assert stored["release"]["contest"]["name"] == CONTEST["en"]  # the stored (canonical) name
    assert united_russia(stored)["short_name"] == "ЕР"
    assert found["summary"]["names"] == stored["names"]


def test_a_release_published_before_names_by_language_gives_its_stored_names(named_release):
    older = Release(content={key: value for key, value in named_release.content.items() if key != "names"})

    with translation.override("kk"):
        summary = release_layout.localized_content(older)

    assert summary["release"]["contest"]["name"] == CONTEST["en"]  # releases are append-only
    assert united_russia(summary)["short_name"] == "ЕР"


def test_places_keep_their_one_name_in_every_language(client, named_release, tec):
    url = reverse("public-api-commission", args=[named_release.pk, tec.pk])

    assert get(client, url, "kk")["name"] == get(client, url, "en")["name"] == tec.name


def test_the_schema_documents_the_language_header_on_every_operation(client, coordinator):
    client.force_login(coordinator)
    schema = client.get(reverse("schema"), {"format": "json"}).json()

    operations = [op for path in schema["paths"].values() for op in path.values()]
    headers = [
        [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "Accept-Language"]
        for op in operations
    ]
    assert operations and all(len(found) == 1 for found in headers)
    named = schema["components"]["schemas"]["PublicNamed"]["properties"]["name"]
    assert "request's language" in named["description"]
