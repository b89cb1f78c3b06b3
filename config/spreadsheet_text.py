"""Text safe to put in a spreadsheet cell (CSV injection), for every app's exports.

Spreadsheets run a text cell that starts with = + - @ tab or CR as a formula, so such text gets a
leading "'"; text that is just a number stays as it is (OWASP, "CSV Injection"). Shared
infrastructure (elections ← observers ← tallies), so it lives in `config`.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def safe_text(value: str) -> str:
    """Return `value` with a leading "'" when a spreadsheet would run it as a formula."""
    if value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
