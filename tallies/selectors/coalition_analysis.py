"""The coalition's pooled forensics and quick count pages: the organisation's analyses on the pool.

The figures come from tallies.services.analysis.pooled (the same services as one organisation's,
given the pool); the words and rows from the organisation's own page and release builders
(forensics.summary_of, as a release shows forensics; the quick count's estimate_rows, warnings
and notes). Nothing is stored: the pool changes whenever a member's figures or membership do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from elections.models import Contest
from observers.models import Coalition
from tallies.models import QuickCountSample
from tallies.selectors.analysis import quick_count as quick_count_rows
from tallies.selectors.pool import pool
from tallies.services.analysis import forensics
from tallies.services.analysis.errors import AnalysisError
from tallies.services.analysis.pooled import pooled_forensics, pooled_quick_count


@dataclass(frozen=True)
class PooledForensics:
    """The pool's forensics as a release summarises it (None with `error` saying why)."""

    stations: int
    summary: dict[str, Any] | None
    error: str


def forensics_page(coalition: Coalition, contest: Contest) -> PooledForensics:
    """The four forensics tests on the pool's counted stations (observers' copies only)."""
    pooled = pool(coalition, contest)
    try:
        result = pooled_forensics(pooled)
    except AnalysisError as error:
        return PooledForensics(len(pooled.counted()), None, str(error))
    summary = forensics.summary_of(result, forensics.OBSERVERS, contest, timezone.now())
    return PooledForensics(len(pooled.counted()), summary, "")


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
    a sampled station reporting when the pool counts it."""
    pooled = pool(coalition, contest)
    members = [o.pk for o in pooled.members]
    found = QuickCountSample.objects.filter(contest=contest, organization_id__in=members)
    newest = (F("frozen_at").desc(nulls_last=True), "-created_at", "-id")
    samples = list(found.select_related("organization").order_by(*newest))
    chosen = next((s for s in samples if s.pk == sample_id), samples[0] if samples else None)
    if chosen is None:
        return PooledQuickCount(samples, None, None, [], [], [], "")
    try:
        result = pooled_quick_count(pooled, chosen)
    except AnalysisError as error:
        return PooledQuickCount(samples, chosen, None, [], [], [], str(error))
    rows = quick_count_rows.estimate_rows(contest, result)
    sentences = quick_count_rows.warnings(result), quick_count_rows.notes(result)
    return PooledQuickCount(samples, chosen, result, rows, *sentences, "")
