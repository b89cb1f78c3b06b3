"""A photo sent to the bot for a copy already stored, where the election has several contests.

Alice holds live mandates for stations 91, 92 and 120 of an election with two contests (the
federal party list and District 1); at station 91 she was handed both protocols. She sends the
figures of one, then of the other, then a photo: the bot cannot tell which protocol it shows,
so it asks with a button per contest she sent a copy of there, keeps the photo meanwhile, and
stores it with the pressed contest's latest copy of hers.
"""

from __future__ import annotations

import pytest

from elections.models import Contest
from observers.models import Evidence
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, TelegramEntry
from tests.observers.fixtures.evidence_images import jpeg_with_exif
from tests.tallies.channels.telegram_shapes import ALBUM, PHOTO, buttons, message, post, press
from tests.tallies.support import copy_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_storage")]
QUESTION = "Station 91: you sent copies of several contests there. Which contest is this photo of?"
IN_ALBUM = {"media_group_id": "13612870045771234"}


def party_list_text(code: str, station: str = "91") -> str:
    return copy_text(code, station=f"{station} party-list")


def district_text(code: str, station: str = "91") -> str:
    """The District 1 protocol: the same lines, one candidate (P1)."""
    words = copy_text(code, station=f"{station} district-1").split()
    return " ".join([word for word in words if not word.startswith("P")] + ["P1=1500"])


def texts(bot_api) -> list[str]:
    return [body["text"] for path, body in bot_api[1] if path.endswith("/sendMessage")]


def notices(bot_api) -> list[str]:
    return [body.get("text", "") for path, body in bot_api[1] if path.endswith("/answerCallbackQuery")]


@pytest.fixture
def both(client, bot, bot_api, linked, district):
    """Alice's copies of station 91 by Telegram: the party list's first, then District 1's."""
    post(client, bot, message(1, party_list_text(linked.code), message_id=1300))
    post(client, bot, message(2, district_text(linked.code), message_id=1301))
    party_list = ProtocolCopy.objects.get(contest__slug="party-list")
    return party_list, ProtocolCopy.objects.get(contest=district)


def test_a_photo_after_copies_of_two_contests_is_kept_and_the_bot_asks_which(client, bot, bot_api, both):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()

    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))

    assert texts(bot_api)[2:] == [QUESTION]
    assert [label for label, _data in buttons(bot_api[1])] == ["Federal party list", "District 1", "Cancel"]
    assert not Evidence.objects.exists()
    waiting = TelegramEntry.objects.get(status="contest")
    assert (waiting.photos_for, waiting.station.number, [p["file_id"] for p in waiting.photos]) == (
        "latest_copy",
        "91",
        ["AgAD2"],
    )


def test_the_pressed_contest_gets_the_photo_not_the_latest_copy(client, bot, bot_api, both):
    party_list, district_copy = both
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))

    choices = dict(buttons(bot_api[1]))
    pressed = press(4, choices["Federal party list"])
    post(client, bot, pressed)
    post(client, bot, pressed)  # Telegram's retry
    post(client, bot, press(5, choices["District 1"]))  # a second tap, on the other button

    assert [p.evidence for p in party_list.photos.all()] == [Evidence.objects.get()]
    assert not district_copy.photos.exists()
    assert texts(bot_api)[3:] == [
        f"Photo stored with copy no. {party_list.pk}, station 91, Federal party list."
    ]
    assert notices(bot_api)[-1] == "This button is no longer current: use the newest message."
    entry = TelegramEntry.objects.get()
    assert (entry.status, entry.contest, entry.copy) == ("stored", party_list.contest, party_list)


def test_a_photo_captioned_with_the_station_and_its_album_go_together(client, bot, bot_api, both):
    _party_list, district_copy = both
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    bot_api[2]["photos/AgAE2.jpg"] = jpeg_with_exif((800, 600))

    post(client, bot, message(3, "", message_id=1400, caption="91", photo=PHOTO, **IN_ALBUM))
    post(client, bot, message(4, "", message_id=1401, photo=ALBUM, **IN_ALBUM))
    post(client, bot, press(5, dict(buttons(bot_api[1]))["District 1"]))

    assert texts(bot_api)[2:] == [
        QUESTION,
        f"Photo kept (2 in all). {QUESTION}",
        f"Photo stored with copy no. {district_copy.pk}, station 91, District 1.",
    ]
    assert district_copy.photos.count() == 2 == Evidence.objects.count()


