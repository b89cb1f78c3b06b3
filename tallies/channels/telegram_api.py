"""Telegram: the update shapes the bot reads, and the calls it makes to the configured Bot API
(sendMessage with inline buttons, answerCallbackQuery, getFile).

Parsed by hand: the project depends on no Telegram library (requirements.txt), and the bot
reads a handful of fields; tests post recorded update shapes (tests/tallies/channels).

Shapes from the Bot API reference (https://core.telegram.org/bots/api#update): an Update has
``update_id`` and one of ``message``, ``edited_message``, ``callback_query`` (with its own
``message`` and ``data``), …; a Message has ``message_id``, ``from.id``, ``chat.id``, ``date``,
``edit_date`` (edited only), ``text`` or ``caption``, ``photo`` (one PhotoSize per size),
``media_group_id`` (photos sent as one album arrive as one message each, sharing it).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from tallies.models import TelegramBot

logger = logging.getLogger(__name__)
TIMEOUT = 10  # seconds for one Bot API call


@dataclass(frozen=True)
class Incoming:
    """What the bot acts on in one update; `edit_date` is 0 unless the message was edited."""

    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    edit_date: int
    text: str
    has_photo: bool
    photo_file_id: str = ""  # the largest of the sizes Telegram sent
    photo_unique_id: str = ""
    callback_id: str = ""  # a pressed button (callback_query): its id, to answerCallbackQuery
    media_group_id: str = ""  # the album a photo was sent in, if any


def read_update(update: Any) -> Incoming | None:
    """The message (new, edited, or under a pressed button) in `update`; None for other kinds."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return None
    found = _message(update)
    if found is None:
        return None
    message, text, callback_id = found
    try:
        return Incoming(
            update_id=update["update_id"],
            user_id=int(message["from"]["id"]),
            chat_id=int(message["chat"]["id"]),
            message_id=int(message["message_id"]),
            edit_date=int(message.get("edit_date") or 0),
            text=text,
            has_photo=bool(message.get("photo")),
            callback_id=callback_id,
            media_group_id=str(message.get("media_group_id") or ""),
            **_largest_photo(message.get("photo")),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _message(update: dict[str, Any]) -> tuple[dict[str, Any], str, str] | None:
    """The message of `update`, its text (a caption under a photo, a pressed button's data) and
    the callback query's id ("" unless a button was pressed).

    A button's message is the bot's own message that carries the keyboard, so its "from" is
    the bot: the sender is the query's "from", the user who pressed.
    """
    for key in ("message", "edited_message"):
        message = update.get(key)
        if isinstance(message, dict):
            return message, str(message.get("text") or message.get("caption") or ""), ""
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict) and query.get("id"):
        message = {**query["message"], "from": query.get("from")}
        return message, str(query.get("data") or ""), str(query["id"])
    return None


def _largest_photo(sizes: Any) -> dict[str, str]:
    """file_id and file_unique_id of the largest PhotoSize (by pixels, then bytes); {} if none."""
    if not isinstance(sizes, list):
        return {}
    valid = [s for s in sizes if isinstance(s, dict) and s.get("file_id") and s.get("file_unique_id")]
    if not valid:
        return {}
    size = max(valid, key=lambda s: (int(s.get("width", 0)) * int(s.get("height", 0)), s.get("file_size", 0)))
    return {"photo_file_id": str(size["file_id"]), "photo_unique_id": str(size["file_unique_id"])}


def download_file(bot: TelegramBot, file_id: str, limit: int) -> bytes | None:
    """getFile, then GET <base>/file/bot<token>/<file_path>; the bytes, or None (logged) on a
    failure or above `limit` bytes."""
    base = _base(bot)
    body = json.dumps({"file_id": file_id}).encode()
    request = urllib.request.Request(
        f"{base}/bot{bot.token}/getFile", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            path = json.loads(response.read(65536))["result"]["file_path"]
        with urllib.request.urlopen(f"{base}/file/bot{bot.token}/{path}", timeout=TIMEOUT) as response:
            data = bytes(response.read(limit + 1))
    except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("telegram getFile failed for bot %s: %s", bot.pk, error)
        return None
    return data if len(data) <= limit else None


def _base(bot: TelegramBot) -> str:
    return (bot.api_base_url or settings.TELEGRAM_BOT_API_URL).rstrip("/")


Keyboard = list[list[tuple[str, str]]]  # rows of (button label, callback data) buttons
MAX_TEXT = 4096  # characters of one message (Bot API sendMessage)


def send_message(bot: TelegramBot, chat_id: int, text: str, keyboard: Keyboard | None = None) -> bool:
    """POST sendMessage to the bot's Bot API base URL, with inline `keyboard` buttons if any;
    False (logged) when the call fails."""
    body: dict[str, Any] = {"chat_id": chat_id, "text": text[:MAX_TEXT]}
    if keyboard:
        body["reply_markup"] = {
            "inline_keyboard": [
                [{"text": label, "callback_data": data} for label, data in row] for row in keyboard
            ]
        }
    return _call(bot, "sendMessage", body)


def answer_callback_query(bot: TelegramBot, callback_id: str, text: str = "") -> bool:
    """POST answerCallbackQuery (stops the button's spinner; `text` shown as a notice if any)."""
    body: dict[str, Any] = {"callback_query_id": callback_id}
    if text:
        body["text"] = text[:200]  # the Bot API's limit for a notice
    return _call(bot, "answerCallbackQuery", body)


def _call(bot: TelegramBot, method: str, body: dict[str, Any]) -> bool:
    request = urllib.request.Request(
        f"{_base(bot)}/bot{bot.token}/{method}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return bool(200 <= response.status < 300)
    except (urllib.error.URLError, OSError) as error:
        logger.warning("telegram %s failed for bot %s: %s", method, bot.pk, error)
        return False
