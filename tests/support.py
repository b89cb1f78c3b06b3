"""Figures, files and folders shared by tests of every area (fixtures are in tests/conftest.py).

- The protocols of the fixture's three stations: PEC 91's official protocol and an observer's
  copy of it (real, 2011), stations 92 and 120 (made up, every control relation kept);
- `write_official_file` (an official results file in the "codes" format) and `submit` (a copy
  as the copy form sends it), as the `reconciled` fixture uses them; `import_copy` (a copy as a
  partner's file brings it in, no mandate needed);
- `shared_data()`: the real data folder.
"""

from __future__ import annotations

import csv
import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from observers.models import Evidence, ViolationAct, ViolationType
from tallies import services
from tallies.models import ProtocolCopy
from tallies.services import photos

# PEC 91 (Город Москва, 84 Пресненский район), 2011: the official protocol and the copy a КПРФ
# observer took home (kartaitogov.ru). The copy breaks line 2 = 3+4+5+6+17−18 (2200 vs 2165)
# and keeps the other relations; United Russia has 1115 officially and 445 on the copy.
LINES_PEC_91_OFFICIAL = {
    "voters_on_list": 2326,
    "ballots_received": 2200,
    "ballots_issued_early": 0,
    "ballots_issued_in_station": 1771,
    "ballots_issued_outside": 19,
    "ballots_cancelled": 410,
    "ballots_in_portable_boxes": 19,
    "ballots_in_stationary_boxes": 1771,
    "ballots_invalid": 40,
    "ballots_valid": 1750,
    "absentee_certs_received": 70,
    "absentee_certs_issued_at_station": 49,
    "voters_by_absentee_cert": 35,
    "absentee_certs_cancelled": 21,
    "absentee_certs_issued_by_tec": 4,
    "absentee_certs_lost": 0,
    "ballots_lost": 0,
    "ballots_unaccounted": 0,
}
OPTIONS_PEC_91_OFFICIAL = {
    "p1_SR": 93,
    "p2_LDPR": 257,
    "p3_Patriots": 1,
    "p4_KPRF": 280,
    "p5_Yabloko": 3,
    "p6_UR": 1115,
    "p7_RightCause": 1,
}
LINES_PEC_91_COPY = {
    **LINES_PEC_91_OFFICIAL,
    "voters_on_list": 2124,
    "ballots_issued_in_station": 1393,
    "ballots_issued_outside": 21,
    "ballots_cancelled": 746,
    "ballots_in_stationary_boxes": 1369,
    "ballots_valid": 1348,
    "ballots_lost": 5,
}
OPTIONS_PEC_91_COPY = {
    "p1_SR": 193,
    "p2_LDPR": 122,
    "p3_Patriots": 20,
    "p4_KPRF": 280,
    "p5_Yabloko": 271,
    "p6_UR": 445,
    "p7_RightCause": 17,
}
LINES_PEC_92 = {
    **LINES_PEC_91_OFFICIAL,
    "voters_on_list": 2000,
    "ballots_received": 1800,
    "ballots_issued_in_station": 1000,
    "ballots_issued_outside": 10,
    "ballots_cancelled": 790,
    "ballots_in_portable_boxes": 10,
    "ballots_in_stationary_boxes": 1000,
    "ballots_invalid": 10,
    "ballots_valid": 1000,
    "absentee_certs_received": 50,
    "absentee_certs_issued_at_station": 20,
    "absentee_certs_cancelled": 30,
}
OPTIONS_PEC_92 = {"p1_SR": 100, "p2_LDPR": 100, "p3_Patriots": 10, "p4_KPRF": 200, "p5_Yabloko": 90}
OPTIONS_PEC_92 |= {"p6_UR": 490, "p7_RightCause": 10}
LINES_PEC_120 = {
    **LINES_PEC_92,
    "voters_on_list": 1800,
    "ballots_received": 1500,
    "ballots_issued_in_station": 900,
    "ballots_issued_outside": 0,
    "ballots_cancelled": 600,
    "ballots_in_portable_boxes": 0,
    "ballots_in_stationary_boxes": 900,
    "ballots_invalid": 0,
    "ballots_valid": 900,
}
OPTIONS_PEC_120 = {**OPTIONS_PEC_92, "p3_Patriots": 0, "p4_KPRF": 150, "p5_Yabloko": 150, "p6_UR": 390}
OFFICIAL_FILE = "official-test.csv"


