"""Guided entry in the Telegram bot: station buttons, line by line, the checks, confirm.

Alice is linked to the bot and holds a live mandate for stations 91, 92 and 120; her copy of
PEC 91 (tests/conftest.py) is what she enters. Every update is a recorded Bot API shape
(telegram_shapes.py) posted to the webhook; the bot's replies are read from the local Bot API.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from elections.models import PollingStation
from observers.models import Mandate
from observers.services import mandates
from tallies.channels import guided_text
from tallies.models import ChannelMessage, ProtocolCopy, TelegramEntry
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY
from tests.tallies.channels.telegram_shapes import message, post, press
from tests.tallies.support import ORDER, copy_text

pytestmark = pytest.mark.django_db
FIGURES = [LINES_PEC_91_COPY[code] for code in ORDER] + list(OPTIONS_PEC_91_COPY.values())


class Chat:
    """Alice's side of the chat: sends messages and presses the buttons the bot last sent."""

    def __init__(self, client, bot, bot_api):
        self.client, self.bot, self.calls = client, bot, bot_api[1]
        self.update_id, self.message_id = 100, 5000

    def send(self, text: str, **extra) -> None:
        self.update_id += 1
        self.message_id += 1
        post(self.client, self.bot, message(self.update_id, text, message_id=self.message_id, **extra))

    def press(self, label: str, **extra) -> None:
        """Press the button `label` of the bot's last message with buttons."""
        self.update_id += 1
        post(self.client, self.bot, press(self.update_id, self.button(label), **extra))

    def button(self, label: str) -> str:
        return dict(self.buttons())[label]

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the buttons of the bot's last message with buttons."""
        markup = next(body["reply_markup"] for _path, body in reversed(self.sent()) if "reply_markup" in body)
        return [
            (button["text"], button["callback_data"]) for row in markup["inline_keyboard"] for button in row
        ]

    def sent(self) -> list[tuple[str, dict]]:
        return [(path, body) for path, body in self.calls if path.endswith("/sendMessage")]

    def last(self) -> str:
        return self.sent()[-1][1]["text"]

    def notices(self) -> list[dict]:
        return [body for path, body in self.calls if path.endswith("/answerCallbackQuery")]


def withdraw(observer) -> None:
    for mandate in Mandate.objects.filter(observer=observer):
        mandates.record_event(mandate=mandate, status=Mandate.Status.WITHDRAWN, recorded_by=None)


def linked_contest(observer):
    return TelegramEntry.objects.get(observer=observer).contest


@pytest.fixture
def chat(client, bot, bot_api, linked):
    return Chat(client, bot, bot_api)


def enter_station_91(chat: Chat) -> None:
    chat.send("/enter")
    chat.press("91")


def enter_all(chat: Chat, figures: list = FIGURES) -> None:
    enter_station_91(chat)
    for figure in figures:
        chat.send(str(figure))


def test_an_observer_picks_a_station_answers_each_line_sees_the_checks_and_confirms(chat, linked, station):
    chat.send("/enter")

    assert chat.last().startswith("Which polling station")
    assert [label for label, _data in chat.buttons()] == ["91", "92", "120", "Cancel"]

    chat.press("91")
    assert chat.notices()[-1] == {"callback_query_id": f"43821{chat.update_id:06d}"}  # spinner stopped
    assert chat.last().startswith("1/25. Line 1: Voters on the list")
    for figure in FIGURES[:-1]:
        chat.send(str(figure))
    assert chat.last() == "25/25. P7, votes for: Правое дело"
    chat.send(str(FIGURES[-1]))

    summary = chat.last()
    assert "10 = 1348 · Valid ballots" in summary and "P6 = 445 · Единая Россия" in summary
    assert "Does not hold: " in summary  # the copy breaks line 2 = 3+4+5+6+17-18 (2200 vs 2165)
    assert not ProtocolCopy.objects.exists()
    chat.press("Confirm and store")

    copy = ProtocolCopy.objects.get()
    assert (copy.observer, copy.station, copy.channel) == (linked, station, "telegram")
    figures = {**copy.figures().lines, **copy.figures().options}
    assert figures == {**LINES_PEC_91_COPY, **OPTIONS_PEC_91_COPY}
    assert chat.last().startswith(f"Stored: station 91, party-list, copy no. {copy.pk}.")
    shown = {line.split(" (")[0] for line in summary.splitlines() if line.startswith("Does not hold: ")}
    assert shown == {f"Does not hold: {finding.relation.label}" for finding in copy.findings.all()}


def test_the_conversation_is_kept_in_the_database(chat, linked):
    enter_station_91(chat)
    chat.send("2124")
    chat.send("2200")

    entry = TelegramEntry.objects.get()  # nothing lives in the process: a restart loses nothing
    assert (entry.status, entry.step, entry.station.number) == ("entering", 2, "91")
    assert entry.answers == {"lines.voters_on_list": 2124, "lines.ballots_received": 2200}
    assert entry.messages == {"5002": "lines.voters_on_list", "5003": "lines.ballots_received"}


