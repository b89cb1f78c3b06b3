"""Uploads are bounded before they are parsed (issue 12, reproduction 4).

A 409 KB roster .xlsx whose sharedStrings.xml expanded to 400 MiB once held a web worker at
1.2 GiB. Every importer (roster, station lists, official results) reads through config.uploads:
zip members are counted and their uncompressed sizes summed from the central directory before
openpyxl sees the file, gzip is stopped as soon as it inflates past the bound, and rows and
columns are counted while reading.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from config import uploads
from elections import station_register
from observers.models import Observer
from observers.services import roster, roster_files
from tallies.errors import ImportFileError
from tallies.models import OfficialSnapshot
from tallies.services import station_files
from tests.security.support import CODES, import_file, station_row

pytestmark = pytest.mark.django_db

BOMB_BYTES = 64 * uploads.MiB  # what sharedStrings.xml inflates to; the roster allows 8 MiB


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bomb() -> bytes:
    """A valid roster .xlsx with a sharedStrings.xml (one huge string) that inflates to BOMB_BYTES."""
    source = zipfile.ZipFile(io.BytesIO(workbook([["name", "phone"], ["Aigerim", "87011234567"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                archive.writestr(member, source.read(member))
        with archive.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * uploads.MiB
            for _ in range(BOMB_BYTES // len(chunk)):
                strings.write(chunk)
            strings.write(b"</t></si></sst>")
    return out.getvalue()


@pytest.fixture
def openpyxl_must_not_read(monkeypatch):
    """Fail the test if openpyxl is asked to open the workbook at all."""

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused unread")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.usefixtures("openpyxl_must_not_read")
def test_a_decompression_bomb_roster_is_refused_before_openpyxl_reads_it(organization):
    content = bomb()
    assert len(content) < roster.MAX_BYTES  # small on the wire: only the inflated size gives it away

    result = roster.check_roster(organization=organization, content=content, filename="roster.xlsx")
    [error] = result.errors
    assert error.message == "The file unpacks to more than 8.0\xa0MB."
    assert result.rows == []


@pytest.mark.usefixtures("openpyxl_must_not_read")
def test_the_roster_page_answers_a_bomb_with_the_reason(client, coordinator, organization):
    client.force_login(coordinator)
    url = reverse("roster-import", args=[organization.slug])
    upload = SimpleUploadedFile("roster.xlsx", bomb())

    response = client.post(url, {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "The file unpacks to more than 8.0\xa0MB." in response.content.decode()
    assert not Observer.objects.exists()


@pytest.mark.usefixtures("openpyxl_must_not_read")
def test_an_xlsx_with_too_many_zip_members_is_refused_unread(organization):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(roster_files.LIMITS.max_members + 1):
            archive.writestr(f"xl/media/{number}.bin", b"")

    result = roster.check_roster(organization=organization, content=out.getvalue(), filename="roster.xlsx")

    assert result.errors[0].message == f"The archive holds more than {roster_files.LIMITS.max_members} files."


def test_an_xlsx_with_rows_far_below_the_header_is_refused_at_the_row_limit(organization):
    book = Workbook()
    book.active.append(["name", "phone"])
    book.active.cell(row=roster_files.MAX_SCANNED + 5, column=1, value="Aigerim")  # blank rows in between
    out = io.BytesIO()
    book.save(out)

    result = roster.check_roster(organization=organization, content=out.getvalue(), filename="roster.xlsx")
    [error] = result.errors
    assert error.row == roster_files.MAX_SCANNED + 1
    assert "more than 20000 rows" in error.message


def test_an_xlsx_value_past_the_column_limit_is_refused_naming_its_row(organization):
    wide = ["Aigerim", "87011234567", *[""] * (roster_files.MAX_COLUMNS - 2), "surplus"]
    content = workbook([["name", "phone"], wide])

    [error] = roster.check_roster(organization=organization, content=content, filename="roster.xlsx").errors

    assert (error.row, error.message) == (2, "Row 2 has more than 20 columns.")


def test_a_csv_row_past_the_column_limit_is_refused_naming_its_row(organization):
    text = "name,phone\nAigerim,87011234567\n" + ",".join(["x"] * (roster_files.MAX_COLUMNS + 1)) + "\n"

    result = roster.check_roster(organization=organization, content=text.encode(), filename="roster.csv")
    [error] = result.errors

    assert (error.row, error.message) == (3, "Row 3 has more than 20 columns.")


def test_an_xlsx_declaring_xml_entities_is_refused(organization):
    """openpyxl parses through defusedxml (requirements.txt): no entity is expanded, however small."""
    source = zipfile.ZipFile(io.BytesIO(workbook([["name", "phone"], ["Aigerim", "87011234567"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                doctype = b'<!DOCTYPE worksheet [<!ENTITY a "Aigerim">]>'
                content = doctype + content.replace(b">Aigerim<", b">&a;<")
                assert b"&a;" in content
            archive.writestr(member, content)

    result = roster.check_roster(organization=organization, content=out.getvalue(), filename="roster.xlsx")

    assert [error.message for error in result.errors] == ["This is not a readable .xlsx file."]


def test_a_clean_xlsx_roster_still_reads(organization):
    content = workbook([["name", "phone"], ["Aigerim", 87011234567]])

    result = roster.check_roster(organization=organization, content=content, filename="roster.xlsx")

    assert result.is_clean
    assert [row.name for row in result.rows] == ["Aigerim"]


SMALL = uploads.Limits(max_bytes=64 * 1024, max_unpacked_bytes=64 * 1024, max_rows=5, max_columns=100)


def official_lines(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["region", "tik", "uik", *CODES])
    writer.writerows(station_row(str(100 + number)) for number in range(rows))
    return out.getvalue().encode()


def test_a_gzipped_official_file_is_stopped_once_it_inflates_past_the_limit(contest, tmp_path, monkeypatch):
    monkeypatch.setattr(station_files, "LIMITS", SMALL)
    path = tmp_path / "stations.csv.gz"
    path.write_bytes(gzip.compress(official_lines(2) + b"#" * (SMALL.max_unpacked_bytes * 4)))
    assert path.stat().st_size < SMALL.max_bytes

    with pytest.raises(ImportFileError, match=r"stations\.csv\.gz: The file unpacks to more than 64\.0.KB"):
        import_file(contest, path)
    assert not OfficialSnapshot.objects.exists()


def test_a_zipped_official_file_too_large_once_unpacked_is_refused_unread(contest, tmp_path, monkeypatch):
    monkeypatch.setattr(station_files, "LIMITS", SMALL)
    path = tmp_path / "stations.csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("stations.csv", official_lines(2) + b"\n" * (SMALL.max_unpacked_bytes * 4))

    with pytest.raises(ImportFileError, match=r"stations\.csv\.zip: The file unpacks to more than"):
        import_file(contest, path)
    assert not OfficialSnapshot.objects.exists()


def test_an_official_file_with_too_many_rows_is_refused_naming_the_row(contest, tmp_path, monkeypatch):
    monkeypatch.setattr(station_files, "LIMITS", SMALL)
    path = tmp_path / "stations.csv"
    path.write_bytes(official_lines(SMALL.max_rows))  # the header makes one row too many

    with pytest.raises(ImportFileError, match=r"row 6: The file has more than 5 rows"):
        import_file(contest, path)
    assert not OfficialSnapshot.objects.exists()


@pytest.mark.usefixtures("openpyxl_must_not_read")
def test_a_decompression_bomb_station_register_is_refused_unread(contest, tmp_path, monkeypatch):
    """Issue 12 (scope: the station importer uses the same guard as the roster and official results)."""
    from elections.models import PollingStation
    from elections.station_register import RegisterError, import_register

    small_once_unpacked = uploads.Limits(
        max_bytes=4 * uploads.MiB, max_unpacked_bytes=8 * uploads.MiB, max_rows=5, max_columns=100
    )
    monkeypatch.setattr(station_register, "LIMITS", small_once_unpacked)
    path = tmp_path / "register.xlsx"
    path.write_bytes(bomb())
    stations = PollingStation.objects.count()

    with pytest.raises(RegisterError, match=r"register\.xlsx.*The file unpacks to more than 8\.0.MB"):
        import_register(election=contest.election, path=path)
    assert PollingStation.objects.count() == stations
