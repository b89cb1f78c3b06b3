"""Importing official totals published per region or per TEC: snapshots of level SEC or TEC."""

from __future__ import annotations

import csv

import pytest

from elections.models import Commission
from elections.services import (
    SpecError,
    StationRecord,
    define_election,
    define_protocol_form,
    ensure_hierarchy,
    region_aliases,
    shipped_spec,
)
from elections.spec_check import check_election_spec
from tallies.errors import ImportFileError
from tallies.models import OfficialProtocol, OfficialSnapshot
from tallies.services.official_levels import import_level_file

pytestmark = pytest.mark.django_db
MOSCOW = "Город Москва"


@pytest.fixture(autouse=True)
def declared_regions(contest):
    """The spec declares St Petersburg and Moscow Oblast: the files may name them before any station."""
    election = contest.election
    election.region_aliases = {name: name for name in ("Санкт-Петербург", "Московская область")}
    election.save(update_fields=["region_aliases"])
    return election


def write(path, header, *rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def region_file(folder, name="regions.csv", ur="2950"):
    """Two regions; the second has no United Russia figure (an empty cell) and no line 1."""
    return write(
        folder / name,
        ["region", "stations", "voters_on_list", "ballots_valid", "p4_KPRF", "p6_UR"],
        [MOSCOW, "3", "6126", "3650", "630", ur],
        ["Санкт-Петербург", "", "", "900", "300", ""],
    )


def test_it_imports_region_totals_as_a_regional_snapshot_reusing_existing_regions(contest, tmp_path):
    snapshot, created = import_level_file(
        contest=contest, path=region_file(tmp_path), source="test", status=OfficialSnapshot.Status.PROVISIONAL
    )

    assert created and snapshot.level == Commission.Level.SEC
    assert snapshot.status == "provisional" and snapshot.protocols_count == 2
    moscow = snapshot.protocols.get(commission__name=MOSCOW)
    assert moscow.commission.level == Commission.Level.SEC and moscow.stations_count == 3
    assert moscow.commission.children.count() == 2  # the TECs the station list created
    assert Commission.objects.filter(election=contest.election, name=MOSCOW).count() == 1
    assert moscow.figures().lines == {"voters_on_list": 6126, "ballots_valid": 3650}
    assert moscow.figures().options == {"p4_KPRF": 630, "p6_UR": 2950}


def test_it_creates_a_declared_region_under_the_root_and_leaves_absent_figures_absent(contest, tmp_path):
    snapshot, _ = import_level_file(contest=contest, path=region_file(tmp_path), source="test")

    spb = snapshot.protocols.get(commission__name="Санкт-Петербург")
    assert spb.commission.parent.parent_id is None  # directly under the CEC
    assert spb.commission.path == "ЦИК России/Санкт-Петербург/"
    assert spb.stations_count == 0  # the file does not say
    assert spb.figures().lines == {"ballots_valid": 900}
    assert spb.figures().options == {"p4_KPRF": 300}


def test_it_imports_the_same_file_once(contest, tmp_path):
    path = region_file(tmp_path)
    first, _ = import_level_file(contest=contest, path=path, source="test")

    again, created = import_level_file(contest=contest, path=path, source="test")

    assert again == first and not created
    assert OfficialSnapshot.objects.count() == 1


def test_it_imports_tec_totals_under_their_regions(contest, tmp_path):
    path = write(
        tmp_path / "tecs.csv",
        ["region", "tik", "p6_UR", "p4_KPRF"],
        [MOSCOW, "84 Пресненский район", "1605", "480"],
        ["Московская область", "Химкинская", "700", "90"],
    )

    snapshot, _ = import_level_file(contest=contest, path=path, source="test", level=Commission.Level.TEC)

    assert snapshot.level == Commission.Level.TEC
    presnya = snapshot.protocols.get(commission__name="84 Пресненский район")
    assert presnya.commission.children.count() == 2  # stations 91 and 92: the existing TEC
    khimki = snapshot.protocols.get(commission__name="Химкинская").commission
    assert khimki.level == Commission.Level.TEC and khimki.parent.level == Commission.Level.SEC


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (["region", "p6_UR"], [MOSCOW, "12a"], r"row 2, column 'p6_UR': '12a' is not a count"),
        (["region", "p6_UR"], [MOSCOW, "-5"], r"row 2, column 'p6_UR': '-5' is not a count"),
        (["region", "p6_ER"], [MOSCOW, "5"], r"columns matching no line, option or place: \['p6_ER'\]"),
        (["tik", "p6_UR"], ["84", "5"], r"missing columns \['region'\]"),
        (["region", "stations"], [MOSCOW, "3"], r"no column gives a line or an option"),
    ],
)
def test_it_names_what_is_wrong_and_writes_nothing(contest, tmp_path, header, row, message):
    path = write(tmp_path / "bad.csv", header, row)
    before = (OfficialSnapshot.objects.count(), OfficialProtocol.objects.count(), Commission.objects.count())

    with pytest.raises(ImportFileError, match=message):
        import_level_file(contest=contest, path=path, source="test")

    assert (
        OfficialSnapshot.objects.count(),
        OfficialProtocol.objects.count(),
        Commission.objects.count(),
    ) == before


