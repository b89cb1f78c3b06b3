"""The SMS webhook end to end, with the payload shapes Telerivet, RapidPro/TextIt and Kannel send.

Alice (Golos) has a live mandate for stations 91, 92, 120 and the phone +7 701 555 0101; her
copy of PEC 91 (tests/conftest.py) is the figures of every message here.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tallies.channels import sms
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, SmsGateway
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.support import copy_text

pytestmark = pytest.mark.django_db

PHONE = "+7 701 555 0101"


@pytest.fixture
def alice_by_sms(observer):
    """Alice with her phone number on file: the gateways know her by it."""
    observer.phone = PHONE
    observer.save()
    return observer


def gateway(organization, kind: str) -> SmsGateway:
    return SmsGateway.objects.create(organization=organization, name=kind, kind=kind, language="en")


def telerivet(client, gw: SmsGateway, text: str, message_id: str = "SMabc123", secret: str | None = None):
    """Telerivet's webhook, form-encoded as it posts it (fields from its webhook documentation)."""
    payload = {
        "secret": gw.secret if secret is None else secret,
        "event": "incoming_message",
        "id": message_id,
        "message_type": "sms",
        "direction": "incoming",
        "status": "received",
        "content": text,
        "from_number": "+77015550101",
        "from_number_e164": "+77015550101",
        "to_number": "+77010000000",
        "time_created": "1733612400",
        "contact_id": "CTa1b2c3",
        "phone_id": "PNd4e5f6",
        "project_id": "PJ0a1b2c",
    }
    return client.post(reverse("channel-sms-webhook", args=[gw.public_id]), payload)


def test_a_telerivet_message_stores_the_copy_and_replies_with_the_receipt(client, alice_by_sms, station):
    gw = gateway(alice_by_sms.organization, "telerivet")

    response = telerivet(client, gw, copy_text(alice_by_sms.code))

    copy = ProtocolCopy.objects.get()
    assert (copy.observer, copy.station, copy.channel) == (alice_by_sms, station, "sms")
    figures = {**copy.figures().lines, **copy.figures().options}
    assert figures == {**LINES_PEC_91_COPY, **OPTIONS_PEC_91_COPY}
    reply = response.json()["messages"][0]["content"]
    assert reply.startswith(f"Stored: station 91, party-list, copy no. {copy.pk}.")
    broken = copy.findings.get().relation  # the copy breaks line 2 = 3+4+5+6+17-18 (2200 vs 2165)
    assert f"Check against the protocol: {broken.labels['en']}. You sent: " in reply
    assert reply.endswith("You sent: " + copy_text(alice_by_sms.code)[:159] + "…")
    log = ChannelMessage.objects.order_by("id")
    logged = list(log.values_list("direction", "observer", "outcome", "copy"))
    assert logged == [("in", alice_by_sms.pk, "stored", copy.pk), ("out", alice_by_sms.pk, "reply", copy.pk)]


def test_a_gateway_retry_of_the_same_message_id_stores_once(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "telerivet")

    telerivet(client, gw, copy_text(alice_by_sms.code), message_id="SM1")
    response = telerivet(client, gw, copy_text(alice_by_sms.code), message_id="SM1")

    assert ProtocolCopy.objects.count() == 1
    assert response.json()["messages"][0]["content"].startswith("Already stored")
    assert ChannelMessage.objects.filter(direction="in").count() == 2  # both receipts logged


def test_the_same_figures_resent_by_hand_store_nothing_new(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "telerivet")

    telerivet(client, gw, copy_text(alice_by_sms.code), message_id="SM1")
    response = telerivet(client, gw, copy_text(alice_by_sms.code.lower()), message_id="SM2")

    assert ProtocolCopy.objects.count() == 1
    assert response.json()["messages"][0]["content"].startswith("Already stored")


def test_changed_figures_become_a_revision_of_the_observers_copy(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "telerivet")
    telerivet(client, gw, copy_text(alice_by_sms.code), message_id="SM1")

    telerivet(client, gw, copy_text(alice_by_sms.code, **{"9": 41}), message_id="SM2")

    first, second = ProtocolCopy.objects.order_by("id")
    assert second.revises == first
    assert second.figures().lines["ballots_invalid"] == 41


def test_a_rapidpro_form_post_with_a_token_header_is_answered_in_json(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "rapidpro")
    payload = {
        "id": "4518",
        "from": "tel:+77015550101",
        "text": copy_text(alice_by_sms.code),
        "channel": "ab12",
    }

    response = client.post(
        reverse("channel-sms-webhook", args=[gw.public_id]), payload, HTTP_AUTHORIZATION=f"Token {gw.secret}"
    )

    assert response.json()["reply"].startswith("Stored: station 91")
    assert ProtocolCopy.objects.get().channel == "sms"


def test_a_kannel_get_is_answered_in_plain_text_in_the_observers_language(client, alice_by_sms):
    ObserverContact.objects.create(observer=alice_by_sms, language="ru")
    gw = gateway(alice_by_sms.organization, "kannel")
    query = {"from": "87015550101", "text": copy_text(alice_by_sms.code), "id": "b7e1", "secret": gw.secret}

    response = client.get(reverse("channel-sms-webhook", args=[gw.public_id]), query)

    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().startswith("Сохранено: участок 91")


@pytest.mark.parametrize("kind", ["telerivet", "rapidpro", "kannel"])
def test_a_wrong_secret_is_refused_and_nothing_is_stored_or_logged(client, alice_by_sms, kind):
    gw = gateway(alice_by_sms.organization, kind)
    url = reverse("channel-sms-webhook", args=[gw.public_id])
    fields = {"secret": "guess", "from": PHONE, "text": copy_text(alice_by_sms.code), "id": "1"}

    response = client.get(url, fields) if kind == "kannel" else client.post(url, fields)

    assert response.status_code == 403
    assert not ProtocolCopy.objects.exists() and not ChannelMessage.objects.exists()


