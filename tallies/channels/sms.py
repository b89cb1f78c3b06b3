"""Receive one SMS from a gateway: log it, store the copy it carries, compose and log the reply.

The copy goes through tallies.services.submission.submit_protocol_copy (channel "sms"), so the
mandate rule, validation, control-relation findings and tally scheduling are the web form's.
Idempotency: the gateway's message id gives a deterministic client_uuid (uuid5), so a gateway
retrying a message stores it once; a message resent by hand with the same figures as the
observer's newest copy stores nothing new either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from elections.models import Contest, PollingStation
from observers.models import Observer
from tallies.channels import sms_figures
from tallies.channels.sms_format import ParsedSms, parse
from tallies.errors import FieldError, IdempotencyConflict
from tallies.models import (
    ChannelMessage,
    ObserverContact,
    ProtocolCopy,
    SmsGateway,
    TelegramBot,
)
from tallies.services.submission import submit_protocol_copy

MAX_LENGTH = 640  # characters: four concatenated SMS; longer is not one protocol, so refused
ECHO_LENGTH = 160  # characters of the message echoed in the reply (one SMS)
NAMESPACE = uuid.UUID("5b0c6f0e-8a53-4f0e-9d0e-1b5d2c9a7e18")  # of client_uuids from gateway ids

Outcome = ChannelMessage.Outcome


@dataclass(frozen=True)
class InboundSms:
    """One SMS as a gateway reports it: its id at the gateway, the sender's number, the text."""

    message_id: str
    sender: str
    text: str


@dataclass
class Handled:
    """What became of a message: its outcome, the observer and copy if any, the reply text."""

    outcome: str
    reply: str
    observer: Observer | None = None
    copy: ProtocolCopy | None = None


def client_uuid(gateway: SmsGateway, sms: InboundSms) -> uuid.UUID:
    """The copy's idempotency key: uuid5 of the gateway and its message id (or sender and text)."""
    key = sms.message_id or f"{sms.sender}\n{sms.text}"
    return uuid.uuid5(NAMESPACE, f"sms:{gateway.public_id}:{key}")


def receive(*, gateway: SmsGateway, sms: InboundSms) -> str:
    """Log `sms`, store the copy it carries if it can, log and return the reply (plain text)."""
    inbound = ChannelMessage.objects.create(
        organization_id=gateway.organization_id,
        gateway=gateway,
        direction=ChannelMessage.Direction.IN,
        external_id=sms.message_id[:200],
        sender=sms.sender[:64],
        text=sms.text[:MAX_LENGTH],
        outcome=Outcome.REFUSED,
    )
    handled = _handle(gateway, sms)
    inbound.outcome, inbound.observer, inbound.copy = handled.outcome, handled.observer, handled.copy
    inbound.save(update_fields=["outcome", "observer", "copy"])
    ChannelMessage.objects.create(
        organization_id=gateway.organization_id,
        gateway=gateway,
        direction=ChannelMessage.Direction.OUT,
        observer=handled.observer,
        sender=sms.sender[:64],
        text=handled.reply,
        outcome=Outcome.REPLY,
        copy=handled.copy,
        in_reply_to=inbound,
    )
    return handled.reply


def language(observer: Observer, channel: SmsGateway | TelegramBot) -> str:
    """The observer's reply language, else the gateway's or bot's."""
    return _language(observer, channel)


def _handle(gateway: SmsGateway, sms: InboundSms) -> Handled:
    with translation.override(gateway.language):
        if len(sms.text) > MAX_LENGTH:
            return Handled(Outcome.REFUSED, too_long(sms))
        parsed = parse(sms.text)
        observer = sms_figures.find_observer(gateway.organization, parsed, sms.sender)
        if observer is None:
            return Handled(Outcome.REFUSED, _unknown_observer(parsed, sms))
    with translation.override(_language(observer, gateway)):
        handled = for_observer(key=client_uuid(gateway, sms), sms=sms, observer=observer, parsed=parsed)
        handled.observer = observer
        return handled


def _language(observer: Observer, gateway: SmsGateway | TelegramBot) -> str:
    contact = ObserverContact.objects.filter(observer=observer).first()
    return contact.language if contact and contact.language else gateway.language


