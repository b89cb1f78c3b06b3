"""Chart data for static/js/analysis_charts.js, rendered with json_script (data only, no code).

Each chart is {"kind": "line" | "bar" | "bubble", "x": axis title, "y": axis title, ...}: line and
bar charts carry "labels" and "series" [{"label", "data"}], bubble charts "series" [{"label",
"points": [[x, y, stations], ...]}]. Percentages travel as text ("54.12") and are read as numbers
by the script; the tables next to each chart hold the same figures.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from elections.numbers import localized
from tallies.selectors.analysis.forensics import ForensicsPage
from tallies.selectors.analysis.seats import SeatRow
from tallies.services.analysis.forensics import TENTHS


def fingerprint_chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Return the election fingerprint: one bubble per 1-point cell, sized by its stations."""
    found = result.get("fingerprint")
    if not found:
        return None
    series = [{"label": _("Stations"), "points": found["cells"]}]
    return {"kind": "bubble", "x": _("Turnout (%)"), "y": _("Leader's share (%)"), "series": series}


def histogram_chart(result: dict[str, Any]) -> dict[str, Any] | None:
    """Return the stations per 0.1 point of turnout and of leader's share (whole percents spike)."""
    tests = result.get("integer")
    if not tests:
        return None
    labels = [localized(f"{i / 10:.1f}") for i in range(TENTHS + 1)]
    series = [
        {"label": _("Turnout"), "data": tests["turnout"]["histogram"]},
        {"label": _("Leader's share"), "data": tests["leader"]["histogram"]},
    ]
    return {"kind": "line", "x": _("Percent"), "y": _("Stations"), "labels": labels, "series": series}


def tenths_chart(page: ForensicsPage) -> dict[str, Any] | None:
    """Return the stations by the tenth digit of their percentage (".0" is a whole percent)."""
    if not page.tenth_rows:
        return None
    labels = [row[0] for row in page.tenth_rows]
    series = [
        {"label": _("Turnout"), "data": [row[1] for row in page.tenth_rows]},
        {"label": _("Leader's share"), "data": [row[2] for row in page.tenth_rows]},
    ]
    return {
        "kind": "bar",
        "x": _("Tenth digit of the percentage"),
        "y": _("Stations"),
        "labels": labels,
        "series": series,
    }


def digits_chart(page: ForensicsPage) -> dict[str, Any] | None:
    """Return the last digits of the vote counts against the uniform expectation."""
    if not page.digit_rows:
        return None
    series = [
        {"label": _("Counts ending in the digit"), "data": [row[1] for row in page.digit_rows]},
        {"label": _("Expected if uniform"), "data": [str(row[2]) for row in page.digit_rows]},
    ]
    labels = [str(row[0]) for row in page.digit_rows]
    return {"kind": "bar", "x": _("Last digit"), "y": _("Vote counts"), "labels": labels, "series": series}


def convergence_chart(contest: Contest, result: dict[str, Any]) -> dict[str, Any] | None:
    """Return the running estimates of turnout and each share after each report received."""
    convergence = result.get("convergence")
    if not convergence or not convergence["reports"]:
        return None
    labels = {"turnout": _("Turnout"), **{o.code: str(o) for o in contest.options.all()}}
    found = convergence["series"]  # stored as JSONB: keys come back in no useful order
    series = [{"label": label, "data": found[code]} for code, label in labels.items() if code in found]
    return {
        "kind": "line",
        "x": _("Reports received"),
        "y": _("Estimate (%)"),
        "labels": convergence["reports"],
        "series": series,
    }


def seats_chart(rows: list[SeatRow]) -> dict[str, Any] | None:
    """Return seats per party under the official and the observers' figures, side by side."""
    if not rows or all(r.official_seats is None and r.observer_seats is None for r in rows):
        return None
    series = [
        {"label": _("Official figures"), "data": [r.official_seats for r in rows]},
        {"label": _("Observers' figures"), "data": [r.observer_seats for r in rows]},
    ]
    labels = [str(r.option) for r in rows]
    return {"kind": "bar", "x": _("Party"), "y": _("Seats"), "labels": labels, "series": series}
