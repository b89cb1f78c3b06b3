"""Region names in official files, checked against the election's regions (issue 22, scope 6).

A file that names a region the election does not know must not create a new, empty region: in
the Kazakh case a file saying "город Астана" created one beside the station list's
"город Нур-Султан", and Nur-Sultan's 100 copies dropped out of the comparison. A region name is
matched, after normalising case, spaces and "ё", to

- a region of the election's hierarchy (the commissions directly under the root), or
- a name or alias declared in the election spec's "regions" (Election.region_aliases), which
  resolves to the region it names (Astana / Nur-Sultan).

An election that knows no region yet (the file came before the station list and the spec
declares none) accepts any name: its regions are created, as before.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from elections.models import Commission, Election
from tallies.errors import ImportFileError

if TYPE_CHECKING:
    from tallies.services.official_levels import LevelRow


def normalise(name: str) -> str:
    """Case-, space- and ё-insensitive form of a region name ("Город  Астана" → "город астана")."""
    return " ".join(name.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def known_regions(election: Election) -> dict[str, str]:
    """Normalised name or alias → the region's name as the election writes it (hierarchy first)."""
    regions = Commission.objects.filter(election=election, parent__isnull=False, parent__parent__isnull=True)
    names = {normalise(name): name for name in regions.values_list("name", flat=True)}
    declared = election.region_aliases or {}
    for alias, region in declared.items():
        names.setdefault(normalise(alias), names.get(normalise(region), region))
    return names


def resolve_regions(election: Election, rows: list[LevelRow], path: Path) -> list[LevelRow]:
    """Rewrite each row's region to the election's name for it; ImportFileError naming an unknown one.

    Rows are numbered as in the file (the header is row 1). Nothing is checked while the election
    knows no region at all.
    """
    names = known_regions(election)
    if not names:
        return rows
    resolved = []
    for number, row in enumerate(rows, start=2):
        region = names.get(normalise(row.chain[0]))
        if region is None:
            raise ImportFileError(
                f"{path.name}, row {number}: unknown region {row.chain[0]!r}: it is neither a region of "
                'the election nor a name or alias declared in the election spec\'s "regions"'
            )
        resolved.append(replace(row, chain=(region, *row.chain[1:])))
    return resolved
