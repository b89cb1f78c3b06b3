"""The commission hierarchy of an election: commissions by their chain of names, and stations.

`ensure_hierarchy` is the one way import files (station registers, official results) create the
tree CEC > region > TEC > PEC, in bulk and idempotently (`ensure_hierarchy_ids` when only the ids
are needed); `StationRecord` is a station as a file gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from elections.bulk import insert_rows, next_ids
from elections.models import Commission, Election, PollingStation


@dataclass(frozen=True)
class StationRecord:
    """One polling station as an import file gives it: its chain of commission names and number.

    `chain` lists the commissions between the root and the PEC, e.g. ("Город Москва",
    "84 Пресненский район"); `number` is the precinct number; `registered_voters` in voters.
    """

    chain: tuple[str, ...]
    number: str
    registered_voters: int | None = None
    is_virtual: bool = False


def top_commission_name(election: Election, default: str | None = None) -> str:
    """The name of the election's top commission if it has one, else `default` or the country code.

    Importers pass it to ensure_hierarchy so that a file never starts a second hierarchy beside
    the one a register or an earlier file created.
    """
    root = Commission.objects.filter(election=election, parent__isnull=True).order_by("pk").first()
    return root.name if root else (default or election.country)


LEVELS_BY_DEPTH = [Commission.Level.SEC, Commission.Level.TEC]


def ensure_hierarchy(
    *, election: Election, root_name: str, stations: Iterable[StationRecord]
) -> dict[str, Commission]:
    """Create the missing commissions and stations for `stations` under a CEC named `root_name`.

    Depth 1 below the root is a region (SEC), depth 2 a TEC, deeper levels TEC too; the leaf is
    the PEC with its PollingStation. Existing nodes (same path) are reused, so importing the
    same file twice creates nothing. Returns every commission of the election by path.
    """
    ensure_hierarchy_ids(election=election, root_name=root_name, stations=stations)
    return {c.path: c for c in Commission.objects.filter(election=election)}


class HierarchyIds(NamedTuple):
    """What ensure_hierarchy_ids returns: the root's path, every commission's id by path, and the
    id of each given station's PEC, in the order the stations were given."""

    root_path: str
    by_path: dict[str, int]
    pec_ids: list[int]


def ensure_hierarchy_ids(
    *, election: Election, root_name: str, stations: Iterable[StationRecord]
) -> HierarchyIds:
    """ensure_hierarchy, returning ids instead of model instances (the same rows written).

    A national file creates ~100,000 commissions; bulk importers need only their ids by path,
    and loading them as model instances took a third of the import's Python time (issue 17).
    New rows take their ids from the table's own sequence before the COPY, so nothing is read
    back; each distinct chain of names is turned into paths once, not once per station.
    """
    by_path = dict(Commission.objects.filter(election=election).values_list("path", "pk"))
    records = list(stations)
    root_path = Commission.child_path("", _code(root_name))
    if root_path not in by_path:
        by_path[root_path] = Commission.objects.create(
            election=election,
            level=Commission.Level.CEC,
            code=_code(root_name),
            name=root_name,
            path=root_path,
        ).pk
    chains: dict[tuple[str, ...], list[str]] = {}
    for record in records:
        if record.chain not in chains:
            chains[record.chain] = _prefix_paths(root_path, record.chain)
    depth = max((len(chain) for chain in chains), default=0)
    for level_index in range(depth):
        _create_level(election, by_path, chains, level_index)
    pec_paths = _create_precincts(election, by_path, records, chains)
    return HierarchyIds(root_path, by_path, [by_path[path] for path in pec_paths])


def _code(name: str) -> str:
    return name.strip().replace("/", "∕")


def _prefix_paths(root_path: str, chain: Sequence[str]) -> list[str]:
    """The paths of the root and of each commission of `chain` below it, in order."""
    paths = [root_path]
    for name in chain:
        paths.append(Commission.child_path(paths[-1], _code(name)))
    return paths


def _create_level(
    election: Election, by_path: dict[str, int], chains: dict[tuple[str, ...], list[str]], level_index: int
) -> None:
    """Create the missing commissions at depth `level_index + 1` of `chains` (chain → its paths)."""
    level = LEVELS_BY_DEPTH[min(level_index, len(LEVELS_BY_DEPTH) - 1)]
    new: dict[str, tuple[int, str, str]] = {}
    for chain, paths in chains.items():
        if len(chain) <= level_index:
            continue
        path = paths[level_index + 1]
        if path not in by_path and path not in new:
            new[path] = (by_path[paths[level_index]], _code(chain[level_index]), chain[level_index].strip())
    by_path.update(_insert_commissions(election, level, new))


def _insert_commissions(
    election: Election, level: str, new: dict[str, tuple[int, str, str]]
) -> dict[str, int]:
    """COPY the commissions `new` (path → (parent id, code, name)); return their ids by path."""
    ids = next_ids(Commission, len(new))
    insert_rows(
        Commission,
        ["id", "election_id", "level", "parent_id", "code", "name", "path"],
        (
            (pk, election.pk, level, parent_id, code, name, path)
            for pk, (path, (parent_id, code, name)) in zip(ids, new.items(), strict=True)
        ),
    )
    return dict(zip(new, ids, strict=True))


def _create_precincts(
    election: Election,
    by_path: dict[str, int],
    records: list[StationRecord],
    chains: dict[tuple[str, ...], list[str]],
) -> list[str]:
    """Create the missing PECs and their stations; return each record's PEC path, in order."""
    new: dict[str, tuple[int, StationRecord]] = {}
    pec_paths = []
    for record in records:
        parent_path = chains[record.chain][-1]
        path = Commission.child_path(parent_path, _code(record.number))
        pec_paths.append(path)
        if path not in by_path and path not in new:
            new[path] = (by_path[parent_path], record)
    by_path.update(
        _insert_commissions(
            election,
            Commission.Level.PEC,
            {path: (parent_id, _code(r.number), r.number) for path, (parent_id, r) in new.items()},
        )
    )
    insert_rows(
        PollingStation,
        ["pec_id", "number", "name", "address", "registered_voters", "is_virtual"],
        (
            (by_path[path], r.number, "", "", r.registered_voters, r.is_virtual)
            for path, (_, r) in new.items()
        ),
    )
    return pec_paths
