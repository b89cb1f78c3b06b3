"""The base of every app's domain errors: a message for people, the field at fault, an HTTP meaning.

Each app keeps one hierarchy under it (elections.errors, observers.errors, tallies.errors); services
raise them and never import DRF or build responses. They become HTTP answers in two places only:
config.api.exception_handler for the API, config.form_errors.show_error for pages.

HTTP meanings (`http_status`, a class attribute each subclass states):
    400 bad input (the default) · 403 refused to this caller · 404 not found · 409 conflict with
    what is stored (a key reused with another body, a record locked by another job).
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A refusal by a service: `message` (text for people) and `field` (the input at fault, or None).

    `str(error)` is the message, or "field: message" for subclasses that say so (FieldError).
    The API answers {field: [message]} when `field` is set, else {"detail": message}, with
    `http_status`.
    """

    http_status = 400

    def __init__(self, message: str | Promise = "", field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class FieldNamedError(DomainError):
    """A DomainError whose field is always named: `str(error)` is "field: message"."""

    field: str

    def __init__(self, field: str, message: str | Promise) -> None:
        super().__init__(message, field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
