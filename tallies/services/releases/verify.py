"""Verify a release: its files against its manifest, and the audit chain up to the recorded head.

The chain check recomputes every entry's hash from the organisation's first entry up to the
sequence the release recorded, so an entry altered behind the append-only triggers' back (or
the chain rebuilt) is found even when the rewrite is consistent with itself afterwards.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from observers.models import AuditEntry, Organization
from observers.services.audit import ZERO_HASH, compute_hash
from tallies.models import Release
from tallies.publication import MANIFEST, sha256, verify_files
from tallies.publication.nist import NIST_FILE, validation_errors


def verify_stored(release: Release) -> list[str]:
    """Check the release's stored files and the audit chain; return the problems (empty: all good)."""
    files = {f.name: bytes(f.content) for f in release.files.all()}
    return _verify(release, files)


def verify_download(path: Path) -> list[str]:
    """Check a downloaded release (folder or zip) against its manifest, the database and the chain."""
    files = read_bundle(path)
    if MANIFEST not in files:
        return [f"{MANIFEST}: missing"]
    release = release_of_manifest(files[MANIFEST])
    if release is None:
        return ["the manifest names no release stored here"]
    return _verify(release, files)


def _verify(release: Release, files: dict[str, bytes]) -> list[str]:
    manifest = files.get(MANIFEST)
    if manifest is None:
        return [f"{MANIFEST}: missing"]
    problems = []
    if sha256(manifest) != release.manifest_sha256:
        problems.append(f"{MANIFEST}: SHA-256 differs from the one recorded for release {release.number}")
    problems += verify_files(manifest, files.get, set(files))
    problems += nist_problems(files)
    return problems + verify_chain_to(release.organization, release.chain_sequence, release.chain_head)


def nist_problems(files: dict[str, bytes]) -> list[str]:
    """Validate the release's NIST SP 1500-100 v2 ElectionReport against the official schema."""
    content = files.get(NIST_FILE)
    if content is None:
        return []  # releases published before the standard was added have none
    try:
        report = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return [f"{NIST_FILE}: not JSON ({error})"]
    return [f"{NIST_FILE}: {problem}" for problem in validation_errors(report)]


def verify_chain_to(organization: Organization, sequence: int, head: str) -> list[str]:
    """Recompute the chain from entry 1 to `sequence`; it must end in `head` (64 zeros for 0)."""
    prev, expected = ZERO_HASH, 1
    entries = AuditEntry.objects.filter(organization=organization, sequence__lte=sequence)
    for entry in entries.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected:
            return [f"audit entry {expected} is missing"]
        if entry.prev_hash != prev or compute_hash(prev, entry) != entry.entry_hash:
            return [f"audit entry {expected} does not match its hash: the log was altered"]
        prev, expected = entry.entry_hash, expected + 1
    if expected - 1 != sequence:
        return [f"the audit log ends at entry {expected - 1}, before the recorded head {sequence}"]
    if prev != head:
        return [f"audit entry {sequence} is not the recorded chain head"]
    return []


def release_of_manifest(manifest: bytes) -> Release | None:
    """The stored release a manifest describes (organisation, or coalition, election, contest, number)."""
    about = json.loads(manifest.decode("utf-8"))["release"]
    coalition = (about.get("coalition") or {}).get("id")
    series = {"coalition_id": coalition} if coalition else {"coalition__isnull": True}
    releases = Release.objects.select_related("organization").filter(
        organization__slug=about["organization"]["slug"],
        **series,
        contest__election__slug=about["election"],
        contest__slug=about["contest"],
        number=about["number"],
    )
    return releases.first()


def read_bundle(path: Path) -> dict[str, bytes]:
    """Name → bytes of a release folder's files, or of a zip's (its top folder stripped)."""
    if path.is_dir():
        return {item.name: item.read_bytes() for item in sorted(path.iterdir()) if item.is_file()}
    with zipfile.ZipFile(path) as archive:
        return {
            info.filename.split("/", 1)[-1]: archive.read(info)
            for info in archive.infolist()
            if not info.is_dir()
        }
