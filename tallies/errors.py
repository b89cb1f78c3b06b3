"""Domain errors of the tallies app. Each names the field at fault, for a 400 that says what."""


class TalliesError(Exception):
    """Base class of tallies errors."""


class FieldError(TalliesError):
    """Input that cannot be stored: `field` names it (e.g. "lines.ballots_valid", "station")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class IdempotencyConflict(TalliesError):
    """A client_uuid already used for a copy of another station, contest or observer."""


class StationBusy(TalliesError):
    """A station's tally rows stayed locked longer than settings.TALLY_LOCK_TIMEOUT seconds.

    Another job holds them (a recompute, another station's job of the same commissions). Nothing
    was written; the caller tries again later (the tally job goes back to its queue).
    """

    def __init__(self, state_id: int) -> None:
        super().__init__(f"station tally state {state_id}: tally rows locked by another job")
        self.state_id = state_id


class ImportFileError(TalliesError):
    """An official results file that cannot be imported; the message names the row and column."""


class NotAssignedError(FieldError):
    """A copy from an observer with no live mandate for the station (HTTP 403).

    A FieldError on "station" too, so the web form shows it next to the station it names.
    """

    def __init__(self, message: str) -> None:
        super().__init__("station", message)
