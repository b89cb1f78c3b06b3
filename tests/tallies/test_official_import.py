"""Importing official results: one snapshot per file, nothing written on a bad value, forms as data."""

import csv
from datetime import timedelta

import pytest
from django.utils import timezone

from elections.models import Commission
from elections.services import define_election, define_protocol_form, shipped_spec
from tallies import services, tasks
from tallies.errors import ImportFileError
from tallies.models import OfficialProtocol, OfficialSnapshot
from tests.support import LINES_PEC_91_OFFICIAL, OPTIONS_PEC_91_OFFICIAL, shared_data

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
    """Snapshots, protocols, figures stored (in the protocols' arrays) and commissions."""
    arrays = OfficialProtocol.objects.values_list("figure_values", flat=True)
    figures = sum(1 for values in arrays for value in values if value is not None)
    return (
        OfficialSnapshot.objects.count(),
        OfficialProtocol.objects.count(),
        figures,
        Commission.objects.count(),
    )


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


# An import made while the broker is down: the import commits, its tally message is never sent;
# `is_tallied` is the outbox, and the beat job `sweep_untallied_snapshots` tallies it.


def imported_while_the_broker_is_down(contest, tmp_path, capture, broker_down):
    broker_down(tasks.tally_official_snapshot)
    with capture(execute=True) as callbacks:
        snapshot, created = import_file(contest, write(tmp_path / "official.csv", PEC_91, PEC_93))
    assert created and len(callbacks) == 1  # the send ran after the commit, and did not raise
    snapshot.refresh_from_db()
    return snapshot


def test_the_import_commits_and_the_sweep_tallies_it(
    contest, tmp_path, broker_down, django_capture_on_commit_callbacks
):
    snapshot = imported_while_the_broker_is_down(
        contest, tmp_path, django_capture_on_commit_callbacks, broker_down
    )
    assert not snapshot.is_tallied and not snapshot.protocols.filter(is_derived=True).exists()

    assert services.sweep_untallied_snapshots(older_than=0) == 1

    snapshot.refresh_from_db()
    assert snapshot.is_tallied
    tec = snapshot.protocols.get(commission__name="84 Пресненский район")
    assert tec.is_derived and tec.stations_count == 2
    station = snapshot.protocols.filter(is_derived=False).first()
    assert tec.figures().lines["ballots_valid"] == 2 * station.figures().lines["ballots_valid"]
    assert services.sweep_untallied_snapshots(older_than=0) == 0  # nothing left: the drain is empty


def test_the_sweep_leaves_a_snapshot_whose_message_may_still_be_in_flight(
    contest, tmp_path, broker_down, django_capture_on_commit_callbacks
):
    snapshot = imported_while_the_broker_is_down(
        contest, tmp_path, django_capture_on_commit_callbacks, broker_down
    )

    assert services.sweep_untallied_snapshots(older_than=120) == 0
    OfficialSnapshot.objects.filter(pk=snapshot.pk).update(imported_at=timezone.now() - timedelta(minutes=3))
    assert services.sweep_untallied_snapshots(older_than=120) == 1


def test_the_beat_job_is_the_sweep(contest, tmp_path, broker_down, django_capture_on_commit_callbacks):
    snapshot = imported_while_the_broker_is_down(
        contest, tmp_path, django_capture_on_commit_callbacks, broker_down
    )
    OfficialSnapshot.objects.filter(pk=snapshot.pk).update(imported_at=timezone.now() - timedelta(minutes=3))

    assert tasks.sweep_untallied_snapshots.delay().get() == 1

    snapshot.refresh_from_db()
    assert snapshot.is_tallied
