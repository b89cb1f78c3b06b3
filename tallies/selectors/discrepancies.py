"""Discrepancy classes per station, votes moved, roll-ups per TEC and region, the TEC ranking.

A station's class comes from its StationComparison.differences:

- ``match``: no figure differs;
- ``turnout``: only turnout lines differ: by their roles, the voters on the list, the voters who
  took part (or ballots issued) and the ballots found in the boxes (elections.roles.turnout_lines);
- ``party``: only options (party or candidate votes) differ;
- ``both``: turnout lines and options differ;
- ``other``: only other lines differ (cancelled ballots, absentee certificates...): a fifth class,
  so that no discrepancy is hidden in "match".

A figure the official protocol does not have (a partial transcription, e.g. Belarus 2020) is not
compared: the stored comparison counts it as official 0, these classes leave it out. Votes moved
are official − observer votes per option, summed over a commission's stations ("net").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from elections import roles
from elections.models import Commission
from tallies.models import OfficialProtocol, ReconciliationRun
from tallies.models.figure_layout import figures_by
from tallies.selectors import station_sets
from tallies.selectors.layout import Layout

MATCH, TURNOUT, PARTY, BOTH, OTHER = "match", "turnout", "party", "both", "other"
CLASSES = (MATCH, TURNOUT, PARTY, BOTH, OTHER)
Differences = dict[str, dict[str, list[int]]]


def turnout_codes(layout: Layout) -> frozenset[str]:
    """Codes of the turnout lines: base, numerators, and the ballots found in the boxes."""
    return frozenset(line.code for line in roles.turnout_lines(layout.lines))


def classify(differences: Differences, turnout: frozenset[str]) -> str:
    """Return the class of a station from its differences {"lines"|"options": {code: [obs, off]}}."""
    lines = set(differences.get("lines", {}))
    turnout_differs, party_differs = bool(lines & turnout), bool(differences.get("options"))
    if turnout_differs and party_differs:
        return BOTH
    if turnout_differs:
        return TURNOUT
    if party_differs:
        return PARTY
    return OTHER if lines else MATCH


def votes_moved(differences: Differences) -> dict[str, int]:
    """Official − observer votes per option code (only options that differ)."""
    return {
        code: official - observer for code, (observer, official) in differences.get("options", {}).items()
    }


@dataclass(frozen=True)
class StationDiscrepancy:
    """A compared station's class and votes moved; `path` is its PEC's path."""

    station_id: int
    path: str
    kind: str
    votes_moved: dict[str, int]


def station_discrepancies(run: ReconciliationRun) -> list[StationDiscrepancy]:
    """Classify the discrepant stations (station_sets), comparing only figures the official side has."""
    rows = list(
        station_sets.discrepant(run).values_list(
            "station_id", "station__pec__path", "official_id", "differences"
        )
    )
    present = _official_codes(
        [official_id for _, _, official_id, stored in rows if _has_official_zero(stored)]
    )
    turnout = turnout_codes(Layout.of(run.contest))
    out = []
    for station_id, path, official_id, stored in rows:
        differences = _only_present(stored, present[official_id]) if official_id in present else stored
        out.append(
            StationDiscrepancy(station_id, path, classify(differences, turnout), votes_moved(differences))
        )
    return out


def _has_official_zero(differences: Differences) -> bool:
    """An absent official figure is stored as 0: only such protocols need their codes checked."""
    return any(pair[1] == 0 for pairs in differences.values() for pair in pairs.values())


def _official_codes(protocol_ids: list[int]) -> dict[int, set[str]]:
    codes: dict[int, set[str]] = {protocol_id: set() for protocol_id in protocol_ids}
    rows = OfficialProtocol.objects.filter(pk__in=protocol_ids).values_list(
        "pk", "snapshot_id", "figure_values"
    )
    for protocol_id, figures in figures_by(rows).items():
        codes[protocol_id] = {*figures.lines, *figures.options}
    return codes


def _only_present(differences: Differences, codes: set[str]) -> Differences:
    return {
        kind: {code: pair for code, pair in pairs.items() if code in codes}
        for kind, pairs in differences.items()
    }


def class_counts(run: ReconciliationRun, items: list[StationDiscrepancy] | None = None) -> dict[str, int]:
    """Stations per class over the run's compared stations (every class present, zeros included)."""
    counts = Counter(item.kind for item in (station_discrepancies(run) if items is None else items))
    counts[MATCH] += station_sets.compared(run).count() - sum(counts.values())
    return {kind: counts[kind] for kind in CLASSES}


@dataclass(frozen=True)
class Rollup:
    """A TEC's or region's stations compared and changed, net votes moved per option, classes."""

    commission: Commission
    stations_compared: int
    stations_changed: int = 0
    votes_moved: dict[str, int] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)

    def moved(self, code: str) -> int:
        """Net votes moved for option `code` (official − observer), 0 when none."""
        return self.votes_moved.get(code, 0)


def rollups(
    run: ReconciliationRun, level: str, items: list[StationDiscrepancy] | None = None
) -> list[Rollup]:
    """Roll station classes up to every commission of `level` (TEC or SEC) with compared stations.

    `items` are the run's station discrepancies when the caller already has them.
    """
    counts = station_sets.compared_by_path(run)
    commissions = Commission.objects.filter(
        election_id=run.contest.election_id, level=level, path__in=list(counts)
    )
    by_path = {c.path: (c, counts[c.path].compared) for c in commissions}
    changed: dict[str, list[StationDiscrepancy]] = defaultdict(list)
    for item in station_discrepancies(run) if items is None else items:
        for path in _ancestors(item.path):
            if path in by_path and item.kind != MATCH:
                changed[path].append(item)
    return [
        _rollup(commission, count, changed[path]) for path, (commission, count) in sorted(by_path.items())
    ]


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def _rollup(commission: Commission, compared: int, changed: list[StationDiscrepancy]) -> Rollup:
    moved: Counter[str] = Counter()
    for item in changed:
        moved.update(item.votes_moved)
    classes = Counter(item.kind for item in changed)
    classes[MATCH] = compared - len(changed)
    return Rollup(commission, compared, len(changed), dict(moved), {k: classes[k] for k in CLASSES})


def leading_option(run: ReconciliationRun) -> str | None:
    """The option with the most official votes: the snapshot's root protocol, else the compared stations."""
    root = (
        OfficialProtocol.objects.filter(snapshot=run.snapshot_id, commission__parent__isnull=True)
        .order_by("commission__path")
        .first()
    )
    votes = dict(root.figures().options) if root else {}
    if not votes:
        top = run.commissions.filter(commission__parent__isnull=True).first()
        votes = dict(top.official_options) if top else {}
    return max(sorted(votes), key=lambda code: votes[code]) if votes else None


def tec_ranking(
    run: ReconciliationRun, items: list[StationDiscrepancy] | None = None
) -> tuple[str | None, list[Rollup]]:
    """Return the leading option and the TECs by net votes moved to it, most first (ties by path)."""
    leading = leading_option(run)
    tecs = rollups(run, Commission.Level.TEC, items)
    if leading is None:
        return None, tecs
    return leading, sorted(tecs, key=lambda r: (-r.moved(leading), r.commission.path))
