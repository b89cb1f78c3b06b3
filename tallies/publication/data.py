"""What a release holds, in memory: the input of every file builder and of the stored rows.

Everything here is plain data (str, int, bool, None, dicts and lists of them): the builders turn
it into bytes without touching the database, so the same data gives the same files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SOURCES = ("observer", "official", "compared_observer", "compared_official")
STATION_SOURCES = ("observer", "official")


@dataclass(frozen=True)
class CommissionEntry:
    """A commission above the stations with its figures by source (see ReleaseCommission)."""

    commission_id: int
    parent_id: int | None
    level: str
    code: str
    name: str
    path: str
    stations_compared: int
    stations_discrepant: int
    figures: dict[str, Any]


@dataclass(frozen=True)
class StationEntry:
    """A station with a counted copy: both sources, differences, pseudonymous observer code."""

    station_id: int
    parent_id: int | None
    number: str
    path: str
    parent_name: str
    region_name: str
    registered_voters: int | None
    observer_code: str
    copy_submitted_at: str | None  # ISO 8601, UTC
    is_discrepant: bool | None
    figures: dict[str, Any]
    photo_evidence_id: int | None = None
    photo_sha256: str = ""


@dataclass(frozen=True)
class ReceiptEntry:
    """The receipt hash of an accepted copy and the station it is for."""

    receipt: str
    station_id: int
    station_number: str
    station_path: str


@dataclass(frozen=True)
class ReleaseData:
    """A release's whole content; `header` is the "release" document of release.json."""

    header: dict[str, Any]
    layout: dict[str, Any]
    coverage: dict[str, Any]
    seats: dict[str, Any] | None
    violations: list[dict[str, Any]]
    commissions: list[CommissionEntry] = field(default_factory=list)
    stations: list[StationEntry] = field(default_factory=list)
    receipts: list[ReceiptEntry] = field(default_factory=list)
    chain: list[tuple[int, str, str]] = field(default_factory=list)  # (sequence, prev_hash, entry_hash)
    forensics: dict[str, Any] | None = None  # the latest forensics run as leads, with its method
    regions: list[dict[str, Any]] = field(default_factory=list)  # tallies.selectors.regional rows

    def line_codes(self) -> list[str]:
        return [line["code"] for line in self.layout["lines"]]

    def option_codes(self) -> list[str]:
        return [option["code"] for option in self.layout["options"]]
