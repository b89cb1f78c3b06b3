"""DRF glue: domain errors become HTTP errors in one place (services never import DRF)."""

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from elections.services import ElectionsError
from tallies.errors import FieldError, IdempotencyConflict, NotAssignedError, TalliesError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map TalliesError subclasses to 400/403/409 bodies that name the field; defer to DRF otherwise."""
    if isinstance(exc, NotAssignedError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, FieldError):
        return Response({exc.field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IdempotencyConflict):
        return Response({"client_uuid": [str(exc)]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, TalliesError | ElectionsError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
