"""Publishing: numbered, frozen releases with a changelog; corrections as new versions; receipts.

A release stores its own copy of everything it shows, so a copy submitted afterwards changes
neither its pages nor its files; only the next release shows it.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.urls import reverse

from observers.models import AuditEntry
from observers.services import audit
from tallies.models import Release, ReleaseFile, StationTallyState
from tallies.selectors.receipts import receipt_for, receipts_for
from tallies.services import releases
from tests.publication.support import current_copy, later, publish, submit_copy
from tests.support import LINES_PEC_91_OFFICIAL, LINES_PEC_92, OPTIONS_PEC_91_OFFICIAL, OPTIONS_PEC_92

pytestmark = pytest.mark.django_db

MAIN = re.compile(rb'<main class="page">(.*)</main>', re.S)


def page_body(client, url: str) -> bytes:
    """The page's main content (the frame around it holds a per-request CSRF token)."""
    response = client.get(url)
    assert response.status_code == 200
    return MAIN.search(response.content).group(1)


def release_pages(client, release, station) -> dict[str, bytes]:
    base = release.get_absolute_url()
    return {url: page_body(client, url) for url in (base, f"{base}s/{station.pk}/", f"{base}data/")}


def test_it_numbers_releases_per_organisation_and_contest(release, organization, contest, admin):
    second = publish(organization, contest, admin, changelog="Corrected station 91.")

    assert (release.number, second.number) == (1, 2)
    assert second.content["release"]["previous_release"] == {
        "number": 1,
        "manifest_sha256": release.manifest_sha256,
    }


def test_it_refuses_a_release_without_a_changelog(reconciled, organization, contest, admin):
    with pytest.raises(releases.ReleaseError, match="changelog"):
        publish(organization, contest, admin, changelog="  ")

    assert not Release.objects.exists()


def test_it_refuses_while_stations_wait_to_be_tallied(reconciled, organization, contest, station, admin):
    StationTallyState.objects.filter(station=station, organization=organization).update(wanted_version=99)

    with pytest.raises(releases.ReleaseError, match="not in the tallies yet"):
        publish(organization, contest, admin)


def test_it_refuses_when_nothing_is_counted(contest, organization, admin):
    with pytest.raises(releases.ReleaseError, match="Nothing to publish"):
        publish(organization, contest, admin)


def test_it_stays_identical_when_the_data_changes_afterwards(
    client, release, organization, contest, station, observer, django_capture_on_commit_callbacks
):
    pages = release_pages(client, release, station)
    files = {f.name: bytes(f.content) for f in release.files.all()}
    station_92 = contest.election.commissions.get(code="92").station
    submit_copy(
        observer, contest, station_92, LINES_PEC_92, OPTIONS_PEC_92, django_capture_on_commit_callbacks
    )
    submit_copy(
        observer,
        contest,
        station,
        LINES_PEC_91_OFFICIAL,
        OPTIONS_PEC_91_OFFICIAL,
        django_capture_on_commit_callbacks,
    )
    cache.clear()  # render the pages afresh from the stored release
    assert release_pages(client, release, station) == pages
    assert {f.name: bytes(f.content) for f in ReleaseFile.objects.filter(release=release)} == files
    assert release.stations.count() == 2


def test_it_shows_the_new_data_only_in_the_next_release(
    client, release, organization, contest, observer, admin, django_capture_on_commit_callbacks
):
    station_92 = contest.election.commissions.get(code="92").station
    submit_copy(
        observer, contest, station_92, LINES_PEC_92, OPTIONS_PEC_92, django_capture_on_commit_callbacks
    )

    second = publish(organization, contest, admin, changelog="Adds station 92.")

    assert second.stations.count() == 3 and release.stations.count() == 2
    assert client.get(reverse("public-station", args=[*second.url_args(), station_92.pk])).status_code == 200


def test_it_marks_an_old_version_superseded_only_once_the_new_one_is_public(
    client, release, organization, contest, admin
):
    embargoed = publish(organization, contest, admin, changelog="Embargoed correction.", publish_at=later(30))
    assert b"superseded" not in client.get(release.get_absolute_url()).content

    public = publish(organization, contest, admin, changelog="Correction.")

    page = client.get(release.get_absolute_url()).content.decode()
    assert "superseded by v3" in page and public.get_absolute_url() in page
    assert release.superseded_by() == public and embargoed.superseded_by() == public


def test_it_redirects_the_contest_address_to_the_newest_public_version(
    client, release, organization, contest, admin
):
    second = publish(organization, contest, admin, changelog="Correction.")

    response = client.get(reverse("public-latest", args=release.url_args()[:3]))

    assert response.status_code == 302 and response["Location"] == second.get_absolute_url()


def test_it_refuses_to_change_a_stored_release(release):
    with pytest.raises(DatabaseError), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(changelog="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        ReleaseFile.objects.filter(release=release).update(content=b"x")


def test_it_records_the_audit_head_before_its_own_entry(reconciled, organization, contest, admin, station):
    copy = current_copy(organization, contest, station)
    audit.record(organization=organization, actor=admin, action="copy.checked", obj=copy, before={}, after={})
    head = audit.chain_head(organization)

    release = publish(organization, contest, admin)

    assert (release.chain_sequence, release.chain_head) == head
    logged = AuditEntry.objects.get(organization=organization, sequence=head[0] + 1)
    assert logged.action == "release.published" and logged.after["number"] == 1


def test_it_includes_the_receipt_of_every_accepted_copy(
    release, organization, contest, station, other_station
):
    expected = {receipt_for(current_copy(organization, contest, s)) for s in (station, other_station)}

    assert set(release.receipts.values_list("receipt", flat=True)) == expected


def test_it_gives_the_same_receipt_for_the_same_copy(reconciled, organization, contest, station):
    copy = current_copy(organization, contest, station)

    receipt = receipt_for(copy)

    assert re.fullmatch(r"[0-9a-f]{64}", receipt) and receipt_for(copy) == receipt
    assert receipts_for([copy]) == {copy.pk: receipt}


def test_it_says_whether_a_receipt_is_in_a_published_release(client, release, organization, contest, station):
    receipt = receipt_for(current_copy(organization, contest, station))

    found = client.get(reverse("public-receipt", args=[receipt]))
    missing = client.get(reverse("public-receipt", args=["a" * 64]))

    assert found.status_code == 200 and "v1" in found.content.decode()
    assert missing.status_code == 404 and b"No published release includes" in missing.content
    assert client.get(reverse("public-receipt-lookup"), {"receipt": receipt.upper()}).status_code == 302
