"""Process statistics the way observation missions report them, and the violation acts by kind.

Checklist items (observers.models.ChecklistItem) answered yes / no, with `problem_if` the answer
that signals a problem: for each visit and item the latest answer counts (answers are append-only,
latest wins; a latest answer left empty counts as not answered). A station is *observed* for an
item when at least one of the organisation's visits there answered it, and *had the problem*
when any of those visits' latest answers is the problem answer (of two observers at a station,
one saw it: it happened). Shares are of observed stations, in percent via
elections.numbers.percent, with n: "ballots not counted before opening: 17.65 % of 17 observed".

Violation acts (observers.models.ViolationAct) are counted by stage, category and region, each
split by review: new, verified, rejected. Everything is within the coordinator's territory.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from elections.models import stations_within
from elections.numbers import percent
from observers.models import ChecklistAnswer, ChecklistItem, ViolationAct
from observers.models.visits import Stage
from observers.selectors.violations import category_label
from tallies.selectors.areas import Areas
from tallies.selectors.coverage import CoverageScope

REVIEWS = ViolationAct.Review.values
NO_REGION = _("No region")


@dataclass
class Share:
    """Observed stations and those where the problem occurred; `percent` of observed (0.01)."""

    observed: int = 0
    problems: int = 0

    @property
    def percent(self) -> Decimal | None:
        return percent(self.problems, self.observed)

    def add(self, problem: bool) -> None:
        self.observed += 1
        self.problems += problem


@dataclass
class ItemStats:
    """One checklist item: the problem answer, the share overall and by region (name, Share)."""

    item: ChecklistItem
    total: Share = field(default_factory=Share)
    regions: dict[str, Share] = field(default_factory=lambda: defaultdict(Share))

    @property
    def problem_answer(self) -> str:
        return str(_("Yes") if self.item.problem_if else _("No"))

    def region_rows(self) -> list[tuple[str, Share]]:
        return sorted(self.regions.items())


def checklist_stats(scope: CoverageScope) -> list[tuple[str, list[ItemStats]]]:
    """[(stage label, [ItemStats in checklist order])] for the yes/no items with a problem answer."""
    items = ChecklistItem.objects.filter(answer=ChecklistItem.Answer.YES_NO, problem_if__isnull=False)
    stats = {item.pk: ItemStats(item) for item in items}
    areas = Areas.of(scope.contest.election_id)
    for (item_id, _station), (path, problem) in _station_answers(scope).items():
        region = areas.region_of(path)
        stats[item_id].total.add(problem)
        stats[item_id].regions[region.name if region else str(NO_REGION)].add(problem)
    stages = [
        (code, str(label), [s for s in stats.values() if s.item.stage == code])
        for code, label in Stage.choices
    ]
    return [(label, sorted(rows, key=lambda s: s.item.position)) for _code, label, rows in stages if rows]


def _station_answers(scope: CoverageScope) -> dict[tuple[int, int], tuple[str, bool]]:
    """{(item id, station id): (station path, problem seen)} from each visit's latest answers."""
    latest = (
        ChecklistAnswer.objects.filter(
            _within(scope, "visit__station"), visit__observer__organization_id=scope.organization.pk
        )
        .order_by("visit_id", "item_id", "-answered_at", "-id")
        .distinct("visit_id", "item_id")
        .values_list("item_id", "item__problem_if", "visit__station_id", "visit__station__pec__path", "yes")
    )
    found: dict[tuple[int, int], tuple[str, bool]] = {}
    for item_id, problem_if, station_id, path, yes in latest:
        if yes is None or problem_if is None:
            continue
        seen = found.get((item_id, station_id), (path, False))[1]
        found[(item_id, station_id)] = (path, seen or yes == problem_if)
    return found


def _within(scope: CoverageScope, station: str) -> Q:
    """Acts or answers at the election's stations, within the scope's territory if any."""
    q = Q(**{f"{station}__pec__election_id": scope.contest.election_id})
    return q & stations_within(scope.territory, f"{station}__") if scope.territory else q


@dataclass
class ReviewCounts:
    """Violation acts of one group by review status, and their total."""

    label: str
    group: str = ""  # the stage, for rows by category
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REVIEWS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        """The counts in review order (new, verified, rejected), for a table row."""
        return [self.counts[review] for review in REVIEWS]

    def labelled(self) -> list[tuple[str, int]]:
        """(review label, acts) in review order."""
        return [(str(label), self.counts[code]) for code, label in ViolationAct.Review.choices]


@dataclass
class ViolationStats:
    """Acts by review overall, by stage, by (stage, category) and by region, in display order."""

    total: ReviewCounts
    stages: list[ReviewCounts]
    categories: list[ReviewCounts]
    regions: list[ReviewCounts]


def violation_stats(scope: CoverageScope) -> ViolationStats:
    """Count the organisation's violation acts in the election (two queries)."""
    acts = ViolationAct.objects.filter(_within(scope, "station"), organization_id=scope.organization.pk)
    grouped = acts.values_list("stage", "violation_type__category", "review", "station__pec__path")
    areas = Areas.of(scope.contest.election_id)
    total = ReviewCounts(str(_("All acts")))
    stages: dict[str, ReviewCounts] = {}
    categories: dict[tuple[str, str], ReviewCounts] = {}
    regions: dict[str, ReviewCounts] = {}
    stage_labels = dict(Stage.choices)
    for stage, category, review, path, n in grouped.order_by().annotate(n=Count("pk")):
        region = areas.region_of(path)
        region_name = region.name if region else str(NO_REGION)
        for row in (
            total,
            stages.setdefault(stage, ReviewCounts(str(stage_labels[stage]))),
            categories.setdefault(
                (stage, category), ReviewCounts(category_label(category), str(stage_labels[stage]))
            ),
            regions.setdefault(region_name, ReviewCounts(region_name)),
        ):
            row.counts[review] += n
    order = Stage.values
    return ViolationStats(
        total,
        [stages[s] for s in sorted(stages, key=order.index)],
        [categories[k] for k in sorted(categories, key=lambda k: (order.index(k[0]), k[1]))],
        [regions[r] for r in sorted(regions)],
    )


def review_choices() -> list[tuple[str, str]]:
    """(code, label) of the review statuses, in table column order."""
    return [(code, str(label)) for code, label in ViolationAct.Review.choices]


def violations_chart(stats: ViolationStats) -> dict[str, object]:
    """Acts by stage, one series per review status: {labels, series: [{code, label, data}]}."""
    return {
        "labels": [row.label for row in stats.stages],
        "series": [
            {"code": code, "label": label, "data": [row.counts[code] for row in stats.stages]}
            for code, label in review_choices()
        ],
    }
