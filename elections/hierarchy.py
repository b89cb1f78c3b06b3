"""The commission hierarchy of an election: commissions by their chain of names, and stations.

`ensure_hierarchy` is the one way import files (station registers, official results) create the
tree CEC > region > TEC > PEC, in bulk and idempotently; `StationRecord` is a station as a file
gives it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from elections.bulk import insert_rows
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
    by_path = {c.path: c for c in Commission.objects.filter(election=election)}
    records = list(stations)
    root_path = Commission.child_path("", _code(root_name))
    if root_path not in by_path:
        by_path[root_path] = Commission.objects.create(
            election=election,
            level=Commission.Level.CEC,
            code=_code(root_name),
            name=root_name,
            path=root_path,
        )
    depth = max((len(r.chain) for r in records), default=0)
    for level_index in range(depth):
        _create_level(election, by_path, root_path, records, level_index)
    _create_precincts(election, by_path, root_path, records)
    return by_path


def _code(name: str) -> str:
    return name.strip().replace("/", "∕")


def _chain_path(root_path: str, chain: Sequence[str]) -> str:
    path = root_path
    for name in chain:
        path = Commission.child_path(path, _code(name))
    return path


def _create_level(
    election: Election,
    by_path: dict[str, Commission],
    root_path: str,
    records: list[StationRecord],
    level_index: int,
) -> None:
    level = LEVELS_BY_DEPTH[min(level_index, len(LEVELS_BY_DEPTH) - 1)]
    new: dict[str, tuple[int, str, str]] = {}
    for record in records:
        if len(record.chain) <= level_index:
            continue
        path = _chain_path(root_path, record.chain[: level_index + 1])
        if path not in by_path and path not in new:
            parent = by_path[_chain_path(root_path, record.chain[:level_index])]
            new[path] = (parent.pk, _code(record.chain[level_index]), record.chain[level_index].strip())
    _insert_commissions(election, level, new)
    by_path.update(_reload(election, level))


def _insert_commissions(election: Election, level: str, new: dict[str, tuple[int, str, str]]) -> None:
    insert_rows(
        Commission,
        ["election_id", "level", "parent_id", "code", "name", "path"],
        ((election.pk, level, parent_id, code, name, path) for path, (parent_id, code, name) in new.items()),
    )


def _reload(election: Election, level: str) -> dict[str, Commission]:
    fields = ("id", "election_id", "level", "parent_id", "code", "name", "path")
    return {c.path: c for c in Commission.objects.filter(election=election, level=level).only(*fields)}


def _create_precincts(
    election: Election,
    by_path: dict[str, Commission],
    root_path: str,
    records: list[StationRecord],
) -> None:
    new: dict[str, tuple[int, StationRecord]] = {}
    for record in records:
        parent = by_path[_chain_path(root_path, record.chain)]
        path = Commission.child_path(parent.path, _code(record.number))
        if path not in by_path and path not in new:
            new[path] = (parent.pk, record)
    _insert_commissions(
        election,
        Commission.Level.PEC,
        {path: (parent_id, _code(r.number), r.number) for path, (parent_id, r) in new.items()},
    )
    by_path.update(_reload(election, Commission.Level.PEC))
    insert_rows(
        PollingStation,
        ["pec_id", "number", "name", "address", "registered_voters", "is_virtual"],
        (
            (by_path[path].pk, r.number, "", "", r.registered_voters, r.is_virtual)
            for path, (_, r) in new.items()
        ),
    )
