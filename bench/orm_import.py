"""The baseline P4 compares the product's import with: the same file through plain Django ORM.

Same rows as tallies.services.import_stations_file writes (commissions, stations, a snapshot
with its layout, one protocol per station with its figures as one array), with
Model.objects.bulk_create in batches of 5,000: what a plain Django developer would write with the
product's own models.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from elections.models import Commission, Contest, Election, PollingStation
from tallies.models import OfficialProtocol, OfficialSnapshot
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
    """Import a station file with bulk_create only; return the number of figures written (not NULL)."""
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
        layout_lines=list(contest.form.lines.values_list("pk", flat=True)),
        layout_options=list(contest.options.values_list("pk", flat=True)),
    )
    OfficialProtocol.objects.bulk_create(
        (
            OfficialProtocol(snapshot=snapshot, commission=pecs[k], stations_count=1, figure_values=s[3])
            for k, s in zip(keys, stations, strict=True)
        ),
        batch_size=BATCH,
    )
    return sum(len(s[3]) for s in stations)


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
