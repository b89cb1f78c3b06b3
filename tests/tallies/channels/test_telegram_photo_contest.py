"""A photo-only copy sent to the bot where the station's election has several contests: the bot
asks which contest (buttons), keeps the photos until it is pressed, then stores the copy there.

Alice holds live mandates for stations 91, 92 and 120 of an election with two contests (the
federal party list and District 1); she has sent no copy, so her photos make a photo-only copy.
"""

from __future__ import annotations

import pytest

from observers.models import Evidence
from tallies.models import ProtocolCopy, TelegramEntry
from tests.observers.fixtures.evidence_images import jpeg_with_exif
from tests.tallies.channels.telegram_shapes import ALBUM, PHOTO, buttons, message, post, press

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]
QUESTION = "Station 91. Which contest is the protocol of?"
IN_ALBUM = {"media_group_id": "13612870045771234"}


def texts(bot_api) -> list[str]:
    return [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]


def test_the_bot_asks_the_contest_keeps_the_album_and_stores_the_copy_in_the_pressed_one(
    client, bot, bot_api, linked, station, district
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    bot_api[2]["photos/AgAE2.jpg"] = jpeg_with_exif((800, 600))

    post(client, bot, message(1, "", message_id=1400, caption="91", photo=PHOTO, **IN_ALBUM))
    assert texts(bot_api) == [QUESTION] and not ProtocolCopy.objects.exists()
    assert [label for label, _data in buttons(bot_api[1])] == ["Federal party list", "District 1", "Cancel"]
    post(client, bot, message(2, "", message_id=1401, photo=ALBUM, **IN_ALBUM))  # the album's other photo
    post(client, bot, message(3, "", message_id=1401, photo=ALBUM, **IN_ALBUM))  # delivered again
    assert texts(bot_api)[1:] == [f"Photo kept (2 in all). {QUESTION}"] * 2
    assert not ProtocolCopy.objects.exists() and not Evidence.objects.exists()

    pressed = press(4, dict(buttons(bot_api[1]))["District 1"])
    post(client, bot, pressed)
    post(client, bot, pressed)  # Telegram's retry

    copy = ProtocolCopy.objects.get()
    assert (copy.observer, copy.station, copy.contest, copy.channel) == (
        linked,
        station,
        district,
        "telegram",
    )
    assert copy.photos.count() == 2 == Evidence.objects.count()
    assert ProtocolCopy.objects.awaiting_transcription().get() == copy
    assert texts(bot_api)[3:] == [
        f"Stored as copy no. {copy.pk} of station 91, photos only: coordinators will transcribe the "
        "figures. More photos of this protocol: send them now."
    ]
    assert TelegramEntry.objects.get().status == "stored"

    bot_api[2]["photos/AgAF2.jpg"] = jpeg_with_exif((1024, 768))
    later = [
        {**size, "file_id": size["file_id"].replace("AgAD", "AgAF"), "file_unique_id": "f"} for size in PHOTO
    ]
    post(client, bot, message(5, "", message_id=1402, photo=later))  # a later photo joins the copy
    assert copy.photos.count() == 3 and ProtocolCopy.objects.count() == 1


def test_waiting_photos_are_dropped_by_cancel_and_their_buttons_then_store_nothing(
    client, bot, bot_api, linked, district
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, "", message_id=1400, caption="91", photo=PHOTO))
    district_button = dict(buttons(bot_api[1]))["District 1"]

    post(client, bot, message(2, "/cancel", message_id=1401))
    post(client, bot, press(3, district_button))

    assert not ProtocolCopy.objects.exists() and not Evidence.objects.exists()
    assert texts(bot_api)[1] == "Entry cancelled; nothing stored. Send /enter to start again."
    notice = [body for path, body in bot_api[1] if path.endswith("/answerCallbackQuery")][-1]
    assert notice["text"] == "This button is no longer current: use the newest message."


def test_a_photo_of_another_station_replaces_the_waiting_ones(client, bot, bot_api, linked, district):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, "", message_id=1400, caption="91", photo=PHOTO))

    post(client, bot, message(2, "", message_id=1401, caption="92", photo=ALBUM))

    assert texts(bot_api)[1] == "Station 92. Which contest is the protocol of?"
    waiting = TelegramEntry.objects.get(status="contest")
    assert (waiting.station.number, [photo["file_id"] for photo in waiting.photos]) == ("92", ["AgAE2"])
