"""Hostile spreadsheets: broken official-results rows import nothing; formula text never leaves as a formula.

Imports: a row missing a figure, a figure that is not a count (a word, "²", a negative), a station
listed twice and a formula in a name each stop the import with an error naming the row (and the
column of a figure), and leave no snapshot, protocol or commission behind.

Exports: every CSV/XLSX writer (results pages, release files) turns a cell a spreadsheet would run
as a formula (= + - @ tab CR first, per OWASP "CSV injection") into text with a leading "'".
"""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from elections.models import Commission
from tallies.errors import ImportFileError
from tallies.models import OfficialProtocol, OfficialSnapshot
from tallies.publication.columns import Column, Table
from tallies.publication.writers import csv_bytes, xlsx_bytes
from tallies.views.results import csv_cell
from tests.security.support import FIGURES, import_file, official_file, station_row, with_figure

pytestmark = pytest.mark.django_db

PAYLOADS = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.fixture
def nothing_imported(contest):
    """Assert, after the test, that the failed import left no trace."""
    commissions = Commission.objects.count()
    yield
    assert not OfficialSnapshot.objects.exists()
    assert not OfficialProtocol.objects.exists()
    assert Commission.objects.count() == commissions


@pytest.mark.parametrize(
    ("bad_row", "column"),
    [
        (station_row("92", FIGURES[:-1]), "p7_RightCause"),  # the last column is missing
        (station_row("92", with_figure("ballots_valid", "много")), "ballots_valid"),
        (station_row("92", with_figure("ballots_valid", "²")), "ballots_valid"),  # a digit to isdigit()
        (station_row("92", with_figure("p6_UR", "-5")), "p6_UR"),
        (station_row("92", with_figure("p6_UR", "1.5")), "p6_UR"),
    ],
    ids=["missing-column", "word", "superscript-two", "negative", "fraction"],
)
@pytest.mark.usefixtures("nothing_imported")
def test_a_bad_figure_stops_the_import_naming_its_row_and_column(contest, tmp_path, bad_row, column):
    path = official_file(tmp_path, [station_row("91"), bad_row])

    with pytest.raises(ImportFileError) as error:
        import_file(contest, path)

    assert f"row 3, column {column!r}" in str(error.value)


@pytest.mark.usefixtures("nothing_imported")
def test_a_station_listed_twice_stops_the_import_naming_the_row(contest, tmp_path):
    path = official_file(tmp_path, [station_row("91"), station_row("92"), station_row("91")])

    with pytest.raises(ImportFileError) as error:
        import_file(contest, path)

    assert "row 4" in str(error.value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_csv_writer_quotes_formula_text(payload):
    table = Table("t", "T", "", [Column("name", "string", "", "")], [[payload], [-5], ["-5"]])

    written = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))

    assert written[1:] == [["'" + payload], ["-5"], ["-5"]]  # numbers, and text that is a number, stay
    assert csv_cell(payload) == "'" + payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_xlsx_writer_stores_formula_text_as_quoted_strings(payload):
    table = Table("t", "T", "", [Column(payload, "string", "", "")], [[payload], [-5]])

    sheet = load_workbook(io.BytesIO(xlsx_bytes([table], created_at=timezone.now()))).worksheets[0]

    stored = "'" + payload.replace("\r", "\n")  # XML reads a CR in text back as LF
    assert [(cell.data_type, cell.value) for cell in sheet["A"]] == [
        ("s", stored),  # the header too: column names carry codes that come from data
        ("s", stored),
        ("n", -5),
    ]
