"""A release's files are stored one INSERT each, their bytes as a binary parameter
(tallies.services.releases.files): byte for byte as built, listed and served; a file too large
for one PostgreSQL value refuses the release before anything is written."""

from __future__ import annotations

import hashlib
import json
from unittest import mock

import psycopg
import pytest
from django.urls import reverse

from observers.models import AuditEntry
from tallies.models import Release, ReleaseFile
from tallies.publication import MANIFEST
from tallies.services import releases
from tallies.services.releases import files as release_files
from tallies.services.releases import publish as publishing
from tests.publication.support import publish


def built_files(organization, contest, admin) -> tuple[Release, dict[str, bytes]]:
    """Publish, keeping the files build_files made for the release."""
    built: dict[str, bytes] = {}

    def build(data):  # type: ignore[no-untyped-def]
        built.update(original(data))
        return dict(built)

    original = publishing.build_files
    with mock.patch.object(publishing, "build_files", build):
        release = publish(organization, contest, admin)
    return release, built


def test_it_stores_every_file_byte_for_byte_as_built_and_listed(reconciled, organization, contest, admin):
    release, built = built_files(organization, contest, admin)
    stored = {f.name: f for f in ReleaseFile.objects.filter(release=release)}
    assert {name: bytes(f.content) for name, f in stored.items()} == built
    manifest = json.loads(built[MANIFEST])
    assert len(manifest["files"]) == len(built) - 1
    for entry in manifest["files"]:
        found = stored[entry["name"]]
        assert (found.sha256, found.size) == (entry["sha256"], entry["size"])
        assert hashlib.sha256(bytes(found.content)).hexdigest() == entry["sha256"]
    assert release.manifest_sha256 == hashlib.sha256(bytes(stored[MANIFEST].content)).hexdigest()
    assert releases.verify_stored(release) == []


def test_it_serves_the_stored_bytes_unchanged(client, reconciled, organization, contest, admin):
    release, built = built_files(organization, contest, admin)
    args = [organization.slug, contest.election.slug, contest.slug, release.number]
    for name, content in built.items():
        response = client.get(reverse("public-file", args=[*args, name]))
        assert response.status_code == 200
        assert response.content == content
        assert response["ETag"] == f'"{hashlib.sha256(content).hexdigest()}"'


def test_it_sends_each_file_in_its_own_statement_as_a_binary_parameter(release):
    every_byte = bytes(range(256)) * 4096  # 1 MiB: NUL, quotes, backslashes, invalid UTF-8
    files = {"a.json": every_byte, "b.csv": b"", "c.md": b"\\x00'\x00"}
    execute = psycopg.Cursor.execute
    with mock.patch.object(psycopg.Cursor, "execute", autospec=True, side_effect=execute) as sent:
        release_files.store_files(release.pk, files)
    assert len(sent.call_args_list) == 3
    for call, (name, content) in zip(sent.call_args_list, sorted(files.items()), strict=True):
        _cursor, query, params = call.args
        assert len(query) < 200  # the bytes travel as a parameter, not in the query text
        assert params[1] == name and params[-1] is content
    stored = ReleaseFile.objects.filter(release=release, name__in=files)
    assert {f.name: (bytes(f.content), f.size, f.sha256) for f in stored} == {
        name: (content, len(content), hashlib.sha256(content).hexdigest()) for name, content in files.items()
    }


def test_it_refuses_a_file_too_large_before_writing_anything(
    monkeypatch, reconciled, organization, contest, admin
):
    monkeypatch.setattr(release_files, "MAX_FILE_BYTES", 1000)
    entries = AuditEntry.objects.count()
    with pytest.raises(releases.ReleaseFileTooLarge) as refused:
        publish(organization, contest, admin)
    message = str(refused.value)
    assert "over the 1,000 bytes one stored file can hold; nothing was published" in message
    name, size = message.split("file ")[1].split(" is ")[0], message.split(" is ")[1].split(" bytes")[0]
    assert int(size.replace(",", "")) > 1000 and name.endswith((".csv", ".json", ".md", ".xlsx"))
    assert isinstance(refused.value, releases.ReleaseError)
    assert not Release.objects.exists() and not ReleaseFile.objects.exists()
    assert AuditEntry.objects.count() == entries


def test_it_names_the_largest_file_over_the_limit(monkeypatch):
    monkeypatch.setattr(release_files, "MAX_FILE_BYTES", 10)
    files = {"small.csv": b"x" * 11, "big.json": b"y" * 12, "fine.md": b"z"}
    with pytest.raises(releases.ReleaseFileTooLarge, match=r"file big\.json is 12 bytes, over the 10 bytes"):
        release_files.check_sizes(files)
    release_files.check_sizes({"fine.md": b"z" * 10})
