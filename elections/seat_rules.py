"""Setting a contest's seat rule, with an audit entry for every change (issue 12).

The rule decides the seat tables an organisation publishes, so a change says who made it, when,
how, and what the rule was before (elections.models.SeatRuleChange, append-only).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from elections.models import Contest, SeatRule, SeatRuleChange

CENTS = Decimal("0.01")  # the column keeps two decimals: compare and log the rule as stored


def rule_values(rule: SeatRule | None) -> dict[str, Any]:
    """The rule as JSON: seats, threshold (percent, as text), base, method, single-party rule, source."""
    if rule is None:
        return {}
    return {
        "seats": rule.seats,
        "threshold_percent": str(Decimal(rule.threshold_percent).quantize(CENTS)),
        "threshold_base": rule.threshold_base,
        "method": rule.method,
        "next_party_if_single": rule.next_party_if_single,
        "source": rule.source,
    }


@transaction.atomic
def set_seat_rule(
    *,
    contest: Contest,
    seats: int,
    threshold_percent: Decimal,
    threshold_base: str,
    method: str,
    next_party_if_single: bool = False,
    source: str = "",
    by: User | None,
    via: str,
) -> SeatRule:
    """Create or replace the contest's rule and log the change; ValidationError (by field) on a bad rule.

    `threshold_percent` in percent of `threshold_base`; `via` names the path (e.g. "manage.py
    set_seat_rule"). An unchanged rule is saved again but logs nothing.
    """
    rule = SeatRule.objects.select_for_update().filter(contest=contest).first()
    before = rule_values(rule)
    rule = rule or SeatRule(contest=contest)
    rule.seats, rule.threshold_percent, rule.threshold_base = seats, threshold_percent, threshold_base
    rule.method, rule.next_party_if_single, rule.source = method, next_party_if_single, source
    rule.full_clean()
    rule.save()
    record_change(rule, before=before, by=by, via=via)
    return rule


def record_change(
    rule: SeatRule, *, before: dict[str, Any], by: User | None, via: str
) -> SeatRuleChange | None:
    """Log `rule` as just saved against `before` (rule_values of the old rule, {} for a new one).

    Every path that writes a seat rule calls this: set_seat_rule, and the election specs
    (elections.services.define_election, e.g. manage.py load_election). Nothing is logged, and
    None returned, when the rule did not change.
    """
    after = rule_values(rule)
    if after == before:
        return None
    return SeatRuleChange.objects.create(
        contest=rule.contest, changed_by=by, via=via, before=before, after=after
    )
