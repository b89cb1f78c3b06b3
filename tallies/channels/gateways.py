"""The payload shapes SMS gateways post, and the reply each expects.

- Telerivet (webhook API, https://telerivet.com/api/webhook): POST, form-encoded or JSON, with
  ``secret``, ``event`` ("incoming_message"), ``id``, ``from_number``, ``content``; a JSON
  ``{"messages": [{"content": …}]}`` answer is sent back to the sender.
- RapidPro / TextIt (a flow's webhook or an external channel's form post): POST form with
  ``from``, ``text``, ``id``; the secret as ``secret`` or an ``Authorization: Token …`` header;
  answered with JSON ``{"reply": …}``.
- Kannel (sms-service ``get-url``, e.g. ``…?from=%p&text=%a&id=%I&secret=…``): GET; the
  text/plain body of the answer is Kannel's reply SMS.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict

from tallies.channels.sms import InboundSms
from tallies.models import SmsGateway

Kind = SmsGateway.Kind
METHODS: dict[str, str] = {Kind.TELERIVET: "POST", Kind.RAPIDPRO: "POST", Kind.KANNEL: "GET"}


class BadPayload(ValueError):
    """A body that is not the gateway's shape (e.g. broken JSON): HTTP 400."""


@dataclass(frozen=True)
class Payload:
    """The secret a request carries and its SMS (None: an event that is not an incoming SMS)."""

    secret: str
    sms: InboundSms | None


def read(kind: str, request: HttpRequest) -> Payload:
    """Read `request` as gateway `kind` posts it. Raises BadPayload."""
    if kind == Kind.TELERIVET:
        return _telerivet(_fields(request))
    if kind == Kind.RAPIDPRO:
        return _rapidpro(request)
    return _kannel(request.GET)


def respond(kind: str, reply: str) -> HttpResponse:
    """The HTTP answer that makes gateway `kind` send `reply` back to the observer."""
    if kind == Kind.TELERIVET:
        return JsonResponse({"messages": [{"content": reply}]})
    if kind == Kind.RAPIDPRO:
        return JsonResponse({"reply": reply})
    return HttpResponse(reply, content_type="text/plain; charset=utf-8")


def _fields(request: HttpRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BadPayload("body is not JSON") from error
        if not isinstance(body, dict):
            raise BadPayload("body is not a JSON object")
        return {key: str(value) for key, value in body.items() if isinstance(value, str | int)}
    return {key: request.POST.get(key, "") for key in request.POST}


def _telerivet(fields: dict[str, str]) -> Payload:
    secret = fields.get("secret", "")
    if fields.get("event", "incoming_message") != "incoming_message":
        return Payload(secret, None)  # e.g. "send_status": nothing to store
    sms = InboundSms(fields.get("id", ""), fields.get("from_number", ""), fields.get("content", ""))
    return Payload(secret, sms)


def _rapidpro(request: HttpRequest) -> Payload:
    fields = _fields(request)
    header = request.headers.get("Authorization", "")
    secret = (
        header.removeprefix("Token ").strip() if header.startswith("Token ") else fields.get("secret", "")
    )
    sms = InboundSms(fields.get("id", ""), fields.get("from", ""), fields.get("text", ""))
    return Payload(secret, sms)


def _kannel(query: QueryDict) -> Payload:
    sms = InboundSms(query.get("id", ""), query.get("from", ""), query.get("text", ""))
    return Payload(query.get("secret", ""), sms)
