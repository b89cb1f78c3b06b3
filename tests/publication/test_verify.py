"""Verifiability: the manifest pins every file, and the release pins the audit chain's head.

Two verifiers, written separately: the management command (files and the chain in the
database) and tools/verify_release.py (Python's standard library only, files and the chain of
hashes the release carries). Both pass on a release and fail on one altered byte.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pgtrigger
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from observers.models import AuditEntry
from observers.services import audit
from tallies.models import ReleaseFile
from tallies.services import releases
from tests.publication.support import current_copy, publish

pytestmark = pytest.mark.django_db

TOOL = Path(settings.BASE_DIR) / "tools" / "verify_release.py"


def run_tool(*args) -> subprocess.CompletedProcess:
    """Run the standalone verifier as a reader would: a separate Python, no Django."""
    return subprocess.run([sys.executable, "-I", str(TOOL), *map(str, args)], capture_output=True, text=True)


def download(client, release, folder: Path) -> Path:
    """Download the release's zip and unpack it into `folder`; return the zip's path."""
    response = client.get(reverse("public-zip", args=release.url_args()))
    assert response.status_code == 200
    path = folder / f"v{release.number}.zip"
    path.write_bytes(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(folder / f"v{release.number}")
    return path


def unpacked(path: Path) -> Path:
    return next((path.parent / path.stem).iterdir())


def flip_one_byte(path: Path, offset: int = 100) -> None:
    content = bytearray(path.read_bytes())
    content[offset] ^= 0x01
    path.write_bytes(bytes(content))


def log_entries(organization, admin, copy, count: int) -> None:
    for number in range(count):
        audit.record(
            organization=organization,
            actor=admin,
            action="copy.checked",
            obj=copy,
            before={},
            after={"n": number},
        )


@pytest.fixture
def logged_release(reconciled, organization, contest, station, admin):
    """A release made after three audit entries: its recorded head is entry 3."""
    log_entries(organization, admin, current_copy(organization, contest, station), 3)
    return publish(organization, contest, admin)


def test_it_verifies_a_stored_release(logged_release, capsys):
    call_command("verify_release", str(logged_release.pk))

    assert "OK" in capsys.readouterr().out
    assert logged_release.chain_sequence == 3


def test_it_verifies_a_downloaded_release_with_both_verifiers(client, logged_release, tmp_path, capsys):
    archive = download(client, logged_release, tmp_path)

    for path in (archive, unpacked(archive)):
        result = run_tool(path, "--manifest-sha256", logged_release.manifest_sha256)
        assert result.returncode == 0, result.stdout
        assert "audit chain intact up to entry 3" in result.stdout
        call_command("verify_release", "--path", str(path))


@pytest.mark.parametrize("name", ["stations.csv", "release.json", "release.xlsx", "audit-chain.csv"])
def test_it_fails_when_one_byte_of_a_file_is_altered(client, logged_release, tmp_path, name):
    folder = unpacked(download(client, logged_release, tmp_path))
    flip_one_byte(folder / name)

    result = run_tool(folder)

    assert result.returncode == 1 and f"FAIL: {name} has SHA-256" in result.stdout
    with pytest.raises(CommandError, match=name):
        call_command("verify_release", "--path", str(folder))


def test_a_release_json_broken_past_parsing_still_fails_on_its_hash(client, logged_release, tmp_path):
    folder = unpacked(download(client, logged_release, tmp_path))
    flip_one_byte(folder / "release.json", offset=0)  # "{" becomes "z": no longer JSON

    result = run_tool(folder)

    assert result.returncode == 1
    assert "FAIL: release.json has SHA-256" in result.stdout
    assert "FAIL: release.json cannot be read" in result.stdout


def test_it_fails_when_the_manifest_is_not_the_published_one(client, logged_release, tmp_path):
    folder = unpacked(download(client, logged_release, tmp_path))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["release"]["number"] = 7
    (folder / "manifest.json").write_text(json.dumps(manifest))

    assert run_tool(folder, "--manifest-sha256", logged_release.manifest_sha256).returncode == 1
    with pytest.raises(CommandError):
        call_command("verify_release", "--path", str(folder))


def test_it_fails_on_a_file_the_manifest_does_not_list(client, logged_release, tmp_path):
    folder = unpacked(download(client, logged_release, tmp_path))
    (folder / "extra.csv").write_text("=1+1\n")

    result = run_tool(folder)

    assert result.returncode == 1 and "extra.csv is not listed" in result.stdout


def test_it_fails_when_a_stored_file_is_altered_in_the_database(logged_release):
    stored = logged_release.files.get(name="stations.csv")
    altered = bytearray(stored.content)
    altered[50] ^= 0x01
    with pgtrigger.ignore("tallies.ReleaseFile:append_only_update"):
        ReleaseFile.objects.filter(pk=stored.pk).update(content=bytes(altered))

    assert releases.verify_stored(logged_release) == [
        "stations.csv: SHA-256 or size differs from the manifest"
    ]
    with pytest.raises(CommandError, match=r"stations\.csv"):
        call_command("verify_release", str(logged_release.pk))


def test_it_fails_when_an_audit_entry_behind_the_recorded_head_is_altered(
    client, logged_release, organization, tmp_path
):
    folder = unpacked(download(client, logged_release, tmp_path))
    with pgtrigger.ignore("observers.AuditEntry:append_only_update"):
        AuditEntry.objects.filter(organization=organization, sequence=2).update(reason="quietly edited")

    assert releases.verify_stored(logged_release) == [
        "audit entry 2 does not match its hash: the log was altered"
    ]
    with pytest.raises(CommandError, match="audit entry 2"):
        call_command("verify_release", str(logged_release.pk))
    with pytest.raises(CommandError, match="audit entry 2"):
        call_command("verify_release", "--path", str(folder))


def test_it_ignores_audit_entries_after_the_recorded_head(
    logged_release, organization, contest, station, admin
):
    log_entries(organization, admin, current_copy(organization, contest, station), 1)

    assert releases.verify_stored(logged_release) == []


def rewrite_chain(organization) -> None:
    """What a database superuser could do: edit entry 1 and recompute every hash after it."""
    prev = audit.ZERO_HASH
    with pgtrigger.ignore("observers.AuditEntry:append_only_update"):
        for entry in AuditEntry.objects.filter(organization=organization).order_by("sequence"):
            if entry.sequence == 1:
                entry.reason = "rewritten history"
            entry.prev_hash, entry.entry_hash = prev, audit.compute_hash(prev, entry)
            entry.save(update_fields=["reason", "prev_hash", "entry_hash"])
            prev = entry.entry_hash


def test_it_detects_a_rewritten_chain_against_the_previous_release(
    client, logged_release, organization, contest, admin, tmp_path
):
    first = download(client, logged_release, tmp_path)
    rewrite_chain(organization)
    second = download(client, publish(organization, contest, admin, changelog="Correction."), tmp_path)

    assert run_tool(second).returncode == 0  # consistent in itself...
    result = run_tool(second, "--previous", first)
    assert result.returncode == 1 and "the log was rewritten" in result.stdout  # ...but not with v1
    assert releases.verify_stored(logged_release)  # and the database no longer ends in v1's head


def test_it_accepts_the_previous_release_when_the_chain_was_only_extended(
    client, logged_release, organization, contest, admin, tmp_path
):
    first = download(client, logged_release, tmp_path)
    second = download(client, publish(organization, contest, admin, changelog="Correction."), tmp_path)

    result = run_tool(second, "--previous", first)

    assert result.returncode == 0, result.stdout


def test_it_verifies_a_release_made_with_an_empty_audit_log(client, release, tmp_path):
    archive = download(client, release, tmp_path)

    assert release.chain_sequence == 0 and release.chain_head == "0" * 64
    assert run_tool(archive).returncode == 0
    assert releases.verify_stored(release) == []


def test_it_serves_the_standalone_verifier(client):
    response = client.get(reverse("public-verifier"))

    assert response.status_code == 200 and response.content == TOOL.read_bytes()
