"""Releases in NIST SP 1500-100 v2: the ElectionReport validates, carries both sources, is verified.

Golos's release (tests/publication/conftest.py) and a release of a generated election are checked
against the official JSON schema (draft-04) vendored in tallies/publication/standards/.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from elections.models import Contest
from observers.models import Membership, Organization
from tallies.errors import ImportFileError
from tallies.models import OfficialSnapshot
from tallies.publication.nist import NIST_FILE, validation_errors
from tallies.services.releases.verify import verify_download, verify_stored
from tallies.services.results_import import import_results
from tests.publication.support import publish

pytestmark = pytest.mark.django_db

TOOL = Path(settings.BASE_DIR) / "tools" / "verify_release.py"


def files_of(release) -> dict[str, bytes]:
    return {f.name: bytes(f.content) for f in release.files.all()}


def report_of(release) -> dict:
    return json.loads(files_of(release)[NIST_FILE])


def counts(report: dict, option: str, unit: str) -> dict[str, int]:
    """Return {OtherType: Count} of an option's VoteCounts in a reporting unit."""
    contest = report["Election"][0]["Contest"][0]
    selection = next(s for s in contest["ContestSelection"] if s["PartyIds"] == [f"party-{option}"])
    return {c["OtherType"]: c["Count"] for c in selection["VoteCounts"] if c["GpUnitId"] == unit}


def test_the_release_carries_an_election_report_that_validates_against_the_nist_schema(release):
    report = report_of(release)

    assert validation_errors(report) == []
    assert report["Issuer"] == "Golos" and report["Status"] == "unofficial-complete"
    assert report["Format"] == "precinct-level"


def test_the_manifest_lists_the_nist_file_with_its_hash(release):
    files = files_of(release)
    manifest = json.loads(files["manifest.json"])

    listed = {entry["name"]: entry["sha256"] for entry in manifest["files"]}

    assert NIST_FILE in listed
    assert verify_stored(release) == []


def test_each_station_has_the_observer_and_the_official_figure_labelled(release, station):
    report = report_of(release)
    unit = f"gpu-station-{station.pk}"

    # PEC 91: United Russia 445 on the observer's copy, 1,115 in the official protocol
    assert counts(report, "p6_UR", unit) == {"observer-copy": 445, "official-protocol": 1115}
    precinct = next(u for u in report["GpUnit"] if u["@id"] == unit)
    assert precinct["Type"] == "precinct" and precinct["VotersRegistered"] == 2326


def test_ballot_counts_give_ballots_cast_and_rejected_per_source(release, station):
    report = report_of(release)
    unit = f"gpu-station-{station.pk}"

    found = {
        c["OtherType"]: (c.get("BallotsCast"), c.get("BallotsRejected"))
        for c in report["Election"][0]["BallotCounts"]
        if c["GpUnitId"] == unit
    }

    # took part = lines 3 + 4 + 5 (0 + 1,771 + 19 official; 0 + 1,393 + 21 on the copy); invalid 40
    assert found == {"official-protocol": (1790, 40), "observer-copy": (1414, 40)}


def test_the_hierarchy_composes_stations_into_commissions(release, station):
    report = report_of(release)
    units = {u["@id"]: u for u in report["GpUnit"]}

    root = next(u for u in units.values() if u["Type"] == "country")
    parents = [u for u in units.values() if f"gpu-station-{station.pk}" in u.get("ComposingGpUnitIds", [])]

    assert report["Election"][0]["ElectionScopeId"] == root["@id"]
    assert len(parents) == 1 and parents[0]["Type"] == "other"


def test_a_later_release_is_a_correction(reconciled, organization, contest, admin):
    publish(organization, contest, admin)

    second = publish(organization, contest, admin, changelog="Second release.")

    assert report_of(second)["Status"] == "correction"
    assert report_of(second)["ExternalIdentifier"][0]["Value"] == "2"


def test_a_release_of_a_generated_election_validates(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("generate_election", seed=31, stations=60, copies="0.5", falsify="0.2", stdout=None)
    contest = Contest.objects.get(election__slug="generated-31")
    organization = Organization.objects.get(name="Generated observers")
    admin = get_user_model().objects.create_user(username="gen-admin", password="pw")
    Membership.objects.create(user=admin, organization=organization, role=Membership.Role.ADMIN)

    release = publish(organization, contest, admin)

    report = report_of(release)
    assert validation_errors(report) == []
    assert sum(1 for u in report["GpUnit"] if u["Type"] == "precinct") == release.stations.count()


def test_the_verify_command_names_an_election_report_that_breaks_the_schema(release, tmp_path):
    folder = tmp_path / "release"
    folder.mkdir()
    for name, content in files_of(release).items():
        (folder / name).write_bytes(content)
    broken = json.loads((folder / NIST_FILE).read_text())
    del broken["Issuer"]
    (folder / NIST_FILE).write_text(json.dumps(broken))

    problems = verify_download(folder)

    assert any(NIST_FILE in problem and "Issuer" in problem for problem in problems)


def test_the_standalone_verifier_validates_the_election_report(release, tmp_path):
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for name, content in files_of(release).items():
            out.writestr(f"release-1/{name}", content)

    run = subprocess.run(
        [sys.executable, str(TOOL), str(archive)], capture_output=True, text=True, check=False
    )

    assert run.returncode == 0, run.stdout + run.stderr
    assert "NIST SP 1500-100 v2" in run.stdout


def figures_of(snapshot, station) -> dict[str, int]:
    """{line or option code: value} of a station's protocol in an official snapshot."""
    figures = snapshot.protocols.get(commission=station.pec).figures()
    return {**figures.lines, **figures.options}


def test_the_election_report_round_trips_through_import_results(release, contest, station, tmp_path):
    path = tmp_path / "report.json"
    path.write_bytes(files_of(release)[NIST_FILE])
    before = OfficialSnapshot.objects.filter(contest=contest).current().order_by("-imported_at").first()

    report = import_results(contest=contest, path=path, level="station", source="NIST round trip")

    after = OfficialSnapshot.objects.get(pk=report.snapshot_id)
    imported, original = figures_of(after, station), figures_of(before, station)
    assert after.protocols_count == release.stations.count()
    # every option, voters on the list and invalid ballots; lines the standard has no place for
    # are missing, not 0
    assert imported == {code: original[code] for code in imported}
    assert {"voters_on_list", "ballots_invalid", "p6_UR", "p1_SR"} <= set(imported)
    assert "ballots_cancelled" not in imported


def test_an_election_report_whose_parties_are_not_the_contests_is_refused(release, contest, tmp_path):
    report = json.loads(files_of(release)[NIST_FILE])
    report["Party"][0]["Name"]["Text"][0]["Content"] = "Unknown Party"
    report["Party"][0]["ExternalIdentifier"][0]["Value"] = "unknown"
    report["Party"][0].pop("Abbreviation", None)
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))

    with pytest.raises(ImportFileError, match="names no option of the contest"):
        import_results(contest=contest, path=path, level="station", source="NIST")


def test_an_invalid_election_report_is_refused_naming_the_schema_error(contest, tmp_path):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"@type": "ElectionResults.ElectionReport", "Format": "precinct-level"}))

    with pytest.raises(ImportFileError, match=r"not a valid NIST SP 1500-100 v2 report.*Issuer"):
        import_results(contest=contest, path=path, level="station", source="NIST")
