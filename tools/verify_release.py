#!/usr/bin/env python3
"""Verify a downloaded release of published election observation data, with Python alone.

    python verify_release.py RELEASE [--manifest-sha256 HEX] [--previous OLDER_RELEASE]

RELEASE is the release's zip file or the folder it unpacks to. The script checks:

1. every file the manifest (manifest.json) lists: present, same size, same SHA-256;
2. no file is present that the manifest does not list;
3. the audit chain (audit-chain.csv: sequence, prev_hash, entry_hash): numbered 1, 2, 3...,
   starting from 64 zeros, each entry pointing at the one before, ending at the head the
   manifest records (sequence 0 and 64 zeros when the log was empty);
4. release.json names the same release number and chain head as the manifest;
5. with --manifest-sha256: manifest.json is the one whose SHA-256 the publisher's page shows;
6. with --previous: the older release is the one this release names as its predecessor, and
   this release's audit chain still contains the older head at the same place, i.e. the log
   was extended since, not rewritten (when both were published through the same organisation:
   a coalition's releases may come through different members, each with its own chain);
7. the election report in NIST SP 1500-100 v2 (election-report-nist-1500-100-v2.json) validates
   against NIST's JSON schema, when the `jsonschema` package is installed and the schema is found
   (--nist-schema PATH, or the copy in the project's tallies/publication/standards/); otherwise
   this check is reported as skipped and the others still run.

It prints one line per check and exits with 0 when everything holds, 1 otherwise. It uses the
Python standard library only (jsonschema, optional, for check 7) and shares no code with the
application that wrote the release.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

MANIFEST = "manifest.json"
CHAIN = "audit-chain.csv"
NIST = "election-report-nist-1500-100-v2.json"
NIST_SCHEMA = (
    Path(__file__).resolve().parent.parent
    / "tallies/publication/standards/nist-1500-100-v2/NIST_V2_election_results_reporting.json"
)
ZEROS = "0" * 64


def read_release(path: Path) -> dict[str, bytes]:
    """Return file name -> bytes for a release folder or zip (a zip's top folder is dropped)."""
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    files = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                files[info.filename.rsplit("/", 1)[-1]] = archive.read(info)
    return files


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_files(manifest: dict, files: dict[str, bytes]) -> list[str]:
    """Problems with the listed files (missing, changed) and with files nobody listed."""
    problems = []
    listed = set()
    for entry in manifest.get("files", []):
        name = entry["name"]
        listed.add(name)
        content = files.get(name)
        if content is None:
            problems.append(f"{name} is missing")
        elif len(content) != entry["size"]:
            problems.append(f"{name} has {len(content)} bytes, the manifest says {entry['size']}")
        elif digest(content) != entry["sha256"]:
            problems.append(f"{name} has SHA-256 {digest(content)}, the manifest says {entry['sha256']}")
    for name in sorted(set(files) - listed - {MANIFEST}):
        problems.append(f"{name} is not listed in the manifest")
    return problems


def read_chain(files: dict[str, bytes]) -> list[tuple[int, str, str]]:
    """The audit chain rows (sequence, prev_hash, entry_hash) of audit-chain.csv; ValueError if malformed."""
    text = files[CHAIN].decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or rows[0] != ["sequence", "prev_hash", "entry_hash"]:
        raise ValueError(f"{CHAIN} does not start with its header row")
    return [(int(seq), prev, entry) for seq, prev, entry in rows[1:]]


def check_chain(head: dict, chain: list[tuple[int, str, str]]) -> list[str]:
    """Problems with the chain's numbering and links, and with its end against the recorded head."""
    previous = ZEROS
    for expected, (sequence, prev_hash, entry_hash) in enumerate(chain, start=1):
        if sequence != expected:
            return [f"audit chain: entry {expected} is missing (found {sequence})"]
        if prev_hash != previous:
            return [f"audit chain: entry {sequence} does not point at entry {sequence - 1}"]
        if len(entry_hash) != 64:
            return [f"audit chain: entry {sequence} has no SHA-256"]
        previous = entry_hash
    if len(chain) != head.get("sequence") or previous != head.get("entry_hash"):
        return [f"audit chain ends at entry {len(chain)} ({previous[:12]}...), not at the recorded head"]
    return []


def check_release_json(manifest: dict, files: dict[str, bytes]) -> list[str]:
    """release.json must name the manifest's release number and audit chain head."""
    if "release.json" not in files:
        return []
    try:
        about = json.loads(files["release.json"].decode("utf-8"))["release"]
    except (ValueError, KeyError, TypeError) as error:  # UnicodeError and JSONDecodeError are ValueErrors
        return [f"release.json cannot be read ({type(error).__name__}): its other checks are skipped"]
    problems = []
    if about.get("number") != manifest["release"]["number"]:
        problems.append("release.json names another release number than the manifest")
    if about.get("audit_chain_head") != manifest.get("audit_chain_head"):
        problems.append("release.json records another audit chain head than the manifest")
    return problems


def check_previous(manifest: dict, chain: list[tuple[int, str, str]], older: dict[str, bytes]) -> list[str]:
    """The older release must be this one's predecessor, and its chain head must still be in ours."""
    if MANIFEST not in older:
        return ["--previous: no manifest.json there"]
    named = manifest.get("previous_release") or {}
    if named.get("manifest_sha256") != digest(older[MANIFEST]):
        return ["--previous: this release does not name that one as its predecessor"]
    old = json.loads(older[MANIFEST].decode("utf-8"))
    if old["release"]["organization"] != manifest["release"]["organization"]:
        return []  # another member of a coalition published it: its chain is checked with it alone
    old_head = old["audit_chain_head"]
    sequence = old_head["sequence"]
    if sequence == 0:
        return []
    if sequence > len(chain) or chain[sequence - 1][2] != old_head["entry_hash"]:
        return [f"--previous: audit entry {sequence} changed since the older release: the log was rewritten"]
    return []


def check_nist(files: dict[str, bytes], schema_path: Path) -> tuple[list[str], str]:
    """Validate the NIST 1500-100 v2 election report; return (problems, what was done)."""
    if NIST not in files:
        return [], f"SKIP: no {NIST} (releases before the standard was added have none)"
    try:
        from jsonschema import Draft4Validator
    except ImportError:
        return [], f"SKIP: {NIST} not validated: install the jsonschema package"
    if not schema_path.exists():
        return [], f"SKIP: {NIST} not validated: NIST's schema not found (give --nist-schema PATH)"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    try:
        report = json.loads(files[NIST].decode("utf-8"))
    except ValueError as error:
        return [f"{NIST} cannot be read as JSON ({error})"], f"FAIL: {NIST} is not JSON"
    errors = sorted(Draft4Validator(schema).iter_errors(report), key=lambda e: list(e.absolute_path))
    problems = [
        f"{NIST}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:10]
    ]
    return problems, f"OK: {NIST} validates against the NIST SP 1500-100 v2 JSON schema"


def verify(files: dict[str, bytes], manifest_sha256: str | None, older: dict[str, bytes] | None) -> list[str]:
    """Run every check on a release's files; return the problems found (empty when it verifies)."""
    if MANIFEST not in files:
        return [f"no {MANIFEST}"]
    manifest = json.loads(files[MANIFEST].decode("utf-8"))
    problems = check_files(manifest, files)
    if manifest_sha256 and digest(files[MANIFEST]) != manifest_sha256.lower():
        problems.append(f"{MANIFEST} has SHA-256 {digest(files[MANIFEST])}, expected {manifest_sha256}")
    try:
        chain = read_chain(files) if CHAIN in files else []
    except ValueError as error:
        return [*problems, f"{CHAIN} cannot be read: {error}"]
    if CHAIN in files or manifest["audit_chain_head"]["sequence"]:
        problems += check_chain(manifest["audit_chain_head"], chain)
    problems += check_release_json(manifest, files)
    if older is not None:
        problems += check_previous(manifest, chain, older)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Verify the release named on the command line; print the outcome; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("release", type=Path, help="the release's zip file or folder")
    parser.add_argument("--manifest-sha256", help="the manifest's SHA-256 as the publisher shows it")
    parser.add_argument("--previous", type=Path, help="the previous release (zip or folder)")
    parser.add_argument("--nist-schema", type=Path, default=NIST_SCHEMA, help="NIST's JSON schema file")
    args = parser.parse_args(argv)
    for path in (args.release, args.previous):
        if path is not None and not path.exists():
            print(f"FAIL: {path} does not exist")
            return 1
    try:
        files = read_release(args.release)
        older = read_release(args.previous) if args.previous else None
        problems = verify(files, args.manifest_sha256, older)
        nist_problems, nist_note = check_nist(files, args.nist_schema)
        problems += nist_problems
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:  # UnicodeError is a ValueError
        problems = [f"a file cannot be read as a release file ({type(error).__name__}: {error})"]
    for problem in problems:
        print(f"FAIL: {problem}")
    if problems:
        return 1
    manifest = json.loads(files[MANIFEST].decode("utf-8"))
    head = manifest["audit_chain_head"]
    print(f"OK: {len(manifest['files'])} files match {MANIFEST} (SHA-256 {digest(files[MANIFEST])})")
    print(f"OK: audit chain intact up to entry {head['sequence']} ({head['entry_hash']})")
    print(nist_note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
