"""All files of a release from its data: CSV tables, XLSX, JSON, data dictionary, README, manifest.

`build_files` is pure: the same ReleaseData gives the same files (the XLSX is dated with the
release's creation time). The zip a reader downloads holds exactly these files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from tallies.publication.columns import Table
from tallies.publication.data import ReleaseData
from tallies.publication.dictionary import data_dictionary
from tallies.publication.manifest import MANIFEST, manifest_bytes
from tallies.publication.nist import NIST_FILE, election_report
from tallies.publication.regions_table import regions_table
from tallies.publication.summary_tables import (
    attribution_table,
    chain_table,
    coalition_members_table,
    receipts_table,
    seats_table,
    violations_table,
)
from tallies.publication.tables import commissions_table, discrepancies_table, stations_table
from tallies.publication.writers import csv_bytes, json_bytes, xlsx_bytes

CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".md": "text/markdown; charset=utf-8",
}
README = """# {title}

Release {number} of {organization}, created {created_at} (UTC), public from {publish_at}.

Observers took copies of the precinct (polling station) result protocols; this release compares
them with the official results. Observer figures are the accepted figures of each station: the
copies that agree, or a coordinator's resolution where they disagree; quarantined copies are left
out. {nist} holds the same figures in the election-results standard NIST SP 1500-100 v2
(ElectionReport, JSON), each figure twice: OtherType "observer-copy" and "official-protocol".
"compared_*" rows cover only the stations that both sources cover, so they compare like with
like. Every difference is official minus observer. Percentages are rounded half-up to 0.01.
Some copies may be partial (a figure marked "not on the copy / unreadable"): a missing figure is
never taken as 0, each total is over the stations that give it, and an observer turnout or share
is over the stations whose copies give every figure it needs: turnout_stations and
shares_stations say how many of the row's stations, turnout_lacking and shares_lacking what the
others lack (release.json: the same fields in each source).
Observers appear only under pseudonymous codes. The columns are described in data-dictionary.json.
Where the official results are published only as regional totals, no station is compared and no
votes are "moved": regions.csv sets every region's observer figures beside its official total with
what the copies cover, a 95 % margin only where the copies come from at least 30 stations in at
least 5 territorial commissions (TECs as clusters, Student's t), what the official total implies
for the stations without copies (assuming the observed protocols entered it unchanged), and the
caveats as codes.

Changes: {changelog}

Data: {credits}

## Verify

    python verify_release.py <this folder or zip>

checks every file against manifest.json (SHA-256 and size) and the audit chain in audit-chain.csv
against the head the manifest records (sequence {sequence}, {head}). The SHA-256 of
manifest.json is shown on the release's public page.
"""


BUILDERS: list[Callable[[ReleaseData], Table | None]] = [
    stations_table,
    commissions_table,
    discrepancies_table,
    violations_table,
    regions_table,
    seats_table,
    coalition_members_table,
    attribution_table,
    receipts_table,
    chain_table,
]


def all_tables(data: ReleaseData) -> list[Table]:
    """Every table of the release, in file order (seats only when a seat allocation exists)."""
    return [table for build in BUILDERS if (table := build(data)) is not None]


def build_files(data: ReleaseData) -> dict[str, bytes]:
    """Return every file of the release, name → bytes, manifest.json included."""
    tables = all_tables(data)
    created_at = datetime.fromisoformat(data.header["created_at"])
    files = {f"{table.name}.csv": csv_bytes(table) for table in tables}
    files["release.xlsx"] = xlsx_bytes(_sheets(tables), created_at)
    files["release.json"] = json_bytes(release_document(data), compact=True)  # large: one line
    files[NIST_FILE] = json_bytes(election_report(data), compact=True)
    files["data-dictionary.json"] = json_bytes(data_dictionary(data, tables))
    files["README.md"] = readme(data).encode("utf-8")
    files[MANIFEST] = manifest_bytes(data.header, files)
    return files


def _sheets(tables: list[Table]) -> list[Table]:
    """The workbook leaves out the receipts and the audit chain (verification files)."""
    return [table for table in tables if table.name not in ("receipts", "audit-chain")]


def release_summary(data: ReleaseData) -> dict[str, Any]:
    """The release's summary sections (header, layout, coverage, seats, violations, forensics,
    regions), JSON-ready: the head of release.json and the content a Release row keeps."""
    return {
        "release": data.header,
        "layout": data.layout,
        "coverage": data.coverage,
        "seats": data.seats,
        "violations": data.violations,
        "forensics": data.forensics,
        "regions": data.regions,
    }


def release_document(data: ReleaseData) -> dict[str, Any]:
    """Return the whole release as one JSON-ready document."""
    return {
        **release_summary(data),
        "commissions": [asdict(entry) for entry in data.commissions],
        "stations": [_station(asdict(entry)) for entry in data.stations],
        "receipts": [asdict(entry) for entry in data.receipts],
    }


def _station(entry: dict[str, Any]) -> dict[str, Any]:
    entry.pop("photo_evidence_id")  # an internal id; the photo's SHA-256 stays
    return entry


def readme(data: ReleaseData) -> str:
    header = data.header
    head = header["audit_chain_head"]
    return README.format(
        title=f"{header['election']['name']}: {header['contest']['name']}",
        nist=NIST_FILE,
        number=header["number"],
        organization=header["organization"]["name"],
        created_at=header["created_at"],
        publish_at=header["publish_at"],
        changelog=header["changelog"],
        credits=" ".join(header.get("credits", [])) or "-",
        sequence=head["sequence"],
        head=head["entry_hash"],
    )


def content_type(name: str) -> str:
    """The media type of a release file, by its extension."""
    found = (kind for end, kind in CONTENT_TYPES.items() if name.endswith(end))
    return next(found, "application/octet-stream")


def zip_bytes(files: dict[str, bytes], folder: str, created_at: datetime) -> bytes:
    """Return the files in one zip under `folder`/, every entry dated `created_at` (UTC)."""
    out = io.BytesIO()
    moment = created_at.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=moment)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return out.getvalue()
