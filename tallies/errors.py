"""Domain errors of the tallies app, each naming the field at fault where there is one.

HTTP (config.api.exception_handler, from `http_status`): TalliesError, FieldError and
ImportFileError 400; NotAssignedError 403; IdempotencyConflict and StationBusy 409.
"""

from __future__ import annotations

from django.utils.functional import Promise

from config.domain_errors import DomainError, FieldNamedError


class TalliesError(DomainError):
    """Base class of tallies errors (400 unless a subclass says otherwise)."""


class FieldError(FieldNamedError, TalliesError):
    """Input that cannot be stored: `field` names it (e.g. "lines.ballots_valid", "station")."""


class IdempotencyConflict(TalliesError):
    """A client_uuid already used for a copy of another station, contest or observer (409).

    `field` is "client_uuid": the API answers {"client_uuid": [message]}.
    """

    http_status = 409

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message, "client_uuid")


class StationBusy(TalliesError):
    """A station's tally rows stayed locked longer than settings.TALLY_LOCK_TIMEOUT seconds (409).

    Another job holds them (a recompute, another station's job of the same commissions). Nothing
    was written; the caller tries again later (the tally job goes back to its queue).
    """

    http_status = 409

    def __init__(self, state_id: int) -> None:
        super().__init__(f"station tally state {state_id}: tally rows locked by another job")
        self.state_id = state_id


class ImportFileError(TalliesError):
    """An official results file that cannot be imported; the message names the row and column."""


class NotAssignedError(FieldError):
    """A copy from an observer with no live mandate for the station (HTTP 403).

    A FieldError on "station" too, so the web form shows it next to the station it names.
    """

    http_status = 403

    def __init__(self, message: str | Promise) -> None:
        super().__init__("station", message)
