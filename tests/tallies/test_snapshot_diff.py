"""What changed between two official snapshots: a provisional file, then a final one after a recount."""

from __future__ import annotations

import pytest
from django.urls import reverse

from elections.models import Commission
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies import services
from tallies.models import OfficialSnapshot
from tallies.selectors.snapshot_diff import diff_snapshots
from tests.support import (
    LINES_PEC_91_OFFICIAL,
    LINES_PEC_120,
    OPTIONS_PEC_91_OFFICIAL,
    OPTIONS_PEC_120,
    write_official_file,
)

pytestmark = pytest.mark.django_db
PRESNYA, TVER = "84 Пресненский район", "85 Тверской район"
RECOUNTED_91 = {**OPTIONS_PEC_91_OFFICIAL, "p6_UR": 1000, "p4_KPRF": 395}


def import_file(contest, folder, rows, status):
    folder.mkdir()
    path = write_official_file(folder, rows)
    snapshot, _ = services.import_stations_file(
        contest=contest, path=path, source="test", root_name="ЦИК России", status=status
    )
    return snapshot


@pytest.fixture
def snapshots(contest, tmp_path):
    """A provisional snapshot, then a final one where station 91's votes were recounted."""
    provisional = import_file(
        contest,
        tmp_path / "provisional",
        [
            (PRESNYA, "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL),
            (TVER, "120", LINES_PEC_120, OPTIONS_PEC_120),
        ],
        OfficialSnapshot.Status.PROVISIONAL,
    )
    final = import_file(
        contest,
        tmp_path / "final",
        [(PRESNYA, "91", LINES_PEC_91_OFFICIAL, RECOUNTED_91), (TVER, "120", LINES_PEC_120, OPTIONS_PEC_120)],
        OfficialSnapshot.Status.FINAL,
    )
    return provisional, final


def test_it_lists_the_changed_station_with_both_values_of_each_changed_option(snapshots, station):
    provisional, final = snapshots

    diff = diff_snapshots(before=provisional, after=final)

    assert diff.commissions_compared == 2
    assert [c.station_id for c in diff.changed_stations] == [station.pk]
    assert diff.changed_commissions == []
    changes = {(c.kind, c.code): (c.before, c.after, c.delta) for c in diff.changed[0].changes}
    assert changes == {("option", "p4_KPRF"): (280, 395, 115), ("option", "p6_UR"): (1115, 1000, -115)}
    assert (diff.only_before, diff.only_after) == (0, 0)


def test_it_finds_nothing_between_a_snapshot_and_itself(snapshots):
    _, final = snapshots

    assert diff_snapshots(before=final, after=final).changed == []


def test_it_shows_the_changed_regions_when_asked_for_derived_sums(snapshots):
    provisional, final = snapshots
    for snapshot in snapshots:
        services.tally_official_snapshot(snapshot_id=snapshot.pk)

    diff = diff_snapshots(before=provisional, after=final, include_derived=True)

    assert {c.commission.name for c in diff.changed_commissions} == {"ЦИК России", "Город Москва", PRESNYA}
    assert len(diff.changed_stations) == 1


def test_it_counts_commissions_found_in_only_one_snapshot(contest, tmp_path, other_station):
    first = import_file(
        contest,
        tmp_path / "a",
        [(PRESNYA, "91", LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL)],
        "provisional",
    )
    second = import_file(contest, tmp_path / "b", [(TVER, "120", LINES_PEC_120, OPTIONS_PEC_120)], "final")

    diff = diff_snapshots(before=first, after=second)

    assert (diff.commissions_compared, diff.only_before, diff.only_after, diff.changed) == (0, 1, 1, [])


def test_it_refuses_snapshots_of_two_contests(snapshots):
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    kazakh = define_election(spec=shipped_spec("specs", "kz-mazhilis-2023")).contests.get()
    other = OfficialSnapshot.objects.create_with_layout(
        contest=kazakh, level="CEC", source="test", file_name="kz.csv", file_sha256="0" * 64
    )

    with pytest.raises(ValueError, match="different contests"):
        diff_snapshots(before=snapshots[0], after=other)


def test_the_page_shows_the_recounted_station_to_a_coordinator(snapshots, contest, client, coordinator):
    provisional, final = snapshots
    client.force_login(coordinator)

    url = reverse("results-snapshot-diff", args=[contest.pk])
    response = client.get(
        url, {"before": provisional.pk, "after": final.pk}, headers={"Accept-Language": "en"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert ">1115<" in page and ">1000<" in page and ">-115<" in page and ">+115<" in page
    assert (
        reverse("results-station", args=[contest.pk, response.context["diff"].changed[0].station_id]) in page
    )


def test_the_page_is_for_coordinators_only(snapshots, contest, client, observer):
    client.force_login(observer.user)

    assert client.get(reverse("results-snapshot-diff", args=[contest.pk])).status_code == 403


def test_a_coordinator_of_one_territory_reaches_the_page_from_the_results(
    snapshots, contest, client, organization
):
    from tests.tallies.night import coordinator_of

    region = Commission.objects.get(election=contest.election, name="Город Москва")
    client.force_login(coordinator_of(organization, "tess", territory=region))

    results = client.get(reverse("results-root", args=[contest.pk])).content.decode()
    url = reverse("results-snapshot-diff", args=[contest.pk])

    assert f'href="{url}"' in results
    page = client.get(url)
    assert page.status_code == 200
    assert reverse("results-comparison", args=[contest.pk]) not in page.content.decode()  # not theirs