def test_an_inactive_gateway_and_a_wrong_method_are_refused(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "kannel")
    url = reverse("channel-sms-webhook", args=[gw.public_id])

    assert client.post(url, {"secret": gw.secret}).status_code == 405
    SmsGateway.objects.filter(pk=gw.pk).update(is_active=False)
    assert client.get(url, {"secret": gw.secret, "text": copy_text(alice_by_sms.code)}).status_code == 403
    assert not ChannelMessage.objects.exists()


def test_telerivet_json_and_status_events(client, alice_by_sms):
    gw = gateway(alice_by_sms.organization, "telerivet")
    url = reverse("channel-sms-webhook", args=[gw.public_id])

    status = client.post(url, json.dumps({"secret": gw.secret, "event": "send_status"}), "application/json")
    broken = client.post(url, "{not json", "application/json")

    assert (status.status_code, broken.status_code) == (204, 400)
    assert not ChannelMessage.objects.exists()


def receive(gw: SmsGateway, text: str, sender: str = PHONE, message_id: str = "m1") -> str:
    return sms.receive(gateway=gw, sms=sms.InboundSms(message_id, sender, text))


def test_an_unknown_code_or_a_strangers_phone_is_refused_but_logged(alice_by_sms):
    gw = gateway(alice_by_sms.organization, "kannel")

    unknown = receive(gw, copy_text("ZZZZ-ZZZZ"))
    stranger = receive(gw, copy_text(alice_by_sms.code), sender="+7 777 000 0000", message_id="m2")

    assert unknown.startswith("Nothing stored: no observer with code ZZZZ-ZZZZ")
    assert stranger.startswith(f"Nothing stored: no observer with code {alice_by_sms.code}")
    assert not ProtocolCopy.objects.exists()
    assert set(ChannelMessage.objects.values_list("direction", "outcome", "observer")) == {
        ("in", "refused", None),
        ("out", "reply", None),
    }


def test_an_inactive_observer_is_refused(alice_by_sms):
    alice_by_sms.is_active = False
    alice_by_sms.save()

    reply = receive(gateway(alice_by_sms.organization, "kannel"), copy_text(alice_by_sms.code))

    assert reply.startswith("Your observer account is not active.")
    assert not ProtocolCopy.objects.exists()
    assert ChannelMessage.objects.filter(observer=alice_by_sms, outcome="refused").exists()


def test_a_station_without_a_mandate_is_refused(alice_by_sms):
    reply = receive(gateway(alice_by_sms.organization, "kannel"), copy_text(alice_by_sms.code, station="999"))

    assert reply.startswith("You have no live mandate for polling station 999")
    assert not ProtocolCopy.objects.exists()


def test_a_withdrawn_mandate_is_refused_by_the_submission_service(alice_by_sms, station):
    from observers.models import Mandate

    Mandate.objects.filter(observer=alice_by_sms).update(status=Mandate.Status.WITHDRAWN)

    reply = receive(gateway(alice_by_sms.organization, "kannel"), copy_text(alice_by_sms.code))

    assert reply.startswith("You have no live mandate for polling station 91")
    assert not ProtocolCopy.objects.exists()


def test_missing_and_not_understood_figures_are_named_and_nothing_is_stored(alice_by_sms):
    text = copy_text(alice_by_sms.code).replace(" 7=19", "").replace("P3=20", "P9=20 X")

    reply = receive(gateway(alice_by_sms.organization, "kannel"), text)

    assert reply.startswith("Nothing stored. Not understood: X, P9=20. Missing: 7, P3.")
    assert not ProtocolCopy.objects.exists()
    assert ChannelMessage.objects.get(direction="in").outcome == "incomplete"


def test_an_overlong_message_is_refused_and_logged_truncated(alice_by_sms):
    text = copy_text(alice_by_sms.code) + " " + "9" * 1000

    reply = receive(gateway(alice_by_sms.organization, "kannel"), text)

    assert reply.startswith(f"Nothing stored: the message has {len(text)} characters, at most 640")
    assert not ProtocolCopy.objects.exists()
    assert len(ChannelMessage.objects.get(direction="in").text) == 640


def test_a_count_beyond_any_protocol_is_not_understood(alice_by_sms):
    reply = receive(
        gateway(alice_by_sms.organization, "kannel"), copy_text(alice_by_sms.code, **{"1": 99_999_999})
    )

    assert "Not understood: 1=99999999." in reply
    assert not ProtocolCopy.objects.exists()


def test_another_organisations_gateway_does_not_know_alice(alice_by_sms, other_organization):
    reply = receive(gateway(other_organization, "kannel"), copy_text(alice_by_sms.code))

    assert reply.startswith("Nothing stored: no observer with code")
    assert not ProtocolCopy.objects.exists()


def test_a_figure_sent_as_a_dash_is_stored_as_not_on_the_copy(alice_by_sms):
    text = copy_text(alice_by_sms.code).replace(" 6=746 ", " 6=- ").replace("P6=445", "P6=?")

    reply = receive(gateway(alice_by_sms.organization, "kannel"), text)

    copy = ProtocolCopy.objects.get()
    assert reply.startswith("Stored: station 91")
    assert "ballots_cancelled" not in copy.figures().lines
    assert "p6_UR" not in copy.figures().options
    assert not copy.findings.exists()  # both relations the copy breaks need a figure it lacks
