import json
import re

import pytest
from django.urls import reverse

from elections.models import PollingStation
from elections.services import (
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    shipped_spec,
)
from tallies.models import ProtocolCopy
from tallies.selectors.receipts import receipt_for
from tests.support import (
    LINES_PEC_91_COPY,
    LINES_PEC_91_OFFICIAL,
    OPTIONS_PEC_91_OFFICIAL,
)
from tests.tallies.support import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_url(contest):
    return reverse("copy-new", args=[contest.pk])


def test_it_renders_one_numeric_input_per_line_and_option(alice, new_url):
    response = alice.get(new_url, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert len(re.findall(r'name="lines\.[a-z_]+"', html)) == 18
    assert len(re.findall(r'name="options\.\w+"', html)) == 7
    assert html.count('inputmode="numeric"') == 25
    assert "10. Valid ballots" in html


def test_it_generates_the_idempotency_key_on_the_server(alice, new_url):
    html = alice.get(new_url).content.decode()

    assert re.search(r'name="client_uuid" value="[0-9a-f-]{36}"', html)


def test_it_stores_a_web_copy_and_redirects_to_its_receipt(alice, new_url):
    response = alice.post(new_url, form_data())

    copy = ProtocolCopy.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("copy-detail", args=[copy.pk])
    assert (copy.channel, copy.station.number) == ("web", "91")


def test_it_shows_the_broken_relation_on_the_receipt(alice, new_url):
    receipt = alice.post(new_url, form_data(), follow=True, HTTP_ACCEPT_LANGUAGE="en")

    html = receipt.content.decode()
    assert "kept and flagged for review" in html
    assert "Line 2 = 3 + 4 + 5 + 6 + 17 − 18" in html
    assert "<td>2200</td><td>2165</td>" in html


def test_it_shows_a_negative_count_next_to_its_field_and_stores_nothing(alice, new_url):
    response = alice.post(
        new_url, form_data(lines={**LINES_PEC_91_COPY, "ballots_valid": -5}), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert "must not be negative" in response.content.decode()
    assert response.context["form"].errors["lines.ballots_valid"]
    assert ProtocolCopy.objects.count() == 0


def test_it_stores_one_copy_when_the_same_page_is_sent_twice(alice, new_url):
    data = form_data()

    first = alice.post(new_url, data)
    second = alice.post(new_url, data)

    assert ProtocolCopy.objects.count() == 1
    assert first.url == second.url


def test_it_offers_a_fresh_key_when_a_sent_page_is_resent_for_another_station(alice, new_url):
    data = form_data()
    alice.post(new_url, data)

    response = alice.post(new_url, {**data, "number": "120"})

    form = response.context["form"]
    assert form.non_field_errors()
    assert form["client_uuid"].value() != data["client_uuid"]
    assert ProtocolCopy.objects.count() == 1


def test_it_says_when_no_station_has_the_number(alice, new_url):
    response = alice.post(new_url, form_data(number="404"))

    assert "number" in response.context["form"].errors
    assert ProtocolCopy.objects.count() == 0


@pytest.fixture
def another_station_91(contest, observer):
    """Station 91 of St Petersburg too, added to Alice's mandate."""
    spb = StationRecord(("Санкт-Петербург", "ТИК 1"), "91")
    by_path = ensure_hierarchy(election=contest.election, root_name="ЦИК России", stations=[spb])
    region = next(c for c in by_path.values() if c.name == "Санкт-Петербург")
    observer.mandates.get().stations.add(PollingStation.objects.get(pec__path__startswith=region.path))
    return region


def test_it_asks_for_the_region_when_two_stations_have_the_number(alice, new_url, another_station_91):
    response = alice.post(new_url, form_data(number="91"))

    assert "region" in response.context["form"].errors
    assert ProtocolCopy.objects.count() == 0


def test_it_finds_the_station_by_number_within_the_chosen_region(alice, new_url, another_station_91):
    alice.post(new_url, form_data(number="91", region=another_station_91.pk))

    assert ProtocolCopy.objects.get().station.pec.path.startswith(another_station_91.path)


def test_it_takes_the_station_from_the_query_string(alice, new_url, other_station):
    html = alice.get(new_url, {"station": other_station.pk}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Polling station 120, 85 Тверской район" in html
    assert 'name="number"' not in html


@pytest.fixture
def stored_copy(alice, new_url):
    alice.post(new_url, form_data())
    return ProtocolCopy.objects.get()


def test_it_prefills_a_correction_with_the_copys_station_and_figures(alice, new_url, stored_copy):
    form = alice.get(new_url, {"revises": stored_copy.pk}).context["form"]

    assert form["station"].value() == stored_copy.station_id
    assert form["lines.ballots_valid"].value() == LINES_PEC_91_COPY["ballots_valid"]


def test_it_stores_a_correction_as_a_new_revision(alice, new_url, stored_copy):
    form = alice.get(new_url, {"revises": stored_copy.pk}).context["form"]
    hidden = {name: form[name].value() for name in ("client_uuid", "station", "revises")}

    alice.post(new_url, form_data(LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL, **hidden))

    revision = ProtocolCopy.objects.exclude(pk=stored_copy.pk).get()
    assert revision.revises_id == stored_copy.pk


def test_it_offers_no_second_correction_of_a_corrected_copy(alice, new_url, stored_copy):
    alice.post(new_url, form_data(number="", station=stored_copy.station_id, revises=stored_copy.pk))

    html = alice.get(reverse("copy-detail", args=[stored_copy.pk])).content.decode()
    assert f"?revises={stored_copy.pk}" not in html


def test_it_lists_the_observers_own_copies_with_their_receipts(alice, stored_copy):
    response = alice.get(reverse("copy-list"))

    assert [item.copy for item in response.context["copies"]] == [stored_copy]
    receipt = receipt_for(stored_copy)
    assert reverse("public-receipt", args=[receipt]) in response.content.decode()


def test_it_shows_the_receipt_hash_and_a_link_to_check_it_after_sending(alice, new_url):
    response = alice.post(new_url, form_data(), follow=True)

    receipt = receipt_for(ProtocolCopy.objects.get())
    html = response.content.decode()
    assert receipt in html and reverse("public-receipt", args=[receipt]) in html


def test_it_offers_the_stations_of_the_observers_live_mandates(alice, new_url, station, other_station):
    form = alice.get(new_url).context["form"]

    assert form.chooses_from_mandates
    assert {s.number for s in form.fields["station"].queryset} == {"91", "92", "120"}
    assert 'name="number"' not in alice.get(new_url).content.decode()


def test_it_stores_the_copy_for_the_station_chosen_from_the_mandates(alice, new_url, other_station):
    alice.post(new_url, form_data(number="", station=other_station.pk))

    assert ProtocolCopy.objects.get().station == other_station


def test_it_asks_to_choose_a_station_when_none_is_chosen(alice, new_url):
    response = alice.post(new_url, form_data(number=""))

    assert "station" in response.context["form"].errors
    assert ProtocolCopy.objects.count() == 0


def test_it_delivers_the_control_relations_as_parsed_data_for_the_browser(alice, new_url):
    html = alice.get(new_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    data = json.loads(re.search(r'id="copy-relations" type="application/json">(.*?)</script>', html).group(1))
    valid = next(relation for relation in data if relation["code"] == "valid_eq_options")
    assert valid["label"] == "Line 10 = sum of the votes for all parties"
    assert (valid["lhs"], valid["comparator"], valid["rhs"]) == (
        [[1, "ballots_valid", 0]],
        "==",
        [[1, "options_total", 0]],
    )
    assert "data-relations" in html and "/static/js/relations.js" in html


def test_it_lists_new_copy_links_only_for_contests_where_a_live_mandate_allows_one(alice, contest, db):
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    define_election(spec=shipped_spec("specs", "kz-mazhilis-2021"))
    html = alice.get(reverse("copy-list")).content.decode()

    assert reverse("copy-new", args=[contest.pk]) in html
    assert html.count("/copies/new/") == 1


def test_it_hides_a_receipt_from_another_observer(alice, stored_copy, other_observer):
    alice.force_login(other_observer.user)

    response = alice.get(reverse("copy-detail", args=[stored_copy.pk]))

    assert response.status_code == 404


def test_it_refuses_the_form_to_a_user_who_is_not_an_observer(client, coordinator, new_url):
    client.force_login(coordinator)

    assert client.get(new_url).status_code == 403