def test_the_same_photo_pressed_for_its_copy_again_adds_nothing(client, bot, bot_api, both):
    party_list, _district_copy = both
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))
    post(client, bot, press(4, dict(buttons(bot_api[1]))["Federal party list"]))

    post(client, bot, message(5, "", message_id=1401, photo=PHOTO))  # sent again
    post(client, bot, press(6, dict(buttons(bot_api[1]))["Federal party list"]))

    assert party_list.photos.count() == 1 == Evidence.objects.count()
    assert texts(bot_api)[-1] == (
        f"This photo is already stored with copy no. {party_list.pk}, station 91, Federal party list."
    )


def test_a_photo_telegram_cannot_give_leaves_the_question_open(client, bot, bot_api, both):
    party_list, _district_copy = both
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))
    party_list_button = dict(buttons(bot_api[1]))["Federal party list"]
    bot.api_base_url, working = "http://127.0.0.1:9", bot.api_base_url  # nothing listens: no getFile
    bot.save()

    post(client, bot, press(4, party_list_button))
    reply = ChannelMessage.objects.get(direction="out", in_reply_to__external_id="4")
    assert reply.text == "The photo could not be fetched from Telegram: send it again."
    assert TelegramEntry.objects.get().status == "contest" and not party_list.photos.exists()

    bot.api_base_url = working
    bot.save()
    post(client, bot, press(5, party_list_button))  # the same button, pressed again
    assert party_list.photos.count() == 1 and TelegramEntry.objects.get().status == "stored"


def test_with_copies_of_one_contest_at_the_station_the_photo_is_stored_at_once(
    client, bot, bot_api, linked, district
):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(1, party_list_text(linked.code, "92"), message_id=1300))
    post(client, bot, message(2, district_text(linked.code, "91"), message_id=1301))

    post(client, bot, message(3, "", message_id=1400, caption="92", photo=PHOTO))

    copy = ProtocolCopy.objects.get(station__number="92")
    assert copy.photos.count() == 1 and not TelegramEntry.objects.exists()
    assert texts(bot_api)[2] == f"Photo stored with copy no. {copy.pk}, station 92, Federal party list."


def test_someone_elses_stale_or_forged_button_stores_nothing(client, bot, bot_api, both, district):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))
    district_button = dict(buttons(bot_api[1]))["District 1"]
    other = Contest.objects.create(
        election=district.election, slug="district-2", name="District 2", form=district.form
    )

    post(client, bot, press(4, district_button, user_id=42))  # another user's press, in a group
    post(client, bot, press(5, district_button.rsplit(":", 1)[0] + f":{other.pk}"))  # no copy of hers
    post(client, bot, press(6, "0123abcd:0:c:1"))  # an entry that does not exist
    post(client, bot, message(7, "/cancel", message_id=1401))
    post(client, bot, press(8, district_button))  # the entry is cancelled

    assert not Evidence.objects.exists()
    assert notices(bot_api) == [
        "This button is not yours.",
        "This button is no longer current: use the newest message.",
        "This button is no longer valid. Send /enter to start again.",
        "This button is no longer current: use the newest message.",
    ]
    assert TelegramEntry.objects.get().status == "cancelled"


def test_while_a_guided_entry_is_open_the_bot_asks_to_finish_it_first(client, bot, bot_api, both):
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()
    post(client, bot, message(3, "/enter", message_id=1400))

    post(client, bot, message(4, "", message_id=1401, photo=PHOTO))

    assert texts(bot_api)[-1] == (
        "A guided entry is open in this chat, so the bot cannot ask which contest this photo is of: "
        "finish the entry (or /cancel it), then send the photo again."
    )
    assert not Evidence.objects.exists()
    assert TelegramEntry.objects.get().status == "station"  # the guided entry goes on


def test_the_question_and_the_contests_are_in_the_observers_language(client, bot, bot_api, both, district):
    ObserverContact.objects.filter(telegram_user_id__isnull=False).update(language="ru")
    district.names = {"ru": "Округ 1"}
    district.save()
    bot_api[2]["photos/AgAD2.jpg"] = jpeg_with_exif()

    post(client, bot, message(3, "", message_id=1400, photo=PHOTO))

    assert texts(bot_api)[-1] == (
        "Участок 91: вы прислали копии по нескольким голосованиям. К какому голосованию относится это фото?"
    )
    labels = [label for label, _data in buttons(bot_api[1])]
    assert labels == ["Федеральный список партий", "Округ 1", "Отмена"]
