"""Importing official results: one snapshot per file, nothing written on a bad value, forms as data."""

import csv

import pytest

from elections.models import Commission
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies import services
from tallies.errors import ImportFileError
from tallies.models import OfficialFigure, OfficialProtocol, OfficialSnapshot
from tests.conftest import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL, shared_data

HEADER = ["region", "tik", "uik", *LINES_PEC_91_OFFICIAL, *OPTIONS_PEC_91_OFFICIAL]
LINES = [*LINES_PEC_91_OFFICIAL.values()]
OPTIONS = [*OPTIONS_PEC_91_OFFICIAL.values()]
PEC_91 = ["Город Москва", "84 Пресненский район", "91", *LINES, *OPTIONS]
PEC_93 = ["Город Москва", "84 Пресненский район", "93", *LINES, *OPTIONS]


def write(path, *rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def counts() -> tuple[int, ...]:
    models = (OfficialSnapshot, OfficialProtocol, OfficialFigure, Commission)
    return tuple(model.objects.count() for model in models)


def import_file(contest, path):
    return services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")


def test_it_imports_the_same_file_only_once(contest, tmp_path):
    path = write(tmp_path / "official.csv", PEC_91, PEC_93)
    first, created = import_file(contest, path)
    after_first = counts()

    again, created_again = import_file(contest, path)

    assert (created, created_again) == (True, False)
    assert again == first
    assert counts() == after_first
    assert after_first[:3] == (1, 2, 2 * 25)


@pytest.mark.parametrize("bad", ["12x", "-3"])
def test_it_names_the_row_and_column_of_a_bad_value_and_writes_nothing(contest, tmp_path, bad):
    bad_row = [*PEC_93]
    bad_row[HEADER.index("ballots_valid")] = bad
    path = write(tmp_path / "official.csv", PEC_91, bad_row)
    before = counts()

    with pytest.raises(ImportFileError, match=rf"official.csv, row 3, column 'ballots_valid': '{bad}'"):
        import_file(contest, path)

    assert counts() == before


@pytest.mark.django_db
def test_it_imports_kazakh_party_list_totals_with_against_all():
    data = shared_data()
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    contest = define_election(spec=shipped_spec("specs", "kz-mazhilis-2023")).contests.get()

    snapshot, _ = services.import_official_results(
        contest=contest,
        path=data / "kz-national-results" / "kz_national_results.csv",
        election_key="kz-majilis-2023",
        source="CEC of Kazakhstan via kz-national-results",
        root_name="ЦИК РК",
    )

    figures = snapshot.protocols.get().figures()
    assert figures.options["amanat"] == 3_431_510
    assert figures.options["against_all"] == 248_291
    assert contest.options.get(code="against_all").is_against_all
    assert figures.lines["voters_took_part"] == 6_366_441 == sum(figures.options.values())
