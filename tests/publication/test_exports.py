"""Open data: CSV (UTF-8 with BOM, formula-safe), JSON and XLSX with a data dictionary; no personal data.

The personal-data test searches every file (the workbook unzipped), the zip, every public page
and every API answer for the observers' and members' names, usernames, phones and e-mails.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from config.spreadsheet_text import safe_text
from elections.models import Commission
from observers.models import ViolationAct, ViolationType
from tallies.publication.writers import csv_cell
from tests.publication.support import publish

pytestmark = pytest.mark.django_db

CSV_FILES = [
    "stations.csv",
    "commissions.csv",
    "discrepancies.csv",
    "violations.csv",
    "receipts.csv",
    "audit-chain.csv",
]


def files_of(release) -> dict[str, bytes]:
    return {f.name: bytes(f.content) for f in release.files.all()}


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("text", ["=1+1", "+7 900", "-x", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("x")'])
def test_it_neutralises_text_a_spreadsheet_would_run(text):
    assert safe_text(text) == "'" + text and csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, "-5", "-12.50", Decimal("-0.25"), 0, "plain", "a=b"])
def test_it_leaves_numbers_and_plain_text_alone(value):
    assert csv_cell(value) == str(value)


def test_it_writes_every_csv_with_a_bom_and_the_columns_of_the_dictionary(release):
    files = files_of(release)
    dictionary = json.loads(files["data-dictionary.json"])
    described = {
        r["path"]: [f["name"] for f in r["schema"]["fields"]]
        for r in dictionary["resources"]
        if "schema" in r
    }

    for name in CSV_FILES:
        assert csv_rows(files[name])[0] == described[name]
    for resource in dictionary["resources"]:
        for field in resource.get("schema", {}).get("fields", []):
            assert field["type"] and field["description"] and "unit" in field


def test_it_says_what_kind_of_result_it_is_and_when(release):
    dictionary = json.loads(files_of(release)["data-dictionary.json"])

    assert (
        dictionary["result_type"] == "final"
        and dictionary["last_updated"] == release.content["release"]["created_at"]
    )
    assert (
        dictionary["licenses"][0]["name"] == "CC-BY-4.0"
        and "kartaitogov" in dictionary["sources"][0]["title"]
    )


def test_it_publishes_the_station_comparison_line_by_line(release, station):
    rows = csv_rows(files_of(release)["stations.csv"])
    header, by_source = rows[0], {(r[0], r[8]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}

    assert header[:9] == [
        "station_number",
        "commission_path",
        "region",
        "territorial_commission",
        "registered_voters",
        "observer_code",
        "copy_submitted_at",
        "is_discrepant",
        "source",
    ]
    assert (
        by_source[("91", "observer")]["option_p6_UR"] == "445"
        and by_source[("91", "official")]["option_p6_UR"] == "1115"
    )
    assert (
        by_source[("91", "observer")]["is_discrepant"] == "true"
        and by_source[("120", "official")]["is_discrepant"] == "false"
    )
    assert {number for number, _source in by_source} == {"91", "120"}  # not the other organisation's 92


def test_it_lists_each_discrepancy_with_official_minus_observer(release):
    rows = csv_rows(files_of(release)["discrepancies.csv"])
    united_russia = next(r for r in rows if r[4] == "p6_UR")

    assert united_russia[7:] == ["445", "1115", "670"]
    assert any(r[9] == "-100" for r in rows[1:])  # a negative number is not "escaped"


def test_it_escapes_formula_text_in_csv_and_xlsx(reconciled, organization, contest, admin):
    Commission.objects.filter(name="84 Пресненский район").update(name='=HYPERLINK("http://evil.example")')

    release = publish(organization, contest, admin)
    files = files_of(release)

    assert "'=HYPERLINK" in files["commissions.csv"].decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))["commissions"]
    names = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert not any(str(name).startswith("=") for name in names)


def test_it_writes_a_workbook_with_the_csv_tables(release):
    files = files_of(release)
    workbook = openpyxl.load_workbook(io.BytesIO(files["release.xlsx"]))

    assert workbook.sheetnames == ["stations", "commissions", "discrepancies", "violations"]
    header = next(workbook["stations"].iter_rows(max_row=1, values_only=True))
    assert list(header) == csv_rows(files["stations.csv"])[0]


def test_it_writes_the_whole_release_as_json(release):
    document = json.loads(files_of(release)["release.json"])

    assert document["release"]["number"] == 1 and document["release"]["organization"]["slug"] == "golos"
    assert {s["number"] for s in document["stations"]} == {"91", "120"}
    assert document["coverage"]["stations_with_copies"] == 2 and len(document["receipts"]) == 2


@pytest.fixture
def personal(organization, observer, other_observer, coordinator, contest, station):
    """Names, phones, usernames and e-mails that must never leave the organisation."""
    observer.phone, observer.display_name = "+7 916 555-01-23", "Alice Ivanova"
    observer.save()
    observer.user.email = "alice.ivanova@mail.example"
    observer.user.save()
    other_observer.phone = "+7 903 444-99-88"
    other_observer.save()
    coordinator.email = "carol@golos.example"
    coordinator.save()
    violation, _created = ViolationType.objects.get_or_create(
        code="VOT-STUFFING", defaults={"stage": "voting", "category": "ballot_integrity"}
    )
    ViolationAct.objects.create(
        organization=organization,
        observer=observer,
        station=station,
        election=contest.election,
        stage="voting",
        violation_type=violation,
        occurred_at=timezone.now(),
        description="Alice Ivanova saw bus number 4417 bring voters",
        review=ViolationAct.Review.VERIFIED,
    )
    return [
        "Alice Ivanova",
        "alice",
        "+7 916 555-01-23",
        "916 555",
        "alice.ivanova@mail.example",
        "Oscar",
        "oscar",
        "+7 903 444-99-88",
        "carol",
        "adam",
        "adam@golos.example",
        "bus number 4417",
    ]


def texts_of(files: dict[str, bytes]) -> list[bytes]:
    """Every file's bytes, with the workbook's (zipped XML) parts unpacked."""
    found = [content for name, content in files.items() if name != "release.xlsx"]
    with zipfile.ZipFile(io.BytesIO(files["release.xlsx"])) as workbook:
        found += [workbook.read(name) for name in workbook.namelist()]
    return found


def test_it_exports_and_shows_no_personal_data(
    client, personal, reconciled, organization, contest, admin, station, tec
):
    release = publish(organization, contest, admin)
    args = release.url_args()
    pages = [
        reverse(name, args=args)
        for name in ("public-release", "public-violations", "public-data", "public-zip")
    ] + [
        reverse("public-station", args=[*args, station.pk]),
        reverse("public-commission", args=[*args, tec.pk]),
        reverse("public-index"),
        reverse("public-api-releases"),
        *(
            reverse(name, args=[release.pk])
            for name in ("public-api-release", "public-api-stations", "public-api-commissions")
        ),
    ]
    answers = [client.get(url).content for url in pages]
    with zipfile.ZipFile(io.BytesIO(answers[3])) as archive:
        unzipped = [archive.read(name) for name in archive.namelist()]
    haystacks = texts_of(files_of(release)) + answers + unzipped

    assert release.content["violations"][0]["acts"] == 1  # the act is counted...
    for needle in personal:  # ...but neither it nor anyone's identity is published
        # As a word: a random token (a CSP nonce, a signature) may hold "adam" by chance.
        word = re.compile(rb"(?<![a-z0-9])" + re.escape(needle.lower().encode()) + rb"(?![a-z0-9])")
        for haystack in haystacks:
            assert not word.search(haystack.lower()), needle
