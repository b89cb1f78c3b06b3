"""The station register: hierarchy and stations from CSV or XLSX, updated by re-runs, never deleted."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from elections.models import Commission, PollingStation
from elections.services import define_election, define_protocol_form, shipped_spec
from elections.station_register import RegisterError, import_register

pytestmark = pytest.mark.django_db
HEADER = [
    "Region",
    "TEC",
    "Number",
    "Name",
    "Address",
    "Registered voters",
    "Latitude",
    "Longitude",
    "Remote",
]
ASTANA = ["Астана", "ТИК Есиль", "1", "School 12", "Kenesary 5", "2100", "51.128", "71.430", ""]
ALMATY = ["Алматы", "ТИК Бостандык", "7", "Lyceum 8", "Abai 44", "1800", "", "", "0"]
ONLINE = ["Алматы", "ТИК Бостандык", "E-1", "Remote e-voting", "", "", "", "", "yes"]


@pytest.fixture
def election():
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    return define_election(spec=shipped_spec("specs", "kz-mazhilis-2023"))


def write(path, *rows, header=HEADER):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def test_it_creates_the_hierarchy_and_stations_with_their_details(election, tmp_path):
    report = import_register(election=election, path=write(tmp_path / "r.csv", ASTANA, ALMATY, ONLINE))

    assert len(report.added) == 3 and report.rows == 3
    school = PollingStation.objects.get(pec__election=election, number="1")
    assert (school.name, school.address, school.registered_voters) == ("School 12", "Kenesary 5", 2100)
    assert str(school.latitude) == "51.128000" and school.pec.parent.name == "ТИК Есиль"
    assert school.pec.parent.parent.level == Commission.Level.SEC
    assert PollingStation.objects.get(number="E-1").is_virtual
    assert not PollingStation.objects.get(number="7").is_virtual


def test_a_rerun_reports_changes_retires_what_is_gone_and_returns_what_comes_back(election, tmp_path):
    import_register(election=election, path=write(tmp_path / "r.csv", ASTANA, ALMATY, ONLINE))
    moved = [*ALMATY]
    moved[5] = "1850"

    report = import_register(election=election, path=write(tmp_path / "r2.csv", ASTANA, moved))

    assert report.changed == [("Алматы / ТИК Бостандык / 7", "registered_voters", 1800, 1850)]
    assert report.unchanged == 1 and report.retired == ["Алматы / ТИК Бостандык / E-1"]
    online = PollingStation.objects.get(number="E-1")
    assert online.retired_at is not None  # kept, not deleted
    again = import_register(election=election, path=write(tmp_path / "r3.csv", ASTANA, moved, ONLINE))
    assert again.returned == ["Алматы / ТИК Бостандык / E-1"]
    online.refresh_from_db()
    assert online.retired_at is None


def test_an_empty_station_number_is_refused_naming_the_row_and_nothing_is_stored(election, tmp_path):
    blank = [*ALMATY]
    blank[2] = " "

    with pytest.raises(RegisterError, match=r"r.csv, row 3, column 'number': empty station number"):
        import_register(election=election, path=write(tmp_path / "r.csv", ASTANA, blank))
    assert not PollingStation.objects.exists() and not Commission.objects.exists()


def test_an_unknown_column_is_refused_by_name(election, tmp_path):
    path = write(tmp_path / "r.csv", [*ASTANA, "x"], header=[*HEADER, "Okrug"])

    with pytest.raises(RegisterError, match=r"unknown columns \['Okrug'\]"):
        import_register(election=election, path=path)


def test_the_command_reads_xlsx_and_a_dry_run_stores_nothing(election, tmp_path):
    book = Workbook()
    for row in (HEADER, ASTANA, ALMATY):
        book.active.append([int(c) if c.isdecimal() else c for c in row])
    book.save(tmp_path / "r.xlsx")
    out = StringIO()

    call_command(
        "import_stations", str(tmp_path / "r.xlsx"), "--election", election.slug, "--dry-run", stdout=out
    )
    assert "2 stations in the file: 2 added" in out.getvalue() and "dry run" in out.getvalue()
    assert not PollingStation.objects.exists()
    call_command("import_stations", str(tmp_path / "r.xlsx"), "--election", election.slug, stdout=out)
    assert PollingStation.objects.get(number="1").registered_voters == 2100
    with pytest.raises(CommandError, match="no election 'nope'"):
        call_command("import_stations", str(tmp_path / "r.xlsx"), "--election", "nope")


def test_a_register_after_national_results_joins_their_hierarchy_instead_of_starting_another(
    election, tmp_path
):
    from tallies.services.results_import import import_results
    from tests.support import shared_data

    contest = election.contests.get()
    path = shared_data() / "kz-national-results" / "kz_national_results.csv"
    import_results(contest=contest, path=path, level="nation", source="CEC", key="kz-majilis-2023")
    import_register(election=election, path=write(tmp_path / "r.csv", ASTANA), root_name="ЦИК РК")

    assert Commission.objects.filter(election=election, parent__isnull=True).count() == 1
    again = import_register(election=election, path=write(tmp_path / "r.csv", ASTANA))
    assert (again.unchanged, again.added, again.retired) == (1, [], [])
