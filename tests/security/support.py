"""Helpers of the security tests: the roles a request is made in, official files built by hand."""

from __future__ import annotations

import csv

from tallies import services
from tests.support import LINES_PEC_91_OFFICIAL, OFFICIAL_FILE, OPTIONS_PEC_91_OFFICIAL

ROLES = ("anonymous", "observer", "coordinator", "admin")  # api_world has a token for each signed-in one
# An official file's columns and PEC 91's official figures, one row a station.
CODES = [*LINES_PEC_91_OFFICIAL, *OPTIONS_PEC_91_OFFICIAL]
FIGURES = [*LINES_PEC_91_OFFICIAL.values(), *OPTIONS_PEC_91_OFFICIAL.values()]


def official_file(folder, rows: list[list[object]]):
    """An official file in the "codes" format: region, tik, uik, then one column per code."""
    path = folder / OFFICIAL_FILE
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "tik", "uik", *CODES])
        writer.writerows(rows)
    return path


def station_row(
    number: str, figures: list[object] = FIGURES, tec: str = "84 Пресненский район"
) -> list[object]:
    return ["Город Москва", "84 Пресненский район", number, *figures]


def with_figure(code: str, value: object) -> list[object]:
    return [value if name == code else figure for name, figure in zip(CODES, FIGURES, strict=True)]


def import_file(contest, path):
    return services.import_stations_file(contest=contest, path=path, source="test", root_name="ЦИК России")