def test_back_not_on_the_copy_and_corrections_from_the_summary(chat, linked):
    enter_station_91(chat)
    chat.send("2124")
    chat.press("Back")
    assert chat.last().startswith("1/25. Line 1:") and "Now: 2124." in chat.last()
    chat.send("2125")
    chat.press("Not on the copy")  # line 2
    for figure in FIGURES[2:]:
        chat.send(str(figure))
    assert "2 = not on the copy" in chat.last()
    assert "Not checked (a figure is not on the copy): " in chat.last()

    chat.press("1")  # the summary's button of line 1
    chat.send("2124")
    assert chat.last().startswith("Station 91, Federal party list: check")
    chat.send("9=41 2=2200")
    chat.press("Confirm and store")

    copy = ProtocolCopy.objects.get()
    values = dict(copy.figures().lines)
    assert values == {**LINES_PEC_91_COPY, "ballots_invalid": 41}


def test_a_double_tap_and_a_retried_update_store_the_copy_once(client, bot, chat, linked):
    enter_all(chat)
    confirm = chat.button("Confirm and store")

    post(client, bot, press(900, confirm))
    post(client, bot, press(900, confirm))  # Telegram's retry of the same update
    post(client, bot, press(901, confirm))  # a second tap on the same button

    assert ProtocolCopy.objects.count() == 1
    assert chat.notices()[-1]["text"] == f"Already stored: copy no. {ProtocolCopy.objects.get().pk}."
    assert ChannelMessage.objects.filter(direction="in", external_id="900").count() == 1


def test_the_same_figures_confirmed_again_store_nothing_new_and_other_figures_a_revision(chat, linked):
    enter_all(chat)
    chat.press("Confirm and store")
    enter_all(chat)
    chat.press("Confirm and store")
    assert chat.last().startswith("Already stored")

    enter_all(chat, [*FIGURES[:8], 41, *FIGURES[9:]])
    chat.press("Confirm and store")

    first, second = ProtocolCopy.objects.order_by("pk")
    assert second.revises == first and second.figures().lines["ballots_invalid"] == 41


def test_stale_foreign_and_unknown_buttons_are_refused_politely(client, bot, chat, linked):
    enter_station_91(chat)
    chat.send("2124")
    old_back = chat.button("Back")
    chat.send("2200")  # the state moved on: the previous message's buttons are stale

    post(client, bot, press(700, old_back))
    post(client, bot, press(701, chat.button("Back"), user_id=42))  # someone else's tap
    post(client, bot, press(702, "ffffffff:1:ok:"))
    post(client, bot, press(703, "not ours"))

    notices = [body.get("text") for body in chat.notices()[-4:]]
    assert notices == [
        "This button is no longer current: use the newest message.",
        "This button is not yours.",
        "This button is no longer valid. Send /enter to start again.",
        "This button is no longer valid. Send /enter to start again.",
    ]
    entry = TelegramEntry.objects.get()
    assert (entry.step, len(entry.answers)) == (2, 2)
    assert ChannelMessage.objects.filter(direction="in", external_id="701", observer=None).exists()


def test_an_edited_answer_replaces_it_before_confirming(client, bot, chat, linked):
    enter_all(chat)
    answer_of_line_9 = chat.message_id - len(FIGURES) + 9

    post(client, bot, message(800, "41", message_id=answer_of_line_9, edited=True))

    assert chat.last().startswith("9 changed to 41.")
    chat.press("Confirm and store")
    assert ProtocolCopy.objects.get().figures().lines["ballots_invalid"] == 41


def test_an_edit_after_confirming_changes_nothing_and_says_how_to_correct(client, bot, chat, linked):
    enter_all(chat)
    chat.press("Confirm and store")
    copy = ProtocolCopy.objects.get()

    post(client, bot, message(800, "41", message_id=chat.message_id - 16, edited=True))

    assert ProtocolCopy.objects.get() == copy
    assert copy.figures().lines["ballots_invalid"] == LINES_PEC_91_COPY["ballots_invalid"]
    assert chat.last().startswith(f"Copy no. {copy.pk} is already stored: your edit did not change it.")


def test_a_station_without_a_live_mandate_cannot_be_chosen(chat, linked, contest):
    chat.send("/enter")
    chat.send("555")
    assert chat.last() == "You have no live mandate for polling station 555, so you cannot send its copy."

    button_91 = chat.button("91")
    withdraw(linked)
    chat.update_id += 1
    post(chat.client, chat.bot, press(chat.update_id, button_91))
    assert chat.notices()[-1]["text"] == "You no longer hold a live mandate for this station."
    chat.send("/enter")
    assert chat.last() == "You have no live mandate for any polling station, so you cannot send a copy."
    assert TelegramEntry.objects.get().station is None and not ProtocolCopy.objects.exists()


