"""Official results by column name, with a dry run, refusals that say what to fix, and withdrawal.

The reproductions of issue 14 come first: a file whose columns are in another order than the
form's must not put invalid ballots into "valid"; a national file under another key must not
become an empty final snapshot that a second import then returns.
"""

import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from elections.models import Commission
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies.errors import ImportFileError
from tallies.models import OfficialProtocol, OfficialSnapshot
from tallies.selectors.complete_stations import gives, percentages, sum_of
from tallies.selectors.layout import Layout
from tallies.selectors.snapshots import latest_snapshot
from tallies.services.columns import column_map_from
from tallies.services.official_tallies import tally_official_snapshot
from tallies.services.results_import import import_results, withdraw_snapshot
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL, shared_data

pytestmark = pytest.mark.django_db
FIGURES = {**LINES_PEC_91_OFFICIAL, **OPTIONS_PEC_91_OFFICIAL}
PLACE = {"region": "Город Москва", "tik": "84 Пресненский район", "uik": "91"}
DATA = "tests/tallies/data"


def write(path, header, *rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


def station_file(tmp_path, codes, values=None, name="official.csv"):
    """One station (PEC 91) with `codes` as figure columns, in that order, under those headers."""
    values = values or FIGURES
    header = ["region", "tik", "uik", *codes]
    row = [*PLACE.values(), *(values.get(code, "") for code in codes)]
    return write(tmp_path / name, header, row)


def stored(snapshot_id):
    """{code: value} of the one station protocol of a snapshot."""
    figures = OfficialProtocol.objects.get(snapshot_id=snapshot_id).figures()
    return {**figures.lines, **figures.options}


def load(contest, path, **options):
    return import_results(contest=contest, path=path, level="station", source="test", **options)


def test_columns_in_another_order_than_the_form_land_on_their_own_lines(contest, tmp_path):
    codes = list(FIGURES)
    codes.reverse()  # valid after invalid, UR before SR: position would swap them
    path = station_file(tmp_path, codes)

    report = load(contest, path)

    assert stored(report.snapshot_id) == FIGURES
    assert report.totals["ballots_valid"] == 1750 and report.totals["ballots_invalid"] == 40


def test_the_cec_wording_of_the_2011_files_is_matched_by_name_whatever_the_order(contest, tmp_path):
    wording = {line.code: line.headers[0] for line in contest.form.lines.all()}
    wording |= {option.code: option.headers[0] for option in contest.options.all()}
    codes = list(FIGURES)
    valid, invalid = codes.index("ballots_valid"), codes.index("ballots_invalid")
    codes[valid], codes[invalid] = codes[invalid], codes[valid]
    header = ["region", "tik", "uik", *(wording[code] for code in codes), "url"]
    path = write(tmp_path / "2011.csv", header, [*PLACE.values(), *(FIGURES[c] for c in codes), "http://x"])

    report = load(contest, path)

    assert stored(report.snapshot_id) == FIGURES


def test_a_file_with_more_leading_columns_is_refused_naming_the_headers_it_cannot_place(contest, tmp_path):
    header = ["okrug", "subject", "region", "tik", "uik", *FIGURES]
    path = write(tmp_path / "five.csv", header, ["ЦФО", "77", *PLACE.values(), *FIGURES.values()])

    with pytest.raises(
        ImportFileError, match=r"columns matching no line, option or place: \['okrug', 'subject'\]"
    ):
        load(contest, path)
    assert not OfficialSnapshot.objects.exists()


def test_a_line_without_a_column_is_refused_by_name_unless_the_map_says_it_is_absent(contest, tmp_path):
    codes = [code for code in FIGURES if code != "ballots_valid"]
    path = station_file(tmp_path, codes)

    with pytest.raises(ImportFileError, match=r"lines and options with no column: \['ballots_valid'\]"):
        load(contest, path)

    report = load(contest, path, column_map=column_map_from({"absent": ["ballots_valid"]}))
    assert "ballots_valid" not in stored(report.snapshot_id)


def test_a_column_map_names_headers_the_form_does_not_know(contest, tmp_path):
    codes = list(FIGURES)
    path = station_file(tmp_path, codes)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[0][rows[0].index("ballots_invalid")] = "Недействительные"
    write(path, *rows)

    with pytest.raises(ImportFileError, match="'Недействительные'"):
        load(contest, path)
    report = load(
        contest, path, column_map=column_map_from({"columns": {"недействительные": "ballots_invalid"}})
    )

    assert stored(report.snapshot_id)["ballots_invalid"] == 40


def test_a_blank_figure_is_missing_not_zero_and_the_station_is_partial(contest, tmp_path):
    path = station_file(tmp_path, list(FIGURES), {**FIGURES, "p7_RightCause": ""})

    report = load(contest, path)

    assert "p7_RightCause" not in stored(report.snapshot_id)
    assert report.missing == {"p7_RightCause": 1}
    assert (report.coverage.complete, report.coverage.partial) == (0, 1)


def test_an_empty_station_number_is_refused(contest, tmp_path):
    path = write(
        tmp_path / "x.csv", ["region", "tik", "uik", *FIGURES], ["Город Москва", "84", " ", *FIGURES.values()]
    )

    with pytest.raises(ImportFileError, match="row 2: empty station number"):
        load(contest, path)


def test_a_dry_run_reports_and_writes_nothing(contest, tmp_path):
    path = station_file(tmp_path, list(FIGURES))
    commissions = Commission.objects.count()

    report = load(contest, path, dry_run=True)

    assert (report.rows, report.snapshot_id, report.created) == (1, None, False)
    assert report.first_rows[0]["where"] == "Город Москва / 84 Пресненский район / 91"
    assert report.first_rows[0]["ballots_valid"] == 1750
    assert (report.coverage.complete, report.coverage.consistent) == (1, 1)
    assert not OfficialSnapshot.objects.exists() and Commission.objects.count() == commissions


def test_a_withdrawn_import_stays_in_history_is_no_longer_current_and_can_be_redone(contest, tmp_path):
    path = station_file(tmp_path, list(FIGURES))
    first = OfficialSnapshot.objects.get(pk=load(contest, path).snapshot_id)

    withdraw_snapshot(first, "read with the wrong column map")
    assert latest_snapshot(contest) is None
    again = load(contest, path)

    assert again.created and again.snapshot_id != first.pk
    assert latest_snapshot(contest).pk == again.snapshot_id
    first.refresh_from_db()
    assert first.withdrawn_reason == "read with the wrong column map" and stored(first.pk) == FIGURES
    with pytest.raises(ImportFileError, match="already withdrawn"):
        withdraw_snapshot(first, "again")


def test_a_repeat_is_recognised_by_contest_level_and_file(contest, tmp_path):
    path = station_file(tmp_path, list(FIGURES))
    first = load(contest, path)

    again = load(contest, path)

    assert (again.repeat, again.snapshot_id, again.created) == (True, first.snapshot_id, False)
    assert OfficialSnapshot.objects.count() == 1


def kz_contest():
    define_protocol_form(spec=shipped_spec("forms", "kz-mazhilis-party-list"))
    return define_election(spec=shipped_spec("specs", "kz-mazhilis-2023")).contests.get()


def test_a_national_file_under_another_key_is_refused_naming_the_keys_and_contests():
    path = shared_data() / "kz-national-results" / "kz_national_results.csv"
    contest = kz_contest()

    with pytest.raises(ImportFileError) as error:
        import_results(contest=contest, path=path, level="nation", source="CEC")

    message = str(error.value)
    assert "no figure for the key 'kz-mazhilis-2023'" in message
    assert "'kz-majilis-2023'" in message and "kz-mazhilis-2023/party-list" in message
    assert not OfficialSnapshot.objects.exists()
    report = import_results(contest=contest, path=path, level="nation", source="CEC", key="kz-majilis-2023")
    assert report.created and report.totals["amanat"] == 3_431_510


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_belarus_2020_goes_through_import_results_with_its_partial_figures():
    """1,395 stations with official figures, 684 complete, 606 consistent (by2020-golos README)."""
    voice = shared_data() / "by2020-golos" / "voice.csv.gz"
    run("load_election", f"{DATA}/by-2020-spec.json", f"{DATA}/by-2020-golos-form.json")
    common = ["--election", "by-president-2020", "--contest", "president", "--level", "station"]
    common += ["--source", "Golos", "--columns", f"{DATA}/by-2020-golos-columns.json"]

    with pytest.raises(CommandError, match=r"row 67, column 'against_officialVotes': '-48' is not a count"):
        run("import_results", str(voice), *common)
    output = run("import_results", str(voice), *common, "--skip-bad-cells")

    assert "1395 with figures, 684 complete, 711 partial; 606 consistent" in output
    assert "row 67, column 'against_officialVotes': '-48'" in output
    snapshot = OfficialSnapshot.objects.get()
    assert snapshot.protocols.filter(is_derived=False).count() == 1395
    station_67 = snapshot.protocols.get(commission__code="01-011-0022")  # file row 67: '-48' against
    assert "against" not in station_67.figures().options


def test_load_election_names_the_json_path_of_a_mistake(tmp_path):
    spec = shipped_spec("specs", "kz-mazhilis-2023")
    del spec["contests"][0]["options"][2]["code"]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    form = "elections/forms/kz-mazhilis-party-list.json"

    with pytest.raises(CommandError, match=r"spec.json: \$.contests\[0\].options\[2\].code: required"):
        run("load_election", str(path), form)
    assert "dry run: nothing stored" in run(
        "load_election", "elections/specs/kz-mazhilis-2023.json", form, "--dry-run"
    )
    assert not Commission.objects.exists()


def test_a_station_breaking_a_control_relation_is_counted_inconsistent_not_consistent(contest, tmp_path):
    broken = station_file(tmp_path, list(FIGURES), {**FIGURES, "ballots_valid": 1751}, name="broken.csv")
    gappy = station_file(tmp_path, list(FIGURES), {**FIGURES, "ballots_received": ""}, name="gappy.csv")

    first = load(contest, broken, dry_run=True).coverage
    second = load(contest, gappy, dry_run=True).coverage

    assert (first.complete, first.consistent, first.inconsistent) == (1, 0, 1)
    assert (second.complete, second.consistent, second.not_checkable) == (1, 0, 1)  # line 2 is needed


def test_each_station_of_one_file_gets_its_own_verdict(contest, tmp_path):
    """The report compiles the relations once per file; every row is still judged on its figures."""
    option = next(iter(OPTIONS_PEC_91_OFFICIAL))
    rows = {
        "91": FIGURES,
        "92": {**FIGURES, "ballots_valid": 1751},
        "93": {**FIGURES, "ballots_received": ""},
        "94": {**FIGURES, option: ""},
        "95": FIGURES,
    }
    header = ["region", "tik", "uik", *FIGURES]
    cells = [
        [PLACE["region"], PLACE["tik"], uik, *(values[code] for code in FIGURES)]
        for uik, values in rows.items()
    ]

    coverage = load(contest, write(tmp_path / "mixed.csv", header, *cells), dry_run=True).coverage

    assert (coverage.stations, coverage.complete, coverage.partial) == (5, 4, 1)
    assert (coverage.consistent, coverage.inconsistent, coverage.not_checkable) == (2, 1, 1)


def test_withdraw_results_takes_a_snapshot_out_of_use(contest, tmp_path):
    snapshot_id = load(contest, station_file(tmp_path, list(FIGURES))).snapshot_id

    with translation.override("ru"):  # the site's default language
        output = run("withdraw_results", str(snapshot_id), "--reason", "wrong file")

    # The names as stored, as load_election prints them, not in the site's default language.
    assert f"({contest.election.name}: {contest.name}, " in output and output.endswith("withdrawn\n")
    assert latest_snapshot(contest) is None
    with pytest.raises(CommandError, match="already withdrawn"):
        run("withdraw_results", str(snapshot_id), "--reason", "again")


def test_belarus_2020_official_turnout_is_over_the_stations_giving_every_line_it_needs():
    """Summed up from partial station protocols, the national official turnout is over the
    protocols giving every turnout line (complete_stations, official_bases), not the ratio of
    sums over whatever protocols give each line."""
    voice = shared_data() / "by2020-golos" / "voice.csv.gz"
    run("load_election", f"{DATA}/by-2020-spec.json", f"{DATA}/by-2020-golos-form.json")
    common = ["--election", "by-president-2020", "--contest", "president", "--level", "station"]
    common += ["--source", "Golos", "--columns", f"{DATA}/by-2020-golos-columns.json", "--skip-bad-cells"]
    run("import_results", str(voice), *common)
    snapshot = OfficialSnapshot.objects.get()
    tally_official_snapshot(snapshot_id=snapshot.pk)

    layout = Layout.of(snapshot.contest)
    keys = layout.turnout_keys()
    stations = [p.figures() for p in snapshot.protocols.filter(is_derived=False)]
    giving = [figures for figures in stations if gives(figures, keys)]
    root = snapshot.protocols.get(commission__parent=None)
    missing, subsets = root.percent_bases()
    found = percentages(layout, root.figures(), root.stations_count, missing, subsets)

    assert keys and 0 < len(giving) < len(stations) == root.stations_count == 1395
    assert found.turnout == layout.turnout(sum_of(giving))
    assert (found.turnout_basis.stations, found.turnout_basis.of) == (len(giving), 1395)
    assert layout.turnout(root.figures()) != found.turnout  # the ratio of sums over different stations