def for_observer(
    *,
    key: uuid.UUID,
    sms: InboundSms,
    observer: Observer,
    parsed: ParsedSms,
    channel: str = ProtocolCopy.Channel.SMS,
) -> Handled:
    """Store the copy `parsed` carries for a known `observer` under idempotency `key`; the reply.

    In the active language. Also used by the Telegram bot, whose observer is known by account.
    """
    if not observer.is_active:
        return Handled(Outcome.REFUSED, _with_echo(_("Your observer account is not active."), sms))
    station = sms_figures.find_station(observer, parsed.station_number)
    if station is None:
        text = _("You have no live mandate for polling station %(number)s, so you cannot send its copy.")
        return Handled(Outcome.REFUSED, _with_echo(text % {"number": parsed.station_number or "?"}, sms))
    contest = sms_figures.find_contest(station, parsed.contest)
    if isinstance(contest, str):
        return Handled(Outcome.INCOMPLETE, _with_echo(contest, sms))
    return _submit(key, sms, observer, station, contest, parsed, channel)


def _submit(
    key: uuid.UUID,
    sms: InboundSms,
    observer: Observer,
    station: PollingStation,
    contest: Contest,
    parsed: ParsedSms,
    channel: str,
) -> Handled:
    figures = sms_figures.read_figures(contest, parsed)
    if figures.missing or figures.not_understood:
        return Handled(Outcome.INCOMPLETE, _with_echo(_incomplete(figures), sms))
    newest = (
        ProtocolCopy.objects.sent_by(observer)
        .filter(contest=contest, station=station, revised_by__isnull=True)
        .first()
    )
    if newest and newest.client_uuid != key and same_figures(newest, figures):
        return Handled(Outcome.DUPLICATE, _with_echo(receipt(newest, created=False), sms), copy=newest)
    try:
        submitted = submit_protocol_copy(
            observer=observer,
            contest=contest,
            station=station,
            lines=figures.lines,
            options=figures.options,
            client_uuid=key,
            channel=channel,
            revises=newest,
            missing=figures.marked,
        )
    except (FieldError, IdempotencyConflict) as error:
        return Handled(Outcome.REFUSED, _with_echo(getattr(error, "message", str(error)), sms))
    outcome = Outcome.STORED if submitted.created else Outcome.DUPLICATE
    return Handled(outcome, _with_echo(receipt(submitted.copy, submitted.created), sms), copy=submitted.copy)


def same_figures(copy: ProtocolCopy, figures: sms_figures.SmsFigures) -> bool:
    """Whether `copy` holds exactly the counts of `figures` (a resend by hand stores nothing new)."""
    stored = copy.figures()
    return stored.lines == figures.lines and stored.options == figures.options


def receipt(copy: ProtocolCopy, created: bool) -> str:
    """The receipt in the active language ("Stored: station 91, party-list, copy no. 12."), then
    the control relations the copy's figures break (its ControlFinding rows)."""
    values = {"station": copy.station.number, "contest": copy.contest.slug, "copy": copy.pk}
    if created:
        text = _("Stored: station %(station)s, %(contest)s, copy no. %(copy)s.") % values
    else:
        text = _("Already stored: station %(station)s, %(contest)s, copy no. %(copy)s.") % values
    language = translation.get_language() or "en"
    broken = [
        f.relation.labels.get(language) or f.relation.code for f in copy.findings.select_related("relation")
    ]
    if broken:
        text += " " + _("Check against the protocol: %(relations)s.") % {"relations": "; ".join(broken)}
    return text


def _incomplete(figures: sms_figures.SmsFigures) -> str:
    parts = [_("Nothing stored.")]
    if figures.not_understood:
        parts.append(_("Not understood: %(items)s.") % {"items": ", ".join(figures.not_understood)})
    if figures.missing:
        parts.append(_("Missing: %(items)s.") % {"items": ", ".join(figures.missing)})
    return " ".join(parts)


def too_long(sms: InboundSms) -> str:
    """The refusal of an overlong message, with the echo."""
    text = _("Nothing stored: the message has %(length)s characters, at most %(limit)s are read.")
    return _with_echo(text % {"length": len(sms.text), "limit": MAX_LENGTH}, sms)


def _unknown_observer(parsed: ParsedSms, sms: InboundSms) -> str:
    text = _("Nothing stored: no observer with code %(code)s is registered with this phone number.")
    return _with_echo(text % {"code": parsed.observer_code or "?"}, sms)


def _with_echo(text: str, sms: InboundSms) -> str:
    echo = sms.text if len(sms.text) <= ECHO_LENGTH else sms.text[: ECHO_LENGTH - 1] + "…"
    return text + " " + _("You sent: %(text)s") % {"text": echo}
