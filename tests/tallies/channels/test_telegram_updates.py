"""Telegram's update shapes read through python-telegram-bot: which updates the bot acts on, and
what it reads from them (sender, chat, edit, the photo size it fetches).

Shapes are recorded Bot API updates (telegram_shapes.py); the webhook answers 200 to every
update it was sent, acted on or not, so Telegram never retries one forever.
"""

from __future__ import annotations

import pytest

from observers.models import Evidence
from observers.services.evidence import MAX_UPLOAD_BYTES
from tallies.channels import guided_text
from tallies.channels.telegram_api import read_update
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, TelegramEntry
from tallies.services import photos
from tests.observers.fixtures.evidence_images import jpeg_with_exif
from tests.tallies.channels.telegram_shapes import ALICE_TG, BOT_USER, PHOTO, buttons, message, post, press
from tests.tallies.support import copy_text

pytestmark = pytest.mark.django_db
PRIVATE_CHAT = {"id": ALICE_TG, "first_name": "Alice", "type": "private"}
ALICE = {"id": ALICE_TG, "is_bot": False, "first_name": "Alice", "language_code": "ru"}

NOT_ACTED_ON = {  # update kinds the bot receives but does not act on, as Telegram sends them
    "blocked": {
        "my_chat_member": {
            "chat": PRIVATE_CHAT,
            "from": ALICE,
            "date": 1733612400,
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
        }
    },
    "channel post": {
        "channel_post": {
            "message_id": 77,
            "sender_chat": {"id": -1001234567890, "title": "Golos", "type": "channel"},
            "chat": {"id": -1001234567890, "title": "Golos", "type": "channel"},
            "date": 1733612400,
            "text": "91 1=2124",
        }
    },
    "a kind newer than the library": {"business_trip": {"id": "x", "date": 1733612400}},
    "a known kind cut short": {"poll": {"id": "5"}},
}


@pytest.mark.parametrize("kind", NOT_ACTED_ON)
def test_updates_the_bot_does_not_act_on_get_200_and_nothing_is_logged_or_sent(
    client, bot, bot_api, linked, kind
):
    response = post(client, bot, {"update_id": 900, **NOT_ACTED_ON[kind]})

    assert response.status_code == 200
    assert not ChannelMessage.objects.exists() and bot_api[1] == []


def test_a_body_that_is_not_an_update_is_not_read(bot):
    assert read_update(bot, {"update_id": "x", "message": message(1, "91")["message"]}) is None
    assert read_update(bot, [1, 2]) is None
    assert read_update(bot, {"update_id": 1, "message": {"message_id": 1}}) is None  # no chat, no date


def test_a_message_and_its_edit_are_read_with_the_edit_time(bot):
    sent = read_update(bot, message(1, "91 1=2124", message_id=1365))
    edited = read_update(bot, message(2, "91 1=2125", message_id=1365, edited=True))

    assert (sent.update_id, sent.user_id, sent.chat_id, sent.message_id) == (1, ALICE_TG, ALICE_TG, 1365)
    assert (sent.edit_date, sent.text, sent.has_photo, sent.callback_id) == (0, "91 1=2124", False, "")
    assert (edited.message_id, edited.edit_date, edited.text) == (1365, 1733612460, "91 1=2125")


def test_a_pressed_button_is_read_as_its_presser_in_the_chat_of_the_bots_message(bot):
    pressed = read_update(bot, press(7, "ab12cd34:3:s:91", message_id=2000, user_id=42))

    assert (pressed.user_id, pressed.chat_id, pressed.message_id) == (42, ALICE_TG, 2000)
    assert (pressed.text, pressed.callback_id) == ("ab12cd34:3:s:91", "43821000007")


def test_a_button_under_a_message_telegram_no_longer_shows_is_still_read(bot):
    update = press(8, "ab12cd34:3:ok:")
    update["callback_query"]["message"] = {"message_id": 2000, "chat": PRIVATE_CHAT, "date": 0}

    pressed = read_update(bot, update)

    assert (pressed.message_id, pressed.chat_id, pressed.has_photo, pressed.edit_date) == (
        2000,
        ALICE_TG,
        False,
        0,
    )


