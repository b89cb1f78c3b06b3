"""The coalition's pooled forensics and quick count pages: the organisation's analyses on the pool.

The figures come from tallies.services.analysis.pooled (the same services as one organisation's,
given the pool); the words and rows from the organisation's own page and release builders
(forensics.summary_of, as a release shows forensics; the quick count's estimate_rows, warnings
and notes). The forensics are read from the stored pool (tallies.services.coalition_pool computes
them with it); the quick count pools only the sample's stations, on reading (a station pools
alone as in the whole pool), so neither page pools the whole election (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F

from elections.models import Contest
from observers.models import Coalition
from tallies.models import QuickCountSample
from tallies.selectors.analysis import quick_count as quick_count_rows
from tallies.selectors.coalition_pool import stored_pool
from tallies.selectors.coalitions import pool_freshness
from tallies.selectors.pool import pool, pooling_members
from tallies.selectors.station_sets import Freshness
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.pooled import pooled_quick_count


@dataclass(frozen=True)
class PooledForensics:
    """The pool's forensics as a release summarises it (None with `error` saying why)."""

    stations: int
    summary: dict[str, Any] | None
    error: str
    freshness: Freshness  # of the stored pool (coalitions.pool_freshness)


def forensics_page(coalition: Coalition, contest: Contest) -> PooledForensics:
    """The four forensics tests on the stored pool's counted stations (observers' copies only),
    as of when it was pooled; zero stations and no summary while nothing is stored."""
    stored = stored_pool(coalition, contest)
    found = (stored.result or {}).get("forensics") or {"stations": 0, "summary": None, "error": ""}
    return PooledForensics(found["stations"], found["summary"], found["error"], pool_freshness(stored))


@dataclass(frozen=True)
class PooledQuickCount:
    """The members' samples, the one estimated from, and its estimate's rows and sentences."""

    samples: list[QuickCountSample]
    sample: QuickCountSample | None
    result: dict[str, Any] | None
    rows: list[quick_count_rows.EstimateRow]
    warnings: list[str]
    notes: list[str]
    error: str


def quick_count_page(coalition: Coalition, contest: Contest, sample_id: int | None) -> PooledQuickCount:
    """Estimate from a member's sample (`sample_id`, else the newest frozen one, else the newest),
    a sampled station reporting when the pool counts it: only the sample's stations are pooled."""
    members = [o.pk for o in pooling_members(coalition)]
    found = QuickCountSample.objects.filter(contest=contest, organization_id__in=members)
    newest = (F("frozen_at").desc(nulls_last=True), "-created_at", "-id")
    samples = list(found.select_related("organization").order_by(*newest))
    chosen = next((s for s in samples if s.pk == sample_id), samples[0] if samples else None)
    if chosen is None:
        return PooledQuickCount(samples, None, None, [], [], [], "")
    pooled = pool(coalition, contest, list(chosen.stations.values_list("station_id", flat=True)))
    try:
        result = pooled_quick_count(pooled, chosen)
    except AnalysisError as error:
        return PooledQuickCount(samples, chosen, None, [], [], [], str(error))
    rows = quick_count_rows.estimate_rows(contest, result)
    sentences = quick_count_rows.warnings(result), quick_count_rows.notes(result)
    return PooledQuickCount(samples, chosen, result, rows, *sentences, "")
