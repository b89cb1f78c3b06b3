"""The Telegram bot end to end: Bot API update shapes in, sendMessage out to a local server.

The bot's Bot API base URL points at a server on 127.0.0.1 that records every call, so the
replies are checked as Telegram would receive them.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from observers.models import Evidence
from tallies.channels import telegram_link
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, TelegramBot
from tests.observers.fixtures.evidence_images import jpeg_with_exif
from tests.tallies.channels.telegram_shapes import ALBUM, ALICE_TG, PHOTO, message, post
from tests.tallies.support import copy_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]


def test_a_wrong_secret_token_is_refused_and_nothing_is_logged_or_sent(client, bot, bot_api, linked):
    response = post(client, bot, message(1, copy_text(linked.code)), secret="guess")

    assert response.status_code == 403
    assert not ChannelMessage.objects.exists() and not ProtocolCopy.objects.exists() and bot_api[1] == []


def test_an_observer_links_with_the_code_from_the_web_page_once(client, bot, bot_api, observer):
    client.force_login(observer.user)
    code = client.post(reverse("telegram-link")).context["code"]
    client.logout()

    post(client, bot, message(1, f"/start {code.lower()}"))
    post(client, bot, message(2, f"/link {code}"))

    assert ObserverContact.objects.get(observer=observer).telegram_user_id == ALICE_TG
    (path, first), (_path, second) = bot_api[1]
    assert path == "/bot123456:ABC-secret/sendMessage"
    assert first == {
        "chat_id": ALICE_TG,
        "text": f"Linked to observer {observer.code}. Send /enter to enter a protocol line by line, "
        "or the whole protocol in one message.",
    }
    assert second["text"].startswith("This code is not valid")  # the code worked once


def test_a_protocol_in_one_message_is_stored_and_the_receipt_sent(client, bot, bot_api, linked, station):
    response = post(client, bot, message(1, copy_text(linked.code)[len(linked.code) + 1 :]))

    copy = ProtocolCopy.objects.get()
    assert response.status_code == 200
    assert (copy.observer, copy.station, copy.channel) == (linked, station, "telegram")
    assert bot_api[1][0][1]["text"].startswith(f"Stored: station 91, party-list, copy no. {copy.pk}.")


def test_a_retried_update_and_a_repeated_message_store_once(client, bot, bot_api, linked):
    post(client, bot, message(1, copy_text(linked.code)))
    post(client, bot, message(1, copy_text(linked.code)))  # Telegram's retry: same update id
    post(client, bot, message(2, copy_text(linked.code)))  # the same message delivered again

    assert ProtocolCopy.objects.count() == 1
    assert ChannelMessage.objects.filter(direction="in").count() == 2
    assert bot_api[1][1][1]["text"].startswith("Already stored")


def test_an_edited_message_changing_a_figure_becomes_a_revision(client, bot, linked):
    post(client, bot, message(1, copy_text(linked.code)))

    post(client, bot, message(2, copy_text(linked.code, **{"9": 41}), edited=True))

    first, second = ProtocolCopy.objects.order_by("id")
    assert second.revises == first
    assert second.figures().lines["ballots_invalid"] == 41


def test_an_unlinked_account_and_a_photo_before_any_copy_get_an_answer_and_store_nothing(
    client, bot, bot_api, linked
):
    photo = PHOTO
    stranger = message(1, copy_text(linked.code))
    stranger["message"]["from"]["id"] = 42

    post(client, bot, stranger)
    post(client, bot, message(2, "", photo=photo))

    assert not ProtocolCopy.objects.exists()
    texts = [call[1]["text"] for call in bot_api[1]]
    assert texts[0].startswith("This Telegram account is not linked")
    assert texts[1] == (  # Alice has three stations: the photo does not say which
        "Which station is this protocol of? Send the photo again with its number as the caption."
    )
    assert not Evidence.objects.exists()


def test_a_photo_is_stored_once_sanitised_with_the_latest_copy(
    client, bot, bot_api, linked, django_capture_on_commit_callbacks
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, copy_text(linked.code)))
    copy = ProtocolCopy.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        post(client, bot, message(2, "", message_id=1400, photo=PHOTO))
    post(client, bot, message(2, "", message_id=1400, photo=PHOTO))  # Telegram's retry
    post(client, bot, message(3, "91", message_id=1401, photo=PHOTO))  # sent again, station named

    evidence = Evidence.objects.get()
    assert [p.evidence for p in copy.photos.all()] == [evidence]
    assert evidence.status == "ready" and evidence.uploaded_by == linked
    assert b"Exif" not in evidence.file.read()
    assert ("/bot123456:ABC-secret/getFile", {"file_id": "AgAD2"}) in bot_api[1]
    texts = [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]
    assert texts[1] == f"Photo stored with copy no. {copy.pk}, station 91."
    assert texts[2] == f"This photo is already stored with copy no. {copy.pk}, station 91."
    assert len(texts) == 3


def test_the_bot_api_being_down_does_not_lose_the_copy(client, organization, linked):
    bot = TelegramBot.objects.create(
        organization=organization, name="b", token="1:x", api_base_url="http://127.0.0.1:9"
    )

    response = post(client, bot, message(1, copy_text(linked.code)))

    assert response.status_code == 200
    assert ProtocolCopy.objects.count() == 1
    assert ChannelMessage.objects.filter(direction="out").count() == 1


def test_a_linked_account_sending_a_wrong_code_is_told_it_is_still_linked(client, bot, bot_api, linked, bob):
    expired = telegram_link.issue_link_code(bob)  # a colleague's code, expired
    ObserverContact.objects.filter(observer=bob).update(link_code_expires_at="2000-01-01T00:00Z")

    post(client, bot, message(1, "/link WRONG-CODE"))
    post(client, bot, message(2, f"/link {expired}"))

    assert ObserverContact.objects.get(telegram_user_id=ALICE_TG).observer == linked
    still = (
        "This code is not valid (wrong, used or expired), so nothing changed: this Telegram account "
        f"is still linked to observer {linked.code}."
    )
    assert [body["text"] for _path, body in bot_api[1]] == [still, still]
    logged = ChannelMessage.objects.filter(direction="in").values_list("observer", "outcome")
    assert list(logged) == [(linked.pk, "refused")] * 2  # and counted against guessing


def test_a_link_code_expires(observer, bot):
    code = telegram_link.issue_link_code(observer)
    ObserverContact.objects.filter(observer=observer).update(link_code_expires_at="2000-01-01T00:00Z")

    assert telegram_link.link(bot, ALICE_TG, code) is None


def test_link_codes_cannot_be_guessed_past_the_limit_even_the_right_one(
    client, bot, bot_api, observer, caplog
):
    code = telegram_link.issue_link_code(observer)
    for n in range(telegram_link.LINK_ATTEMPTS_PER_ACCOUNT):
        post(client, bot, message(n + 1, f"/link WRONG{n:03d}"))
    post(client, bot, message(1, "/link WRONG000"))  # a retry of an update is not a new attempt

    post(client, bot, message(100, f"/link {code}"))

    assert ObserverContact.objects.get(observer=observer).telegram_user_id is None
    assert bot_api[1][-1][1]["text"] == "Too many wrong codes: try again in an hour."
    assert ChannelMessage.objects.filter(direction="in", outcome="refused").count() == 6
    assert "telegram link refused" in caplog.text
    other = message(101, f"/link {code}")  # another account in its own chat is not held back
    other["message"]["from"]["id"] = other["message"]["chat"]["id"] = 77
    post(client, bot, other)
    assert ObserverContact.objects.get(observer=observer).telegram_user_id == 77


def test_link_attempts_are_also_limited_per_chat(client, bot, bot_api, observer):
    code = telegram_link.issue_link_code(observer)
    for n in range(telegram_link.LINK_ATTEMPTS_PER_CHAT):
        guess = message(n + 1, f"/link WRONG{n:03d}")
        guess["message"]["from"]["id"] = 1000 + n  # many accounts, one group chat
        guess["message"]["chat"] = {"id": -100123, "type": "group", "title": "observers"}
        post(client, bot, guess)

    right = message(100, f"/link {code}")
    right["message"]["chat"] = {"id": -100123, "type": "group", "title": "observers"}
    post(client, bot, right)

    assert ObserverContact.objects.get(observer=observer).telegram_user_id is None
    assert bot_api[1][-1][1]["text"] == "Too many wrong codes: try again in an hour."


def test_start_without_a_code_and_old_failures_do_not_count(client, bot, observer):
    for n in range(telegram_link.LINK_ATTEMPTS_PER_ACCOUNT + 1):
        post(client, bot, message(n + 1, "/start"))
    post(client, bot, message(50, "/link WRONG999"))
    ChannelMessage.objects.update(created_at="2000-01-01T00:00Z")
    for n in range(telegram_link.LINK_ATTEMPTS_PER_ACCOUNT - 1):
        post(client, bot, message(60 + n, f"/link WRONG{n:03d}"))
    code = telegram_link.issue_link_code(observer)

    post(client, bot, message(100, f"/link {code}"))

    assert ObserverContact.objects.get(observer=observer).telegram_user_id == ALICE_TG


def test_the_message_log_keeps_link_commands_with_the_code_masked(client, bot, bot_api, observer):
    code = telegram_link.issue_link_code(observer)
    post(client, bot, message(1, f"/link@golos_bot {code.lower()}"))  # as sent in a group chat
    post(client, bot, message(2, "/start WRONG-CODE"))
    post(client, bot, message(3, code))  # the code without the command
    post(client, bot, message(4, "91"))

    logged = list(ChannelMessage.objects.filter(direction="in").order_by("id").values_list("text", "outcome"))
    assert logged == [
        ("/link@golos_bot ****-****", "reply"),
        ("/start *****-****", "refused"),
        ("****-****", "refused"),
        ("91", "incomplete"),
    ]
    assert ObserverContact.objects.get(observer=observer).telegram_user_id == ALICE_TG
    assert bot_api[1][2][1]["text"] == "To link this Telegram account, send: /link CODE"
    everything = " ".join(ChannelMessage.objects.values_list("text", flat=True))
    assert code not in everything and code.replace("-", "") not in everything.upper()


def test_a_photo_captioned_with_the_figures_stores_the_copy_and_the_photo_with_it(
    client, bot, bot_api, linked, station
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    caption = copy_text(linked.code)[len(linked.code) + 1 :]

    post(client, bot, message(1, "", message_id=1400, caption=caption, photo=PHOTO))
    post(client, bot, message(1, "", message_id=1400, caption=caption, photo=PHOTO))  # Telegram's retry
    post(client, bot, message(2, "", message_id=1400, caption=caption, photo=PHOTO))  # delivered again

    copy = ProtocolCopy.objects.get()
    assert (copy.station, copy.channel) == (station, "telegram")
    assert [p.evidence for p in copy.photos.all()] == [Evidence.objects.get()]
    texts = [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]
    assert texts[0].startswith(f"Stored: station 91, party-list, copy no. {copy.pk}.")
    assert texts[0].endswith(f"\nPhoto stored with copy no. {copy.pk}, station 91.")
    assert texts[1].startswith("Already stored") and "This photo is already stored" in texts[1]
    assert list(ChannelMessage.objects.filter(direction="in").values_list("outcome", flat=True)) == [
        "duplicate",
        "stored",
    ]

    edited = copy_text(linked.code, **{"9": 41})[len(linked.code) + 1 :]
    post(client, bot, message(3, "", message_id=1400, caption=edited, photo=PHOTO, edited=True))
    revision = ProtocolCopy.objects.get(revises=copy)
    assert revision.photos.get().evidence.original_sha256 == copy.photos.get().evidence.original_sha256


def test_a_photo_captioned_with_figures_that_store_nothing_is_not_kept(client, bot, bot_api, linked):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()

    post(client, bot, message(1, "", caption="91 1=2124 2=2200", photo=PHOTO))

    assert not ProtocolCopy.objects.exists() and not Evidence.objects.exists()
    assert bot_api[1][-1][1]["text"].startswith("The photo was not kept: send it again with the figures. ")
    assert "Missing: 3, 4" in bot_api[1][-1][1]["text"]


def test_a_photo_with_no_copy_becomes_a_photo_only_copy_of_the_station_its_caption_names(
    client, bot, bot_api, linked, station
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    bot_api[2]["photos/AgAE2.jpg"] = jpeg_with_exif((800, 600))
    album = {"media_group_id": "13612870045771234"}

    post(client, bot, message(1, "", message_id=1400, caption="91", photo=PHOTO, **album))
    post(client, bot, message(1, "", message_id=1400, caption="91", photo=PHOTO, **album))  # a retry
    post(client, bot, message(2, "", message_id=1401, photo=ALBUM, **album))  # the album's second photo
    post(client, bot, message(3, "", message_id=1400, caption="91", photo=PHOTO, **album))  # delivered again

    copy = ProtocolCopy.objects.get()
    assert (copy.station, copy.channel, len(copy.figure_refs())) == (station, "telegram", 0)
    assert copy.photos.count() == 2 == Evidence.objects.count()
    assert ProtocolCopy.objects.awaiting_transcription().get() == copy
    texts = [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]
    assert texts == [
        f"Stored as copy no. {copy.pk} of station 91, photos only: coordinators will transcribe the "
        "figures. More photos of this protocol: send them now.",
        f"Photo stored with copy no. {copy.pk}, station 91.",
        f"This photo is already stored with copy no. {copy.pk}, station 91.",
    ]


def test_a_photo_with_no_copy_stores_nothing_during_a_guided_entry_or_for_a_station_without_mandate(
    client, bot, bot_api, linked
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, "", message_id=1400, caption="555", photo=PHOTO))
    post(client, bot, message(2, "/enter", message_id=1401))
    post(client, bot, message(3, "", message_id=1402, caption="91", photo=PHOTO))

    assert not ProtocolCopy.objects.exists() and not Evidence.objects.exists()
    texts = [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]
    assert texts[0] == "You have no live mandate for polling station 555, so you cannot send its copy."
    assert texts[2] == "No copy of yours to add this photo to: send the figures first."
