"""The SMS webhook: /channels/sms/<gateway public id>/, authenticated by the gateway's secret.

Not part of the REST API (no session, no token): a gateway proves itself with the shared secret
of its SmsGateway row, compared in constant time. Unknown or inactive gateways and wrong secrets
get 403 and nothing is logged or stored.
"""

from __future__ import annotations

import hmac
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from observers.models import Organization
from tallies.channels import gateways, sms
from tallies.models import SmsGateway


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
