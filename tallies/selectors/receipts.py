"""Receipt hashes of protocol copies: what an observer keeps to check their copy was published.

receipt = SHA-256 (hex) of the copy's canonical JSON: {"client_uuid", "contest", "station",
"figures": {"lines": {code: value}, "options": {code: value}}} with keys sorted, no spaces,
UTF-8 (the same canonical form as the audit log). Only the observer knows the client_uuid, so
the receipt reveals nothing about the copy to anyone else.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tallies.models import ProtocolCopy
from tallies.models.copy_layout import coded_figure_rows


def canonical_copy(
    *, client_uuid: str, contest_id: int, station_id: int, lines: dict[str, int], options: dict[str, int]
) -> bytes:
    """Return a copy's canonical JSON as UTF-8 bytes."""
    document: dict[str, Any] = {
        "client_uuid": client_uuid,
        "contest": contest_id,
        "station": station_id,
        "figures": {"lines": lines, "options": options},
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def receipt_for(copy: ProtocolCopy) -> str:
    """Return the receipt hash (64 hex characters) of one copy."""
    return receipts_for([copy])[copy.pk]


def receipts_for(copies: Iterable[ProtocolCopy]) -> dict[int, str]:
    """Return copy id → receipt for many copies (one query for all their figures)."""
    copies = list(copies)
    figures: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: {"lines": {}, "options": {}})
    for copy_id, line, option, value in coded_figure_rows(copy.pk for copy in copies):
        kind, code = ("lines", line) if line else ("options", option or "")
        figures[copy_id][kind][code] = value
    return {copy.pk: _receipt(copy, figures[copy.pk]) for copy in copies}


def _receipt(copy: ProtocolCopy, figures: dict[str, dict[str, int]]) -> str:
    text = canonical_copy(
        client_uuid=str(copy.client_uuid),
        contest_id=copy.contest_id,
        station_id=copy.station_id,
        lines=figures["lines"],
        options=figures["options"],
    )
    return hashlib.sha256(text).hexdigest()
