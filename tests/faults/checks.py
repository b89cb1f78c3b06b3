"""The check every fault case ends with: nothing acknowledged lost, tallies exact, audit intact.

1. every copy the server acknowledged exists exactly once, and nothing is stored that no phone sent;
2. every station is applied within the case's bound (`phones.settle_bound`: seconds from the end
   of the last fault, for the stations then waiting; docs/faults.md, "Bounds"), and then the
   incremental tallies equal a
   full recompute, and the national tally equals the sum of the stations' own figures (an oracle
   independent of the product);
3. the audit chain verifies and every copy matches the digest sealed into it.
"""

from __future__ import annotations

import os
import time
from collections import Counter

from django.db.models import QuerySet

from elections.models import Commission
from elections.protocol import Figures, sum_figures
from observers.services import audit
from tallies.models import WITH_FIGURES, ObserverTally, ProtocolCopy, StationTallyState
from tallies.services import recompute_observer_tallies, seals
from tests.faults import report
from tests.faults.field import Field, Phones


def tallies(field: Field) -> dict:
    """(commission id) → (lines, options, stations) of every non-empty tally of the organisation."""
    return {
        t.commission_id: (t.line_totals, t.option_totals, t.stations_count)
        for t in ObserverTally.objects.filter(organization=field.organization, contest=field.contest)
        if t.stations_count
    }


def current_figures(field: Field) -> dict[int, Figures]:
    """Station id → the figures of its current (latest) copy, read from the stored rows."""
    copies = ProtocolCopy.objects.filter(contest=field.contest).current().prefetch_related(WITH_FIGURES)
    return {copy.station_id: copy.figures() for copy in copies}


def assert_nothing_lost(field: Field, phones: Phones) -> None:
    """Run the three checks above; AssertionError naming what differs."""
    assert not phones.refused, f"the server refused copies it should take: {phones.refused[:5]}"
    stored = Counter(
        str(key)
        for key in ProtocolCopy.objects.filter(contest=field.contest).values_list("client_uuid", flat=True)
    )
    missing = set(phones.acknowledged) - set(stored)
    once = not missing and max(stored.values(), default=1) == 1 and set(stored) <= phones.sent
    report.record_check(len(phones.acknowledged), once, None, None)
    assert not missing, f"{len(missing)} acknowledged copies are not stored, e.g. {sorted(missing)[:3]}"
    assert max(stored.values(), default=1) == 1
    assert set(stored) <= phones.sent, "a copy is stored that no phone sent"

    stale = StationTallyState.objects.filter(organization=field.organization, contest=field.contest).stale()
    bound = phones.settle_bound.seconds(stale.count())
    report.record_check(len(phones.acknowledged), once, None, bound)
    settled = _settle(stale, bound)
    report.record_check(len(phones.acknowledged), once, settled, bound)
    incremental = tallies(field)
    recompute_observer_tallies(organization_id=field.organization.pk, contest_id=field.contest.pk)
    assert incremental == tallies(field), "the incremental tallies differ from a full recompute"
    _assert_national_total(field)

    seals.seal_copies()
    assert audit.verify_chain(field.organization).ok
    assert seals.verify_seals(field.organization) == []
    _print_figures(phones, len(stored), settled)


def _settle(stale: QuerySet[StationTallyState], bound: float) -> float:
    """Seconds until no station of `stale` is left; AssertionError if not within `bound`."""
    started = time.monotonic()
    while stale.exists():
        waited = time.monotonic() - started
        assert waited <= bound, (
            f"{stale.count()} stations still not applied {waited:.0f} s after the fault "
            f"(bound {bound:.0f} s), e.g. state ids {list(stale.values_list('pk', flat=True)[:5])}"
        )
        time.sleep(0.5)
    return time.monotonic() - started


def _print_figures(phones: Phones, stored: int, settled: float) -> None:
    """One line per case for `make faults` (pytest -s): what was sent, kept, resent and how fast."""
    case = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0].split("::")[-1]
    failures = ", ".join(f"{count} × {kind}" for kind, count in phones.errors.most_common()) or "none"
    print(
        f"\n[faults] {case}: {len(phones.acknowledged)} copies acknowledged, {stored} stored, each once "
        f"(target: all, once); failed attempts resent: {failures}; tallies settled {settled:.1f} s after "
        "the fault and equal a full recompute and the stations' own sum; audit chain and seals verify"
    )


def _assert_national_total(field: Field) -> None:
    root = Commission.objects.get(election=field.contest.election, parent__isnull=True)
    national = ObserverTally.objects.get(
        organization=field.organization, contest=field.contest, commission=root
    )
    figures = current_figures(field)
    expected = sum_figures(figures.values())
    assert national.stations_count == len(figures)
    assert (national.line_totals, national.option_totals) == (dict(expected.lines), dict(expected.options))
