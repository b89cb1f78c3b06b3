"""Releases: publishing frozen, verifiable versions of an organisation's findings.

Callers use the package: ``from tallies.services import releases; releases.publish_release(...)``.
"""

from tallies.services.releases.errors import ReleaseError, ReleaseFileTooLarge
from tallies.services.releases.gather import LICENSE, LICENSES
from tallies.services.releases.publish import preview_release, publish_release, store_release
from tallies.services.releases.verify import (
    read_bundle,
    release_of_manifest,
    verify_chain_to,
    verify_download,
    verify_stored,
)
from tallies.services.releases.withdraw import withdraw_release

__all__ = [
    "LICENSE",
    "LICENSES",
    "ReleaseError",
    "ReleaseFileTooLarge",
    "preview_release",
    "publish_release",
    "read_bundle",
    "release_of_manifest",
    "store_release",
    "verify_chain_to",
    "verify_download",
    "verify_stored",
    "withdraw_release",
]
