"""The baseline P4 compares the product's import with: the same file through plain Django ORM.

Same rows as tallies.services.import_stations_file writes (commissions, stations, a snapshot,
one protocol per station, its figures), with Model.objects.bulk_create in batches of 5,000.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from django.db import transaction

from elections.models import Commission, Contest, Election, PollingStation
from tallies.models import OfficialFigure, OfficialProtocol, OfficialSnapshot
from tallies.services.station_files import file_sha256, open_text

BATCH = 5000
FIRST_FIGURE = 3  # region, tik, uik, then the lines and options in protocol order (dkobak files)
Station = tuple[str, str, str, list[int]]


def read_stations(path: Path) -> list[Station]:
    """(region, TEC, number, figures) per row of a dkobak/Shpilkin station file."""
    with open_text(path) as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(row[0], row[1], row[2].strip(), [int(v) for v in row[FIRST_FIGURE:-1]]) for row in reader]


def code(name: str) -> str:
    return name.strip().replace("/", "∕")


@transaction.atomic
def orm_import(contest: Contest, path: Path, root_name: str) -> int:
    """Import a station file with bulk_create only; return the number of figure rows written."""
    sha, stations = file_sha256(path), read_stations(path)
    election = contest.election
    root = Commission.objects.create(
        election=election, level="CEC", code=code(root_name), name=root_name, path=f"{code(root_name)}/"
    )
    regions = _level(election, "SEC", {(s[0],): root for s in stations})
    tecs = _level(election, "TEC", {(s[0], s[1]): regions[(s[0],)] for s in stations})
    pecs = _level(election, "PEC", {(s[0], s[1], s[2]): tecs[(s[0], s[1])] for s in stations})
    keys = [(s[0], s[1], s[2]) for s in stations]
    PollingStation.objects.bulk_create(
        (
            PollingStation(pec=pecs[k], number=k[2], registered_voters=s[3][0])
            for k, s in zip(keys, stations, strict=True)
        ),
        batch_size=BATCH,
    )
    snapshot = OfficialSnapshot.objects.create(
        contest=contest,
        level="PEC",
        source="bench: ORM bulk_create",
        file_name=path.name,
        file_sha256=sha,
        protocols_count=len(stations),
    )
    protocols = OfficialProtocol.objects.bulk_create(
        (OfficialProtocol(snapshot=snapshot, commission=pecs[k], stations_count=1) for k in keys),
        batch_size=BATCH,
    )
    return _figures(contest, protocols, [s[3] for s in stations])


def _level(
    election: Election, level: str, parents: dict[tuple[str, ...], Commission]
) -> dict[tuple, Commission]:
    """Create one level of commissions, keyed by their chain of names; bulk_create returns their ids."""
    new = {
        key: Commission(
            election=election,
            level=level,
            parent=parent,
            code=code(key[-1]),
            name=key[-1].strip(),
            path=Commission.child_path(parent.path, code(key[-1])),
        )
        for key, parent in parents.items()
    }
    Commission.objects.bulk_create(new.values(), batch_size=BATCH)
    return new


def _figures(contest: Contest, protocols: list[OfficialProtocol], values: list[list[int]]) -> int:
    targets = [(line.pk, None) for line in contest.form.lines.all()]
    targets += [(None, option.pk) for option in contest.options.all()]
    rows: Iterator[OfficialFigure] = (
        OfficialFigure(protocol=protocol, line_id=line, option_id=option, value=value)
        for protocol, counts in zip(protocols, values, strict=True)
        for (line, option), value in zip(targets, counts, strict=True)
    )
    written = 0
    while batch := list(islice(rows, BATCH)):
        OfficialFigure.objects.bulk_create(batch, batch_size=BATCH)
        written += len(batch)
    return written
