"""The analysis pages' tables as (header, rows) for CSV downloads: the open data behind each chart."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from elections.models import Contest
from tallies.selectors.analysis.forensics import DigitRow, ForensicsPage
from tallies.selectors.analysis.quick_count import QuickCountPage, convergence_table
from tallies.services.analysis.forensics import TENTHS

Table = tuple[list[str], list[list[Any]]]


def fingerprint_table(page: ForensicsPage) -> Table:
    """Return every non-empty 1-point cell of the fingerprint: turnout, leader's share, stations."""
    cells = (page.state.result.get("fingerprint") or {}).get("cells", [])
    return [_("Turnout (%, from)"), _("Leader's share (%, from)"), _("Stations")], cells


def histogram_table(page: ForensicsPage) -> Table:
    """Return stations per 0.1 point of turnout and of the leader's share."""
    tests = page.state.result.get("integer") or {}
    if not tests:
        return [], []
    turnout, leader = tests["turnout"]["histogram"], tests["leader"]["histogram"]
    rows = [[f"{i / 10:.1f}", turnout[i], leader[i]] for i in range(TENTHS + 1)]
    return [_("Percent (from)"), _("Stations by turnout"), _("Stations by leader's share")], rows


def tests_table(page: ForensicsPage) -> Table:
    """Return the integer-percentage tests: observed, expected, excess, spread, z and both p-values."""
    header = [_("Figure"), _("Stations tested"), _("At a whole percent"), _("Expected"), _("Excess")]
    header += [_("Spread (SD of the simulations)"), "z", _("p (simulations)"), _("p (normal)")]
    rows = [
        [r.label, r.stations, r.observed, r.expected, r.excess, r.spread, r.z, r.p_value, r.p_normal]
        for r in page.integer_rows
    ]
    return header, rows


def tenths_table(page: ForensicsPage) -> Table:
    """The tenth digits as CSV writes numbers (".0" ... ".9"), whatever the page's language."""
    rows = [[f".{digit}", turnout, leader] for digit, (_label, turnout, leader) in enumerate(page.tenth_rows)]
    return [_("Tenth digit"), _("Stations by turnout"), _("Stations by leader's share")], rows


def digits_table(page: ForensicsPage) -> Table:
    return [_("Last digit"), _("Vote counts"), _("Expected if uniform")], page.digit_rows


def digit_tests_table(page: ForensicsPage) -> Table:
    """Return each option's last-digit test: counts tested, slope bias, chi-square, p and the finding."""
    header = [_("Option"), _("Counts of 100 or more"), _("Slope bias"), _("Chi-square"), "p", _("Finding")]
    rows = [
        [r.option, r.counts, r.slope_bias, r.chi_square, r.p_value, digit_finding(r)]
        for r in page.digit_tests
    ]
    return header, rows


def digit_finding(row: DigitRow) -> str:
    """Word one option's last-digit finding: says nothing (and why), a lead, or no lead."""
    if row.reason == "few counts":
        return _("says nothing: fewer than 50 counts of 100 or more")
    if row.reason == "slope":
        return _("says nothing: the counts' distribution is too steep for uniform last digits")
    if row.is_lead:
        return _("lead: digits further from uniform than chance explains")
    return _("no lead: digits consistent with uniform")


def outliers_table(page: ForensicsPage) -> Table:
    """Return the stations furthest from their TEC's median turnout (robust z-score)."""
    header = [_("Station"), _("Territorial commission"), _("Turnout (%)"), _("TEC median (%)"), _("Robust z")]
    header.append(_("Side of the median"))
    rows = [
        [o["number"], o["tec"], o["turnout"], o["median"], o["score"], side_text(o.get("side", ""))]
        for o in page.outliers["top"]
    ]
    return header, rows


def side_text(side: str) -> str:
    """Word the side of the median an outlier lies on ("above" / "below") for people."""
    return {"above": _("above the median"), "below": _("below the median")}.get(side, "")


def estimate_table(page: QuickCountPage) -> Table:
    """Return the quick-count estimate: share, margin and the 95 % interval per row."""
    header = [_("Figure"), _("Estimate (%)"), _("Margin of error (points)"), _("From (%)"), _("To (%)")]
    return header, [[r.label, r.share, r.margin, r.low, r.high] for r in page.rows]


def sample_table(page: QuickCountPage, stations: list[Any]) -> Table:
    """Return the sampled stations: region, TEC, number and whether each has reported."""
    header = [_("Region"), _("Territorial commission"), _("Station"), _("Reported")]
    rows = [[s.stratum, s.tec, s.number, _("yes") if s.has_reported else _("no")] for s in stations]
    return header, rows


def convergence(contest: Contest, page: QuickCountPage) -> Table:
    return convergence_table(contest, page.state.result)
