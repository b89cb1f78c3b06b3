"""Names of elections, contests and ballot options in the user's language (elections.names).

A spec may give a name as a plain text (still valid) or as {"en": ..., "ru": ..., "kk": ...};
the shipped Kazakhstan specs give all three; pages show the user's language; a bad name is
refused with its JSON path.
"""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from elections.models import BallotOption, Contest, Election
from elections.services import SpecError, define_election, define_protocol_form, shipped_spec
from elections.spec_check import check_election_spec

pytestmark = pytest.mark.django_db

FORM = "elections/forms/kz-mazhilis-party-list.json"


def load(path) -> str:
    out = StringIO()
    call_command("load_election", str(path), FORM, stdout=out)
    return out.getvalue()


def test_it_loads_the_shipped_kazakh_spec_with_names_in_three_languages():
    load("elections/specs/kz-mazhilis-2023.json")
    election = Election.objects.get(slug="kz-mazhilis-2023")
    osdp = BallotOption.objects.get(contest__election=election, code="osdp")

    with translation.override("kk"):
        assert str(election) == "Қазақстан, Мәжіліске кезектен тыс сайлау, 2023 жылғы 19 наурыз"
        assert osdp.local_short_name == "ЖСДП" and str(osdp) == "ЖСДП"
    with translation.override("ru"):
        assert election.contests.get().local_name == "Общенациональный партийный список"
    with translation.override("en"):
        assert osdp.local_name == "Nationwide Social Democratic Party (JSDP)"
    assert election.name == "Kazakhstan, early Mazhilis election, 19 March 2023"  # imports match this one


def test_it_still_takes_a_plain_name_for_every_language():
    spec = shipped_spec("specs", "kz-mazhilis-2023")
    spec["slug"], spec["name"] = "plain", "Plain name"
    spec["contests"][0]["name"] = "Party list"
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))

    election = define_election(spec=spec)

    with translation.override("kk"):
        assert str(election) == "Plain name" and election.contests.get().local_name == "Party list"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(name={"de": "Wahl"}), r"\$\.name\.de: unknown language"),
        (lambda s: s.update(name={}), r"\$\.name: must be a text or an object of names by language"),
        (lambda s: s["contests"][0].update(name={"en": "List", "kk": ""}), r"contests\[0\]\.name\.kk: must"),
        (
            lambda s: s["contests"][0]["options"][1].update(short_name={"ru": 5}),
            r"\$\.contests\[0\]\.options\[1\]\.short_name\.ru: must be a text",
        ),
        (lambda s: s.update(name=["Election"]), r"\$\.name: must be a text or an object of names"),
    ],
)
def test_it_refuses_a_bad_name_naming_its_json_path(tmp_path, change, message):
    spec = shipped_spec("specs", "kz-mazhilis-2023")
    change(spec)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")

    with pytest.raises(SpecError, match=message):
        check_election_spec(spec)
    with pytest.raises(CommandError, match=message):
        load(path)
    assert not Election.objects.exists()


def test_it_gives_an_already_loaded_election_the_specs_names():
    spec = shipped_spec("specs", "kz-mazhilis-2023")
    plain = json.loads(json.dumps(spec))
    plain["contests"][0]["name"] = spec["contests"][0]["name"]["en"]
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    define_election(spec=plain)

    load("elections/specs/kz-mazhilis-2023.json")

    with translation.override("kk"):
        contest = Contest.objects.get(election__slug="kz-mazhilis-2023")
        assert contest.local_name == "Жалпыұлттық партиялық тізім"


def test_an_observer_reads_the_contest_in_kazakh(client, settings, observer, contest):
    contest.names = {"en": contest.name, "kk": "Партиялық тізім (қазақша)"}
    contest.save(update_fields=["names"])
    client.force_login(observer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"

    page = client.get(reverse("copy-new", args=[contest.pk])).content.decode()

    assert "Партиялық тізім (қазақша)" in page


@pytest.fixture
def united_russia(contest) -> BallotOption:
    """United Russia named in three languages (the shipped spec names it in Russian only)."""
    option = contest.options.get(code="p6_UR")
    option.names = {"en": "United Russia", "ru": "Единая Россия", "kk": "Бірыңғай Ресей"}
    option.save(update_fields=["names"])
    return option


def test_an_observer_types_and_reads_the_options_in_kazakh(
    client, settings, observer, contest, united_russia
):
    from tests.tallies.support import form_data

    client.force_login(observer.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"

    form = client.get(reverse("copy-new", args=[contest.pk])).context["form"]
    detail = client.post(reverse("copy-new", args=[contest.pk]), form_data(), follow=True)

    assert form["options.p6_UR"].label == "Бірыңғай Ресей"
    assert "Бірыңғай Ресей" in detail.content.decode()


def test_the_apis_name_the_contest_and_its_options_in_the_requests_language(
    reconciled, coordinator, observer, contest, united_russia
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(coordinator)
    [listed] = api.get(reverse("api-contest-list"), headers={"accept-language": "kk"}).json()
    api.force_authenticate(observer.user)
    form = api.get(reverse("api-contest-form", args=[contest.pk]), headers={"accept-language": "kk"}).json()

    assert (listed["name"], listed["election"]) == (
        "Федералдық партиялық тізім",
        "Ресей, Мемлекеттік Думаға сайлау, 2011 жылғы 4 желтоқсан",
    )
    assert form["name"] == "Федералдық партиялық тізім"
    assert {"code": "p6_UR", "name": "Бірыңғай Ресей", "short_name": "ЕР"} in form["options"]
