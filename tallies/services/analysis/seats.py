"""Seats under the contest's rule (SeatRule, data per contest) from official, observer or published figures.

The official figures are the root protocol of the newest final snapshot; the observers' are the
organisation's tally of the root commission (only the stations it has copies of). Voters who
took part are the lines whose role says so (elections.roles.took_part_lines). Against-all
options never take seats and are left out of the votes shared out (and of a valid-votes base).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from elections import roles
from elections.models import Commission, Contest, SeatRule
from elections.numbers import percent
from elections.protocol import Figures
from observers.models import Organization
from tallies.analysis import seats as arithmetic
from tallies.models import AnalysisRun, ObserverTally, OfficialSnapshot
from tallies.selectors import input_versions as versions
from tallies.services.analysis.errors import AnalysisError


def rule_of(contest: Contest) -> SeatRule:
    """Return the contest's seat rule; raise AnalysisError when none is defined."""
    rule = SeatRule.objects.filter(contest=contest).first()
    if rule is None:
        raise AnalysisError(_("No seat rule is defined for this contest."))
    return rule


def as_rule(rule: SeatRule) -> arithmetic.AllocationRule:
    """Return the stored rule as the arithmetic's rule (threshold in percent of its base)."""
    return arithmetic.AllocationRule(
        seats=rule.seats,
        threshold_percent=Decimal(rule.threshold_percent),
        threshold_base=rule.threshold_base,  # type: ignore[arg-type]
        method=rule.method,  # type: ignore[arg-type]
        next_party_if_single=rule.next_party_if_single,
    )


def rule_inputs(rule: SeatRule) -> dict[str, Any]:
    """Return the rule as JSON: seats, threshold (percent, as text), base, method, source."""
    return {
        "seats": rule.seats,
        "threshold_percent": str(rule.threshold_percent),
        "threshold_base": rule.threshold_base,
        "method": rule.method,
        "next_party_if_single": rule.next_party_if_single,
    }


def inputs(organization: Organization, contest: Contest, parameters: dict[str, Any]) -> dict[str, Any]:
    """Return the rule, the official snapshot id and the version of the organisation's national tally."""
    snapshot = versions.official_snapshot(contest)
    tally = root_tally(organization, contest)
    return {
        "rule": rule_inputs(rule_of(contest)),
        "snapshot_id": snapshot.pk if snapshot else None,
        "observer_tally_at": tally.updated_at.isoformat() if tally else None,
    }


def compute(run: AnalysisRun) -> tuple[dict[str, Any], dict[str, Any]]:
    """Allocate the seats from both sources; return (inputs, result) with "changes" True/False/None."""
    contest = run.contest
    current = inputs(run.organization, contest, {})
    snapshot = OfficialSnapshot.objects.filter(pk=current["snapshot_id"]).first()
    tally = root_tally(run.organization, contest)
    observer = (tally.figures(), tally.stations_count) if tally else None
    return current, allocate_both(contest, snapshot, observer)


def allocate_both(
    contest: Contest, snapshot: OfficialSnapshot | None, observer: tuple[Figures, int] | None
) -> dict[str, Any]:
    """Seats from the official national figures of `snapshot` and from `observer` (figures summed
    over the observed stations, stations): {"official", "observer", "changes"}. The observer side
    is one organisation's national tally, or a coalition's pool (tallies.services.analysis.pooled)."""
    rule, context = as_rule(rule_of(contest)), _Context.of(contest)
    official = _official(snapshot, contest)
    result = {
        "official": context.allocation(*official, rule) if official else None,
        "observer": context.allocation(*observer, rule) if observer else None,
    }
    return {**result, "changes": changes(result["official"], result["observer"])}


def root_tally(organization: Organization, contest: Contest) -> ObserverTally | None:
    """Return the organisation's tally of the whole contest (the root commission), if any."""
    return ObserverTally.objects.filter(
        organization=organization, contest=contest, commission__parent__isnull=True
    ).first()


def _official(snapshot: OfficialSnapshot | None, contest: Contest) -> tuple[Figures, int] | None:
    if snapshot is None:
        return None
    root = Commission.objects.filter(election_id=contest.election_id, parent__isnull=True)
    protocol = snapshot.protocols.filter(commission__in=root).first()  # None until tallied
    return (protocol.figures(), protocol.stations_count) if protocol else None


def changes(official: dict[str, Any] | None, observer: dict[str, Any] | None) -> bool | None:
    """Return whether the observer figures give other seats than the official ones (None: unknown)."""
    if not official or not observer or official.get("error") or observer.get("error"):
        return None
    return bool(official["seats"] != observer["seats"])


def seats_from_shares(*, contest: Contest, shares: dict[str, Decimal]) -> dict[str, Any]:
    """Allocate seats from published percentages by option code (percent of the rule's base)."""
    rule, parties = as_rule(rule_of(contest)), _Context.of(contest).parties
    weights = {code: shares[code] for code in parties if code in shares}
    try:
        allocation = arithmetic.allocate_from_shares(weights, rule)
    except ValueError:
        return {"shares": {k: str(v) for k, v in weights.items()}, "error": "none_passed"}
    return {"shares": {k: str(v) for k, v in weights.items()}, **_allocated(allocation), "error": ""}


class _Context:
    """The contest's parties (no against-all) and the lines that count voters who took part."""

    def __init__(self, parties: list[str], took_part_lines: list[str]) -> None:
        self.parties, self.took_part_lines = parties, took_part_lines

    @classmethod
    def of(cls, contest: Contest) -> _Context:
        parties = list(contest.options.filter(is_against_all=False).values_list("code", flat=True))
        return cls(parties, [line.code for line in roles.took_part_lines(contest.form.lines.all())])

    def took_part(self, figures: Figures) -> int | None:
        """Return the voters who took part: the sum of the lines elections.roles says count them
        (None when a figure is missing)."""
        if self.took_part_lines and all(code in figures.lines for code in self.took_part_lines):
            return sum(figures.lines[code] for code in self.took_part_lines)
        return None

    def allocation(self, figures: Figures, stations: int, rule: arithmetic.AllocationRule) -> dict[str, Any]:
        """Allocate seats from one source's figures; "error" names why not (no votes, no base, ...)."""
        votes = {code: figures.options.get(code, 0) for code in self.parties}
        took_part = self.took_part(figures)
        found = {"votes": votes, "voters_took_part": took_part, "stations": stations, "error": ""}
        if not any(votes.values()):
            return {**found, "error": "no_votes"}
        if rule.threshold_base == "voters_took_part" and (
            took_part is None or took_part < sum(votes.values())
        ):
            return {**found, "error": "no_voters_took_part"}
        try:
            return {**found, **_allocated(arithmetic.allocate(votes, rule, took_part))}
        except ValueError:
            return {**found, "error": "none_passed"}


def _allocated(allocation: arithmetic.Allocation) -> dict[str, Any]:
    return {
        "seats": allocation.seats,
        "passed": list(allocation.passed),
        "admitted": list(allocation.admitted),
        "threshold": _text(allocation.threshold),
        "quota": _text(allocation.quota) if allocation.quota is not None else None,
        "tied": list(allocation.tied),
    }


def _text(value: Fraction) -> str:
    """Return an exact quantity (votes, or percent for shares) as text rounded half-up to 0.01."""
    return str(percent(value.numerator, 100 * value.denominator))
