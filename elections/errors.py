"""Domain errors of reference data (elections, protocol forms, station registers).

Every one is bad input: HTTP 400 (config.api.exception_handler), the message naming the field,
or the row and column of a file.
"""

from __future__ import annotations

from config.domain_errors import DomainError


class ElectionsError(DomainError):
    """Base class of reference-data errors; the message names the offending field (400)."""


class SpecError(ElectionsError):
    """A form or election specification is invalid."""


class RegisterError(ElectionsError):
    """A register file that cannot be imported; the message names the row and column."""
