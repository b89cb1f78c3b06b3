"""Domain errors of the observers app: one base, each error naming the input at fault.

HTTP (config.api.exception_handler, from `http_status`; pages use config.form_errors.show_error):
every one is bad input, 400, except ClientKeyConflict, 409 (a key sent again with another body).
The API answers {field: [message]}, or {"detail": message} for an error without a field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from config.domain_errors import DomainError, FieldNamedError

if TYPE_CHECKING:
    from observers.services.roster import RowError

KEY_REUSED = _(
    "This key (client_uuid) was sent before with another value here. Send the first one again"
    " unchanged, or send this one with a new key."
)


class ObserversError(DomainError):
    """Base class of observers errors (400 unless a subclass says otherwise)."""


class FieldWorkError(FieldNamedError, ObserversError):
    """Input a field-work service refuses; `field` names the input at fault (e.g. "station")."""


class ClientKeyConflict(FieldWorkError):
    """A client key sent again with another body; `field` names the first field that differs (409)."""

    http_status = 409

    def __init__(self, field: str) -> None:
        super().__init__(field, KEY_REUSED)


class RosterError(FieldNamedError, ObserversError):
    """An observer the service refuses to add; `field` names the input at fault ("phone")."""


class RosterImportError(ObserversError):
    """An import refused because its rows are not clean; `errors` lists them (nothing was created)."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors in the roster")
        self.errors = errors


class RosterFileError(ObserversError):
    """A file that cannot be read as a roster: where (`row`, `column`) and why (`message`)."""

    def __init__(self, row: int, column: str, message: str | Promise) -> None:
        super().__init__(message)
        self.row = row
        self.column = column

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class EvidenceRefused(ObserversError):
    """An upload that is not stored; `message` tells the observer why, `field` names the input."""

    field: str

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__(message, field)


class MandateError(FieldNamedError, ObserversError):
    """A mandate change the service refuses; `field` names the input at fault (e.g. "status")."""
