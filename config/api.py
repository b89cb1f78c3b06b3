"""DRF glue: domain errors become HTTP answers here, once (services never import DRF, views do not catch)."""

import traceback
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from config.domain_errors import DomainError

# psycopg 3 refuses a NUL character in a query parameter before sending the query (so the
# transaction is intact) with a DataError, where psycopg2 raised the ValueError that Django and DRF
# lookups catch. A NUL in a query string or a code looked up by slug is bad input, not a 500.
NUL_REFUSED = "cannot contain NUL (0x00)"
NUL_MESSAGE = "Text cannot contain NUL (0x00) characters."
# The json module's parser recurses once per nesting level and gives up with a RecursionError
# (about 1,000 levels), which DRF's JSONParser does not turn into a ParseError.
TOO_DEEP_MESSAGE = "JSON parse error - nested too deeply."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors to their `http_status`, hostile bodies to 4xx; anything else to DRF's.

    A DomainError (config.domain_errors: 400 bad input, 403 refused, 404, 409 conflict) answers
    {field: [message]} when it names a field, else {"detail": text}; views let it through.
    """
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(domain_error_body(exc), status=exc.http_status)
    return _bad_input(exc) or drf_exception_handler(exc, context)


def domain_error_body(exc: DomainError) -> dict[str, Any]:
    """{field: [message]} for an error naming a field (as DRF's ValidationError), else {"detail": text}.

    The text is str(exc): the message, with the row and column for a file's error (RosterFileError).
    """
    return {exc.field: [exc.message]} if exc.field else {"detail": str(exc)}


def _bad_input(exc: Exception) -> Response | None:
    """A JSON 4xx for hostile input DRF does not answer itself: too big, nested too deep, NUL."""
    if isinstance(exc, RequestDataTooBig):  # DRF returns None for it; Django would send a bare 400
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"Request body too large: the limit is {limit} bytes."
        return Response({"detail": detail}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, RecursionError) and _raised_by_json_decoder(exc):
        return Response({"detail": TOO_DEEP_MESSAGE}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DataError) and NUL_REFUSED in str(exc):
        return Response({"detail": NUL_MESSAGE}, status=status.HTTP_400_BAD_REQUEST)
    return None


def _raised_by_json_decoder(exc: BaseException) -> bool:
    # Only the parser's recursion is bad input; a recursion bug anywhere else stays a 500.
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and frames[-1].filename.endswith(("json/decoder.py", "json\\decoder.py"))
