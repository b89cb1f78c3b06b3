"""The releases' errors (publish.py re-exports ReleaseError, the one callers catch)."""

from tallies.errors import TalliesError


class ReleaseError(TalliesError):
    """A release that cannot be made now; the message says why."""


class ReleaseFileTooLarge(ReleaseError):
    """A release file over what PostgreSQL can store as one value; the message names it."""
