"""Telegram updates as the Bot API sends them (recorded shapes), and posting them to the webhook.

Field sets follow updates recorded from a private chat with a bot: a message, the same message
edited, a photo in the sizes Telegram sends, and a callback_query (a pressed inline button),
whose message is the bot's own message carrying the keyboard.
"""

from __future__ import annotations

import json

from django.urls import reverse

from tallies.models import TelegramBot

ALICE_TG = 5_123_456_789  # Telegram user ids exceed 32 bits
BOT_USER = {"id": 7_000_000_001, "is_bot": True, "first_name": "Golos", "username": "golos_bot"}


def message(update_id: int, text: str, message_id: int = 1365, edited: bool = False, **extra) -> dict:
    """An update as the Bot API sends it (fields as in a recorded private-chat message)."""
    body = {
        "message_id": message_id,
        "from": {"id": ALICE_TG, "is_bot": False, "first_name": "Alice", "language_code": "ru"},
        "chat": {"id": ALICE_TG, "first_name": "Alice", "type": "private"},
        "date": 1733612400,
        **({"text": text} if text else {}),  # a photo has a caption, not a text
        **extra,
    }
    if edited:
        body["edit_date"] = 1733612460
    return {"update_id": update_id, ("edited_message" if edited else "message"): body}


def post(client, bot: TelegramBot, update: dict, secret: str | None = None):
    return client.post(
        reverse("channel-telegram-webhook", args=[bot.public_id]),
        json.dumps(update),
        "application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=bot.webhook_secret if secret is None else secret,
    )


PHOTO = [  # one photo in the sizes Telegram sends, the largest not last
    {"file_id": f"AgAD{n}", "file_unique_id": f"u{n}", "width": w, "height": w * 3 // 4}
    for n, w in ((0, 90), (2, 1280), (1, 320))
]

ALBUM = [  # a second photo sent in the same album: other file ids, the same media_group_id
    {
        **size,
        "file_id": size["file_id"].replace("AgAD", "AgAE"),
        "file_unique_id": size["file_unique_id"] + "e",
    }
    for size in PHOTO
]


def buttons(calls: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    """(label, callback data) of the buttons of the bot's last message with buttons, from the
    Bot API calls the local server recorded."""
    markup = next(body["reply_markup"] for _path, body in reversed(calls) if "reply_markup" in body)
    return [(button["text"], button["callback_data"]) for row in markup["inline_keyboard"] for button in row]


def press(
    update_id: int, data: str, message_id: int = 2000, user_id: int = ALICE_TG, query_id: str = ""
) -> dict:
    """A callback_query: `user_id` pressed a button with callback `data` under the bot's message."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"43821{update_id:06d}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Alice", "language_code": "ru"},
            "message": {
                "message_id": message_id,
                "from": BOT_USER,
                "chat": {"id": ALICE_TG, "first_name": "Alice", "type": "private"},
                "date": 1733612500,
                "text": "…",
                "reply_markup": {"inline_keyboard": [[{"text": "…", "callback_data": data}]]},
            },
            "chat_instance": "-8841416371290571744",
            "data": data,
        },
    }
