"""The manifest of a release: every file's SHA-256 and size, the release and the audit chain head.

manifest.json is itself a file of the release but not listed in itself; its own SHA-256 is
shown on the release's public page, so a reader can pin the whole release with one hash. The
standalone verifier (tools/verify_release.py) checks the same things without this module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from tallies.publication.writers import json_bytes

MANIFEST = "manifest.json"
FORMAT = "observer-tally-release/1"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def manifest_document(header: dict[str, Any], files: dict[str, bytes]) -> dict[str, Any]:
    """Return the manifest of `files` (name → bytes) for the release described by `header`."""
    return {
        "format": FORMAT,
        "hash_algorithm": "sha256",
        "release": {
            "number": header["number"],
            "organization": header["organization"],
            "election": header["election"]["slug"],
            "contest": header["contest"]["slug"],
            "contest_name": header["contest"]["name"],
            "created_at": header["created_at"],
            "publish_at": header["publish_at"],
            **({"coalition": _coalition(header["coalition"])} if header.get("coalition") else {}),
        },
        "audit_chain_head": header["audit_chain_head"],
        "previous_release": header.get("previous_release"),
        "files": [
            {"name": name, "sha256": sha256(content), "size": len(content)}
            for name, content in sorted(files.items())
        ],
    }


def _coalition(document: dict[str, Any]) -> dict[str, Any]:
    """A coalition's release: the coalition whose series `number` is in (the publisher is a member)."""
    return {"id": document["id"], "name": document["name"]}


def manifest_bytes(header: dict[str, Any], files: dict[str, bytes]) -> bytes:
    return json_bytes(manifest_document(header, files))


def verify_files(manifest_content: bytes, read: Callable[[str], bytes | None], names: set[str]) -> list[str]:
    """Check every listed file's size and SHA-256; return the problems (empty when all match).

    `read(name)` returns a file's bytes or None when missing; `names` are all files present,
    so a file the manifest does not list is a problem too.
    """
    manifest = json.loads(manifest_content.decode("utf-8"))
    problems = []
    for entry in manifest["files"]:
        content = read(entry["name"])
        if content is None:
            problems.append(f"{entry['name']}: missing")
        elif len(content) != entry["size"] or sha256(content) != entry["sha256"]:
            problems.append(f"{entry['name']}: SHA-256 or size differs from the manifest")
    listed = {entry["name"] for entry in manifest["files"]} | {MANIFEST}
    problems.extend(f"{name}: not listed in the manifest" for name in sorted(names - listed))
    return problems
