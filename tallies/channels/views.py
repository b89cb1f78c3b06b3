"""Webhooks: /channels/sms/<gateway id>/ and /channels/telegram/<bot id>/, authenticated by secrets.

Not part of the REST API (no session, no token): a gateway proves itself with the shared secret
of its SmsGateway row, compared in constant time. Unknown or inactive gateways and wrong secrets
get 403 and nothing is logged or stored.
"""

from __future__ import annotations

import hmac
import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from observers.access import observer_for
from observers.models import Organization
from tallies.channels import gateways, sms, telegram, telegram_link
from tallies.models import ObserverContact, SmsGateway, TelegramBot


@csrf_exempt
def sms_webhook(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Receive one SMS from gateway `public_id`; answer with the reply in the gateway's shape.

    403 for an unknown or inactive gateway or a wrong secret; 405 for the wrong method; 400 for
    a body that is not the gateway's shape; 204 for an event that is not an incoming SMS.
    """
    gateway = (
        SmsGateway.objects.filter(
            public_id=public_id, is_active=True, organization__status=Organization.Status.APPROVED
        )
        .select_related("organization")
        .first()
    )
    if gateway is None:
        return HttpResponseForbidden()
    if request.method != gateways.METHODS[gateway.kind]:
        return HttpResponseNotAllowed([gateways.METHODS[gateway.kind]])
    try:
        payload = gateways.read(gateway.kind, request)
    except gateways.BadPayload as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    if not hmac.compare_digest(payload.secret.encode(), gateway.secret.encode()):
        return HttpResponseForbidden()
    if payload.sms is None:
        return HttpResponse(status=204)
    return gateways.respond(gateway.kind, sms.receive(gateway=gateway, sms=payload.sms))


SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # set by setWebhook's secret_token


@csrf_exempt
def telegram_webhook(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Receive one Bot API update for bot `public_id` (POST JSON); answer 200 once handled.

    403 for an unknown or inactive bot or a wrong X-Telegram-Bot-Api-Secret-Token (nothing
    logged); 405 for other methods; 400 for a body that is not JSON. The reply goes out by
    sendMessage (tallies/channels/telegram_api.py).
    """
    bot = (
        TelegramBot.objects.filter(
            public_id=public_id, is_active=True, organization__status=Organization.Status.APPROVED
        )
        .select_related("organization")
        .first()
    )
    secret = request.headers.get(SECRET_HEADER, "")
    if bot is None or not hmac.compare_digest(secret.encode(), bot.webhook_secret.encode()):
        return HttpResponseForbidden()
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        update = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return HttpResponse("body is not JSON", status=400, content_type="text/plain")
    telegram.receive_update(bot=bot, update=update)
    return HttpResponse(status=200)


@login_required
@require_http_methods(["GET", "POST"])
def telegram_link_code(request: HttpRequest) -> HttpResponse:
    """The observer's page "Telegram": POST shows a fresh one-time code to send the bot (once)."""
    observer = observer_for(request.user)
    code = telegram_link.issue_link_code(observer) if request.method == "POST" else None
    context = {
        "code": code,
        "minutes": int(telegram_link.LINK_CODE_TTL.total_seconds() // 60),
        "linked": ObserverContact.objects.filter(observer=observer, telegram_user_id__isnull=False).exists(),
    }
    return render(request, "tallies/telegram_link.html", context)
