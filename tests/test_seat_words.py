"""Seats are «места» (ru) / «орындар» (kk) in every message, never «мандаты», which the app keeps for
the observers' mandates (issue 13: «Мандаты» meant both)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

MANDATE_WORD = re.compile("мандат", re.IGNORECASE)
SEAT_WORD = {"ru": re.compile("мест", re.IGNORECASE), "kk": re.compile("орын", re.IGNORECASE)}


def entries(language: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of the language's catalogue, plural forms joined."""
    text = (Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po").read_text("utf-8")
    found = []
    for block in text.split("\n\n"):
        ids = re.findall(r'^msgid(?:_plural)? ((?:".*"\n?)+)', block, re.M)
        strs = re.findall(r"^msgstr(?:\[\d\])? ((?:\".*\"\n?)+)", block, re.M)
        join = lambda parts: " ".join("".join(re.findall(r'"(.*)"', part)) for part in parts)  # noqa: E731
        if ids:
            found.append((join(ids), join(strs)))
    return found


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_message_about_seats_says_mandates(language):
    seats = [(msgid, msgstr) for msgid, msgstr in entries(language) if re.search(r"\bseats?\b", msgid, re.I)]

    assert len(seats) > 10
    assert [pair for pair in seats if MANDATE_WORD.search(pair[1])] == []
    assert [pair for pair in seats if pair[1] and not SEAT_WORD[language].search(pair[1])] == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_observers_mandates_stay_mandates(language):
    mandates = [
        msgstr
        for msgid, msgstr in entries(language)
        if re.search(r"\bmandates?\b", msgid, re.I) and "single-member" not in msgid.lower()
    ]

    assert mandates and all(MANDATE_WORD.search(msgstr) for msgstr in mandates if msgstr)
