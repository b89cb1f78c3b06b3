"""The bare endpoint P1 compares the submission API with: the whole middleware stack, no work."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def hello(request: HttpRequest) -> JsonResponse:
    """Answer any GET or POST with {"ok": true}, ignoring the body."""
    return JsonResponse({"ok": True})