@pytest.mark.usefixtures("fresh_storage")
def test_of_a_photos_sizes_the_largest_within_the_upload_limit_is_fetched(client, bot, bot_api, linked):
    sizes = [
        {**PHOTO[0], "file_size": 1_431},
        {
            "file_id": "AgAD3",
            "file_unique_id": "u3",
            "width": 2560,
            "height": 1920,
            "file_size": MAX_UPLOAD_BYTES + 1,
        },
        {**PHOTO[1], "file_size": 98_112},
        {**PHOTO[2], "file_size": 21_950},
    ]
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, copy_text(linked.code)))

    post(client, bot, message(2, "", message_id=1400, photo=sizes))

    assert [body for path, body in bot_api[1] if path.endswith("/getFile")] == [{"file_id": "AgAD2"}]
    assert ProtocolCopy.objects.get().photos.count() == 1


SORRY_RU = (
    "Извините, у нас произошла ошибка, и из этого сообщения ничего не сохранено. "
    "Пожалуйста, попробуйте ещё раз через несколько минут."
)


@pytest.mark.usefixtures("fresh_storage")
def test_an_update_whose_handling_raises_stores_nothing_and_gets_an_apology_in_russian(
    client, bot, bot_api, linked, monkeypatch, caplog
):
    ObserverContact.objects.filter(observer=linked).update(language="ru")
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()

    def broken(**kwargs):
        raise RuntimeError("storage is full")

    monkeypatch.setattr(photos, "add_copy_photos", broken)  # after the figures were stored
    caption = copy_text(linked.code)[len(linked.code) + 1 :]

    response = post(client, bot, message(1, "", caption=caption, photo=PHOTO))
    post(client, bot, message(1, "", caption=caption, photo=PHOTO))  # a retry changes nothing

    assert response.status_code == 200
    assert not ProtocolCopy.objects.exists() and not Evidence.objects.exists()
    assert [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")] == [SORRY_RU]
    logged = ChannelMessage.objects.order_by("id").values_list("direction", "outcome", "observer", "text")
    assert list(logged) == [("in", "failed", linked.pk, caption), ("out", "reply", linked.pk, SORRY_RU)]
    failure = next(record for record in caplog.records if record.levelname == "ERROR")
    assert "telegram update 1" in failure.getMessage() and "storage is full" in failure.exc_text


def test_a_pressed_button_whose_handling_raises_is_answered_and_leaves_the_entry_as_it_was(
    client, bot, bot_api, linked, monkeypatch
):
    post(client, bot, message(1, "/enter"))
    entry = TelegramEntry.objects.get()
    station_91 = next(data for label, data in buttons(bot_api[1]) if label == "91")

    def broken(*args):
        raise RuntimeError("form missing")

    monkeypatch.setattr(guided_text, "ask", broken)  # after the station was chosen and saved
    response = post(client, bot, press(2, station_91))

    assert response.status_code == 200
    after = TelegramEntry.objects.get()
    assert (after.status, after.station, after.version) == ("station", None, entry.version)
    assert bot_api[1][-2][1]["text"].startswith("Sorry, something went wrong on our side")
    assert bot_api[1][-1] == (
        "/bot123456:ABC-secret/answerCallbackQuery",
        {"callback_query_id": "43821000002"},
    )


IMAGE_FILE = {  # a photo sent "as a file": a document, as Telegram sends one from a phone's gallery
    "file_name": "IMG_20241208_201503.jpg",
    "mime_type": "image/jpeg",
    "file_id": "BQACAgIAAxkBAAIBZ2",
    "file_unique_id": "AgADZ2",
    "file_size": 2_841_920,
}


@pytest.mark.usefixtures("fresh_storage")
def test_a_photo_sent_as_a_file_is_kept_with_the_copy_as_a_photo_is(client, bot, bot_api, linked):
    bot_api[2][f"photos/{IMAGE_FILE['file_id']}.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, copy_text(linked.code)))

    post(client, bot, message(2, "", message_id=1401, document=IMAGE_FILE))

    assert [body for path, body in bot_api[1] if path.endswith("/getFile")] == [
        {"file_id": IMAGE_FILE["file_id"]}
    ]
    assert ProtocolCopy.objects.get().photos.count() == 1


def test_a_file_that_is_not_an_image_is_not_read_as_a_photo(bot):
    pdf = {**IMAGE_FILE, "file_name": "protocol.pdf", "mime_type": "application/pdf"}

    incoming = read_update(bot, message(3, "", message_id=1402, document=pdf))

    assert incoming is not None and not incoming.has_photo and incoming.photo_file_id == ""