def test_it_refuses_a_region_given_twice(contest, tmp_path):
    path = write(tmp_path / "twice.csv", ["region", "p6_UR"], [MOSCOW, "5"], [f" {MOSCOW} ", "6"])

    with pytest.raises(ImportFileError, match=r"row 3: Город Москва is given twice"):
        import_level_file(contest=contest, path=path, source="test")
    assert not OfficialProtocol.objects.exists()


def test_it_sums_the_regions_up_to_the_nation(contest, tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        snapshot, _ = import_level_file(contest=contest, path=region_file(tmp_path), source="test")

    nation = snapshot.protocols.get(commission__parent__isnull=True)
    assert nation.is_derived
    assert nation.figures().options == {"p4_KPRF": 930, "p6_UR": 2950}


def test_it_refuses_a_file_naming_a_region_the_election_does_not_know(contest, tmp_path):
    """Issue 22: "город Астана" silently created a new, empty region beside Nur-Sultan."""
    path = write(tmp_path / "unknown.csv", ["region", "p6_UR"], [MOSCOW, "5"], ["Тверская область", "6"])
    regions = Commission.objects.filter(election=contest.election).count()

    with pytest.raises(ImportFileError, match=r"row 3: unknown region 'Тверская область'"):
        import_level_file(contest=contest, path=path, source="test")
    assert Commission.objects.filter(election=contest.election).count() == regions
    assert not OfficialSnapshot.objects.exists()


def test_a_renamed_region_joins_the_existing_one_through_the_specs_alias(tmp_path):
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    election = define_election(spec=shipped_spec("specs", "kz-mazhilis-2021"))
    ensure_hierarchy(
        election=election,
        root_name="ЦИК РК",
        stations=[StationRecord(("город Нур-Султан", "Есильский район"), "1", 1500)],
    )
    path = write(
        tmp_path / "kz.csv", ["region", "stations", "nur_otan"], ["  Город  Астана ", "400", "300000"]
    )

    snapshot, _ = import_level_file(contest=election.contests.get(), path=path, source="test")

    protocol = snapshot.protocols.get()
    assert protocol.commission.name == "город Нур-Султан" and protocol.commission.children.count() == 1
    assert not Commission.objects.filter(election=election, name__icontains="Астана").exists()


def test_the_same_region_under_two_names_is_given_twice(tmp_path):
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    election = define_election(spec=shipped_spec("specs", "kz-mazhilis-2021"))
    path = write(tmp_path / "kz.csv", ["region", "nur_otan"], ["город Астана", "3"], ["Нур-Султан", "4"])

    with pytest.raises(ImportFileError, match=r"row 3: город Нур-Султан is given twice"):
        import_level_file(contest=election.contests.get(), path=path, source="test")


def test_an_election_without_regions_yet_creates_the_files_regions(tmp_path):
    spec = {**shipped_spec("specs", "ru-duma-2011"), "slug": "no-regions-yet"}
    election = define_election(spec=spec)
    path = write(tmp_path / "r.csv", ["region", "p6_UR"], ["Тверская область", "6"])

    snapshot, _ = import_level_file(
        contest=election.contests.get(), path=path, source="test", root_name="ЦИК"
    )

    assert snapshot.protocols.get().commission.name == "Тверская область"


def test_the_kazakh_spec_declares_seventeen_regions_and_astana_as_nur_sultan():
    spec = shipped_spec("specs", "kz-mazhilis-2021")
    check_election_spec(spec)

    aliases = region_aliases(spec["regions"])

    assert len(spec["regions"]) == 17
    assert aliases["город Астана"] == aliases["Nur-Sultan"] == "город Нур-Султан"
    with pytest.raises(SpecError, match=r"regions\[1\].aliases: 'X' is already an alias of 'A'"):
        region_aliases([{"name": "A", "aliases": ["X"]}, {"name": "B", "aliases": ["X"]}])
