"""Release files: CSV, JSON and XLSX tables, the data dictionary, the README and the manifest.

Pure builders over tallies.publication.data.ReleaseData (no database access): the service
tallies.services.releases gathers the data, these modules turn it into bytes.
"""

from tallies.publication.bundle import build_files, content_type, release_document, release_summary, zip_bytes
from tallies.publication.data import CommissionEntry, ReceiptEntry, ReleaseData, StationEntry
from tallies.publication.manifest import MANIFEST, sha256, verify_files

__all__ = [
    "MANIFEST",
    "CommissionEntry",
    "ReceiptEntry",
    "ReleaseData",
    "StationEntry",
    "build_files",
    "content_type",
    "release_document",
    "release_summary",
    "sha256",
    "verify_files",
    "zip_bytes",
]
