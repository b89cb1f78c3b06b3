"""Telegram: the update shapes the bot reads, and the calls it makes to the configured Bot API
(sendMessage with inline buttons, answerCallbackQuery, getFile).

Updates are parsed with python-telegram-bot's types (``telegram.Update.de_json``), used
synchronously for parsing only: the project runs no PTB Application, and its Bot object (the
bot's token, base URLs at the configured Bot API) is never asked to make a call. The outbound
calls below are plain JSON POSTs to the same base URL, so tests record them on a local server.

Shapes from the Bot API reference (https://core.telegram.org/bots/api#update): an Update has
``update_id`` and one of ``message``, ``edited_message``, ``callback_query`` (with its own
``message`` and ``data``), or another kind the bot does not act on (channel posts, member
changes, polls, kinds newer than the library: ignored); a Message has ``message_id``,
``from``, ``chat``, ``date``, ``edit_date`` (edited only), ``text`` or ``caption``, ``photo``
(one PhotoSize per size) or ``document`` (a photo sent as a file: an image MIME type), ``media_group_id``
(an album arrives as one message per photo).
"""

from __future__ import annotations

import functools
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from telegram import Bot, Document, Message, PhotoSize, Update
from telegram.error import TelegramError

from observers.services.evidence import MAX_UPLOAD_BYTES
from tallies.channels import sms
from tallies.models import TelegramBot

logger = logging.getLogger(__name__)
TIMEOUT = 10  # seconds for one Bot API call


@dataclass(frozen=True)
class Incoming:
    """What the bot acts on in one update; `edit_date` is 0 unless the message was edited
    (else its Unix time in seconds)."""

    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    edit_date: int
    text: str
    has_photo: bool
    photo_file_id: str = ""  # the largest of the sizes Telegram sent that we may fetch
    photo_unique_id: str = ""
    callback_id: str = ""  # a pressed button (callback_query): its id, to answerCallbackQuery
    media_group_id: str = ""  # the album a photo was sent in, if any


def read_update(bot: TelegramBot, data: Any) -> Incoming | None:
    """The message (new, edited, or under a pressed button) of the Bot API update `data` (the
    webhook's decoded JSON), parsed by telegram.Update.de_json; None for a kind the bot does not
    act on and for a body that is not an update (logged at INFO): the webhook still answers 200.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return None
    try:
        update = Update.de_json(data, _library_bot(bot.token, _base(bot)))
        return _incoming(update)
    except (TelegramError, TypeError, ValueError, KeyError, AttributeError) as error:
        logger.info("telegram update %s of bot %s not read: %r", data["update_id"], bot.pk, error)
        return None


@functools.lru_cache(maxsize=32)
def _library_bot(token: str, base: str) -> Bot:
    """The python-telegram-bot Bot that parsed objects refer to (one per token and base URL:
    building one takes about 0.1 s). Only for parsing: its methods are never called here."""
    return Bot(token, base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")


def _incoming(update: Update) -> Incoming | None:
    """A message's sender is its ``from``; a pressed button's message is the bot's own message
    carrying the keyboard, so there the sender is the query's ``from``, the user who pressed."""
    message = update.message or update.edited_message
    if message is not None:
        if message.from_user is None:  # sent on behalf of a channel or an anonymous admin
            return None
        return _read(update.update_id, message.from_user.id, message, message.text or message.caption or "")
    query = update.callback_query
    if query is not None and query.message is not None:
        return _read(update.update_id, query.from_user.id, query.message, query.data or "", query.id)
    return None


def _read(update_id: int, user_id: int, message: Any, text: str, callback_id: str = "") -> Incoming:
    """`message` is a Message, or an InaccessibleMessage under an old button (no photo, no edit)."""
    edited = getattr(message, "edit_date", None)
    sizes = message.photo if isinstance(message, Message) else ()
    photo: PhotoSize | Document | None = largest_photo(sizes, MAX_UPLOAD_BYTES)
    if photo is None and isinstance(message, Message):
        photo = image_document(message)
    return Incoming(
        update_id=update_id,
        user_id=user_id,
        chat_id=message.chat.id,
        message_id=message.message_id,
        edit_date=int(edited.timestamp()) if edited else 0,
        text=text,
        has_photo=photo is not None,
        photo_file_id=photo.file_id if photo else "",
        photo_unique_id=photo.file_unique_id if photo else "",
        callback_id=callback_id,
        media_group_id=(message.media_group_id or "") if isinstance(message, Message) else "",
    )


def largest_photo(sizes: Sequence[PhotoSize], limit: int) -> PhotoSize | None:
    """The largest of a photo's sizes (by pixels, then bytes) whose file_size is at most `limit`
    bytes (a size without file_size counts as fitting); the smallest size when none fits (its
    download is then refused by the limit); None for no sizes. Telegram does not sort them."""
    if not sizes:
        return None
    fitting = [size for size in sizes if (size.file_size or 0) <= limit]
    if not fitting:
        return min(sizes, key=lambda size: size.file_size or 0)
    return max(fitting, key=lambda size: (size.width * size.height, size.file_size or 0))


def image_document(message: Message) -> Document | None:
    """A photo sent "as a file" (uncompressed, as observers do to keep a protocol legible): the
    message's document when its MIME type is an image; None otherwise. It is then read as a
    photo; the evidence service still checks its content, size and pixels and strips its metadata."""
    document = message.document
    if document is None or not (document.mime_type or "").startswith("image/"):
        return None
    return document


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


@dataclass
class Answer(sms.Handled):
    """A Handled with what only a bot has: buttons under the reply, a notice for a pressed button."""

    keyboard: Keyboard | None = None
    notice: str = ""


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
