"""The Telegram bot: link an account with a one-time code, then take copies in the SMS format.

An observer linked once (``/start <code>`` or ``/link <code>``, the code from the web page
"Telegram") sends one message ``<station> [<contest>] <line>=<n> … P<option>=<n>`` (their
observer code first is allowed, as in an SMS). The copy goes through the same path as an SMS
(tallies.channels.sms.for_observer), so the mandate rule, findings and receipts are the same.

Resends: Telegram retries an update it got no 2xx for; an update id already logged is not
handled again. The copy's client_uuid is uuid5 of the bot, chat, message id and edit date, so
the same message stores once and an edited message changing a figure becomes a revision.
A photo (no caption, or a station number) becomes evidence of the observer's latest copy.
"""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from observers.models import Observer
from observers.services import evidence
from tallies.channels import sms, sms_figures, telegram_api, telegram_link
from tallies.channels.sms_format import parse
from tallies.channels.telegram_api import Incoming, read_update, send_message
from tallies.models import ChannelMessage, ObserverContact, ProtocolCopy, TelegramBot
from tallies.services import photos

Outcome = ChannelMessage.Outcome
TELEGRAM = ProtocolCopy.Channel.TELEGRAM
LINK_COMMANDS = ("/start", "/link")


def client_uuid(bot: TelegramBot, incoming: Incoming) -> uuid.UUID:
    """The copy's idempotency key: the same message (and edit) of the same chat gives the same key."""
    key = f"tg:{bot.public_id}:{incoming.chat_id}:{incoming.message_id}:{incoming.edit_date}"
    return uuid.uuid5(sms.NAMESPACE, key)


def receive_update(*, bot: TelegramBot, update: object) -> str | None:
    """Handle one Bot API update: log it, link or store, send and log the reply; return the reply.

    None (nothing logged or sent) for updates the bot does not act on and for retries of an
    update already handled.
    """
    incoming = read_update(update)
    if incoming is None or _seen(bot, incoming):
        return None
    logged = telegram_link.masked(incoming.text)[: sms.MAX_LENGTH]
    inbound = _log(bot, incoming, ChannelMessage.Direction.IN, logged, None)
    handled = _handle(bot, incoming)
    inbound.outcome, inbound.observer, inbound.copy = handled.outcome, handled.observer, handled.copy
    inbound.save(update_fields=["outcome", "observer", "copy"])
    outbound = _log(bot, incoming, ChannelMessage.Direction.OUT, handled.reply, handled.observer)
    outbound.copy, outbound.in_reply_to, outbound.external_id = handled.copy, inbound, ""
    outbound.save(update_fields=["copy", "in_reply_to", "external_id"])
    send_message(bot, incoming.chat_id, handled.reply)
    return handled.reply


def _seen(bot: TelegramBot, incoming: Incoming) -> bool:
    inbound = ChannelMessage.objects.filter(bot=bot, direction=ChannelMessage.Direction.IN)
    return inbound.filter(external_id=str(incoming.update_id)).exists()


def _log(
    bot: TelegramBot, incoming: Incoming, direction: str, text: str, observer: Observer | None
) -> ChannelMessage:
    return ChannelMessage.objects.create(
        organization_id=bot.organization_id,
        channel=ChannelMessage.Channel.TELEGRAM,
        bot=bot,
        direction=direction,
        observer=observer,
        external_id=str(incoming.update_id),
        sender=str(incoming.user_id),
        chat=str(incoming.chat_id),
        text=text,
        outcome=Outcome.REPLY if direction == ChannelMessage.Direction.OUT else Outcome.REFUSED,
    )