def test_a_withdrawn_mandate_refuses_the_confirmed_copy(chat, linked):
    enter_all(chat)
    withdraw(linked)

    chat.press("Confirm and store")

    assert not ProtocolCopy.objects.exists()
    assert chat.last() == "You have no live mandate for polling station 91, so you cannot send its copy."


def test_what_is_not_a_figure_is_asked_again_and_an_overlong_text_is_cut_in_the_log(chat, linked):
    enter_station_91(chat)
    chat.send("twenty")
    chat.send("9" * 700)

    assert chat.last().startswith("“9999999999")
    assert "is not a whole number. Send the figure of 1 as written" in chat.last()
    assert len(ChannelMessage.objects.filter(direction="in").first().text) == 640
    assert TelegramEntry.objects.get().answers == {}


def test_a_protocol_in_one_message_still_works_with_an_entry_open(chat, linked):

    enter_station_91(chat)
    chat.send(copy_text(linked.code)[len(linked.code) + 1 :])

    assert ProtocolCopy.objects.get().channel == "telegram"
    assert TelegramEntry.objects.get().status == "entering"


def test_cancel_closes_the_entry_and_stores_nothing(chat, linked):
    enter_station_91(chat)
    chat.send("2124")
    chat.press("Cancel")
    chat.send("2200")  # no entry open: read as a (bad) protocol in one message

    assert TelegramEntry.objects.get().status == "cancelled"
    assert not ProtocolCopy.objects.exists()


def test_a_station_is_chosen_by_typing_its_number_past_the_buttons(chat, linked, contest):
    stations = list(PollingStation.objects.filter(pec__election=contest.election))
    with translation.override("en"):
        text, keyboard = guided_text.choose_station(TelegramEntry(token="t"), stations * 10)
    assert "Only the first 24 of your 30 stations have a button." in text
    assert sum(len(row) for row in keyboard) == 24 + 1  # and Cancel

    chat.send("/enter")
    chat.send("№120")

    assert TelegramEntry.objects.get().station.number == "120"
    assert chat.last().startswith("1/25. Line 1: Voters on the list")


def test_the_bot_speaks_the_observers_language(chat, linked):
    from tallies.models import ObserverContact

    ObserverContact.objects.filter(observer=linked).update(language="kk")
    enter_station_91(chat)
    chat.send("2124")

    with translation.override("kk"):
        expected = guided_text.ask(TelegramEntry.objects.get(), guided_text.questions(linked_contest(linked)))
    assert chat.last() == expected[0] and chat.last().startswith("2/25. ")
    assert [label for label, _data in chat.buttons()] == ["Артқа", "Көшірмеде жоқ", "Болдырмау"]


def test_a_button_with_a_wrong_secret_or_from_another_chat_changes_nothing(client, bot, chat, linked):
    enter_station_91(chat)
    back = chat.button("Not on the copy")

    response = post(client, bot, press(600, back), secret="guess")
    elsewhere = press(601, back)
    elsewhere["callback_query"]["message"]["chat"] = {"id": -100123, "type": "group", "title": "observers"}
    post(client, bot, elsewhere)

    assert response.status_code == 403
    assert not ChannelMessage.objects.filter(external_id="600").exists()
    assert chat.notices()[-1]["text"] == "This button is not yours."
    entry = TelegramEntry.objects.get()
    assert (entry.step, entry.answers) == (0, {})


def test_the_bot_api_being_down_at_confirmation_does_not_lose_the_copy(client, bot, chat, linked):
    enter_all(chat)
    confirm = chat.button("Confirm and store")
    bot.api_base_url = "http://127.0.0.1:9"  # nothing listens: sendMessage and the answer fail
    bot.save()

    response = post(client, bot, press(900, confirm))

    assert response.status_code == 200
    copy = ProtocolCopy.objects.get()
    assert TelegramEntry.objects.get().copy == copy
    receipt = ChannelMessage.objects.get(direction="out", in_reply_to__external_id="900")
    assert receipt.text.startswith(f"Stored: station 91, party-list, copy no. {copy.pk}.")


def test_where_the_election_has_two_contests_the_observer_presses_one(chat, linked, contest):
    from elections.models import BallotOption, Contest

    single = Contest.objects.create(
        election=contest.election, slug="district-1", name="District 1", form=contest.form
    )
    BallotOption.objects.create(contest=single, position=1, code="ivanov", name="Ivanov")
    chat.send("/enter")
    chat.press("91")

    assert chat.last() == "Station 91. Which contest is the protocol of?"
    assert [label for label, _data in chat.buttons()] == ["Federal party list", "District 1", "Cancel"]
    chat.press("District 1")
    for figure in FIGURES[:18]:
        chat.send(str(figure))
    assert chat.last() == "19/19. P1, votes for: Ivanov"
    chat.send("1200")
    chat.press("Confirm and store")

    copy = ProtocolCopy.objects.get()
    assert (copy.contest, copy.figures().options["ivanov"]) == (single, 1200)