def write_official_file(folder, rows) -> str:
    """Write station protocols in the "codes" format: region, tik, uik, lines, options (a figure
    a protocol lacks is an empty cell)."""
    path = folder / OFFICIAL_FILE
    line_codes, option_codes = list(LINES_PEC_91_OFFICIAL), list(OPTIONS_PEC_91_OFFICIAL)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["region", "tik", "uik", *line_codes, *option_codes])
        for tec, number, lines, options in rows:
            writer.writerow(
                [
                    "Город Москва",
                    tec,
                    number,
                    *(lines.get(c, "") for c in line_codes),
                    *(options.get(c, "") for c in option_codes),
                ]
            )
    return path


def submit(observer, contest, station, lines, options) -> ProtocolCopy:
    """`observer`'s copy of `station` sent as the copy form sends it, with a new client key.

    The form's own service path (tallies.services.photos.submit_copy_with_photos, no photos):
    channel "web", entered by the observer's account; the observer needs a live mandate.
    """
    submission = {"contest": contest, "station": station, "lines": lines, "options": options}
    submitted, _added = photos.submit_copy_with_photos(
        observer=observer,
        submission={**submission, "client_uuid": uuid.uuid4()},
        uploads=[],
        user=observer.user or AnonymousUser(),
    )
    return submitted.copy


def import_copy(
    observer, contest, station, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY, revises=None
) -> ProtocolCopy:
    """`observer`'s copy of `station` as a partner's file brings it in (PEC 91's copy unless given):
    channel "import", which needs no live mandate; `revises` is the copy it corrects, if any."""
    return copy_through(
        ProtocolCopy.Channel.IMPORT, observer, contest, station, lines, options, revises=revises
    )


def copy_through(channel, observer, contest, station, lines, options, **submission) -> ProtocolCopy:
    """A copy through the submission service on `channel` with a new client key; `submission`
    is any other keyword of services.submit_protocol_copy (entered_by, missing, revises, ...)."""
    return services.submit_protocol_copy(
        observer=observer,
        contest=contest,
        station=station,
        lines=lines,
        options=options,
        client_uuid=uuid.uuid4(),
        channel=channel,
        **submission,
    ).copy


def act_and_upload(observer, contest, station, occurred_at) -> tuple[ViolationAct, Evidence]:
    """A violation act `observer` filed at `station` and an upload of theirs (pending evidence):
    objects a route names by pk, as the permission tests open them. The act's type is the first
    stored, else a test type."""
    violation_type = ViolationType.objects.first() or ViolationType.objects.create(
        code="TEST-1", stage="voting", category="other", labels={"en": "test"}
    )
    act = ViolationAct.objects.create(
        organization=observer.organization,
        observer=observer,
        station=station,
        election=contest.election,
        stage="voting",
        violation_type=violation_type,
        occurred_at=occurred_at,
        description="test",
    )
    evidence = Evidence.objects.create(
        organization=observer.organization,
        uploaded_by=observer,
        original_name="p.jpg",
        original_sha256="0" * 64,
        original_size=1,
    )
    return act, evidence


def shared_data() -> Path:
    """The real data folder; skips the test when absent, except under CI where it must exist."""
    path = Path(settings.SHARED_DATA_DIR)
    if not (path / "ru2011-observer-copies").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"real data missing at {path}: CI must run the real-data tests")
        pytest.skip(f"real data not found at {path} (set SHARED_DATA_DIR)")
    return path