def _handle(bot: TelegramBot, incoming: Incoming) -> sms.Handled:
    command, argument = telegram_link.command(incoming.text)
    if command in LINK_COMMANDS:
        return _link(bot, incoming, argument)
    if telegram_link.lone_code(incoming.text):
        with translation.override(bot.language):
            return sms.Handled(Outcome.REFUSED, _("To link this Telegram account, send: /link CODE"))
    contact = ObserverContact.objects.filter(
        telegram_user_id=incoming.user_id, observer__organization_id=bot.organization_id
    ).first()
    if contact is None:
        with translation.override(bot.language):
            return sms.Handled(Outcome.REFUSED, _not_linked())
    observer = contact.observer
    with translation.override(sms.language(observer, bot)):
        handled = _copy(bot, incoming, observer)
    handled.observer = observer
    return handled


def _link(bot: TelegramBot, incoming: Incoming, code: str) -> sms.Handled:
    if code and telegram_link.too_many_attempts(
        bot, user_id=incoming.user_id, chat_id=incoming.chat_id, update_id=incoming.update_id
    ):
        with translation.override(bot.language):
            return sms.Handled(Outcome.REFUSED, _("Too many wrong codes: try again in an hour."))
    observer = telegram_link.link(bot, incoming.user_id, code)
    if observer is None:
        with translation.override(bot.language):
            return sms.Handled(Outcome.REFUSED, _not_linked())
    with translation.override(sms.language(observer, bot)):
        text = _("Linked to observer %(code)s. Send a protocol as one message.") % {"code": observer.code}
    return sms.Handled(Outcome.REPLY, text, observer=observer)


def _copy(bot: TelegramBot, incoming: Incoming, observer: Observer) -> sms.Handled:
    message = sms.InboundSms(str(incoming.message_id), str(incoming.user_id), incoming.text)
    if incoming.photo_file_id and (not incoming.text.strip() or incoming.text.strip().isdigit()):
        return _photo(bot, incoming, observer, incoming.text.strip())
    if len(message.text) > sms.MAX_LENGTH:
        return sms.Handled(Outcome.REFUSED, sms.too_long(message))
    parsed = parse(message.text)
    if parsed.observer_code != observer.code:
        parsed = parse(f"{observer.code} {message.text}")
    key = client_uuid(bot, incoming)
    return sms.for_observer(key=key, sms=message, observer=observer, parsed=parsed, channel=TELEGRAM)


def _photo(bot: TelegramBot, incoming: Incoming, observer: Observer, number: str) -> sms.Handled:
    """Store the largest size of a photo as evidence of the observer's latest copy (of station
    `number` when the caption names one), through the web's evidence path (EXIF/GPS stripped).
    """
    copies = ProtocolCopy.objects.filter(observer=observer).select_related("station")
    if number:
        station = sms_figures.find_station(observer, number)
        copies = copies.filter(station=station) if station is not None else copies.none()
    copy = copies.order_by("-submitted_at", "-id").first()
    if copy is None or observer.user is None:
        return sms.Handled(
            Outcome.INCOMPLETE, _("No copy of yours to add this photo to: send the figures first.")
        )
    data = telegram_api.download_file(bot, incoming.photo_file_id, evidence.MAX_UPLOAD_BYTES)
    if data is None:
        return sms.Handled(
            Outcome.INCOMPLETE, _("The photo could not be fetched from Telegram: send it again.")
        )
    upload = SimpleUploadedFile(f"telegram-{incoming.photo_unique_id}.jpg", data)
    try:
        added = photos.add_copy_photos(copy=copy, uploads=[upload], user=observer.user)
    except evidence.EvidenceRefused as error:
        return sms.Handled(Outcome.REFUSED, error.message, copy=copy)
    values = {"copy": copy.pk, "station": copy.station.number}
    if added:
        return sms.Handled(
            Outcome.STORED, _("Photo stored with copy no. %(copy)s, station %(station)s.") % values, copy=copy
        )
    text = _("This photo is already stored with copy no. %(copy)s, station %(station)s.") % values
    return sms.Handled(Outcome.DUPLICATE, text, copy=copy)


def _not_linked() -> str:
    return _(
        "This Telegram account is not linked to an observer. Get a one-time code on the "
        "Telegram page of the site and send: /link CODE"
    )
