"""Copies and figures shared by the tallies tests (figures of the stations: tests/support.py).

- `submit_web_copy`: an observer's copy typed on the web form, through the form's service path;
- the desk's helpers: photos, blind entries, the root tally and rows compared before and after;
- the copy of PEC 91 as an SMS (`copy_text`) and the API body of a copy (`body`), with the pinned
  query budgets of a first copy and of a resend.
"""

from __future__ import annotations

import uuid

from elections.models import Commission
from observers.models import Evidence
from tallies import services
from tallies.models import CopyLayoutSlot, CopyPhoto, ObserverTally, ProtocolCopy
from tallies.services import desk
from tests.support import LINES_PEC_91_COPY, OPTIONS_PEC_91_COPY, copy_through, submit


def submit_web_copy(observer, contest, station, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY):
    """An observer's web copy of the station (PEC 91's figures unless given; the observer has a
    live mandate): tests.support.submit, the copy form's service path."""
    return submit(observer, contest, station, lines, options)


def with_photo(copy: ProtocolCopy) -> ProtocolCopy:
    """Attach a ready (sanitised) photo to the copy."""
    evidence = Evidence.objects.create(
        organization_id=copy.organization_id,
        uploaded_by=copy.observer,
        original_name="protocol.jpg",
        original_sha256="a" * 64,
        original_size=1000,
        status=Evidence.Status.READY,
    )
    CopyPhoto.objects.create(copy=copy, evidence=evidence)
    return copy


def root_tally(contest, organization) -> ObserverTally:
    root = Commission.objects.get(election=contest.election, parent__isnull=True)
    return ObserverTally.objects.get(organization=organization, contest=contest, commission=root)


def _nonzero(tally: ObserverTally) -> tuple[dict, dict, int]:
    """The tally's non-zero totals: an incremental tally keeps a code at 0 where a recompute has none."""
    lines = {code: value for code, value in tally.line_totals.items() if value}
    options = {code: value for code, value in tally.option_totals.items() if value}
    return lines, options, tally.stations_count


def assert_equals_recompute(contest, organization) -> None:
    before = _nonzero(root_tally(contest, organization))
    services.recompute_observer_tallies(organization_id=organization.pk, contest_id=contest.pk)
    assert before == _nonzero(root_tally(contest, organization))


def raw_rows() -> tuple[list[dict], list[dict]]:
    """Every ProtocolCopy row (its figures included) and copy layout slot, to compare before and after
    a desk action."""
    copies = list(ProtocolCopy.objects.order_by("pk").values())
    figures = list(CopyLayoutSlot.objects.order_by("pk").values())
    return copies, figures


def unchanged_since(before: tuple[list[dict], list[dict]]) -> bool:
    """True when every row of `before` is still there, exactly as it was (new rows may be added)."""
    copies, figures = raw_rows()
    old_copies, old_figures = before
    return copies[: len(old_copies)] == old_copies and figures[: len(old_figures)] == old_figures


def blind(copy, by, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY):
    """A blind second entry of `copy` typed by coordinator `by`."""
    return desk.blind_entry(copy=copy, lines=lines, options=options, client_uuid=uuid.uuid4(), by=by).copy


# Since issue 17 a first copy takes 2: the token (with the second-factor rule) and one call of
# tallies_submit_api_copy (tallies/services/fast_submission.py), plus the contest's form the
# first time this process sees it. It took 21 before, and 35 before issue 7.
FIRST_COPY_QUERIES = 3
# A resend: the token, then the same call, which answers with the stored copy's rows (12 before)
# and whether the station's tallies still lag it (the first request may have died unqueued; a
# third statement asked that until migration 0032).
RESEND_QUERIES = 2


def body(contest, station, **lines):
    return {
        "client_uuid": str(uuid.uuid4()),
        "contest": contest.pk,
        "station": station.pk,
        "lines": {**LINES_PEC_91_COPY, **lines},
        "options": dict(OPTIONS_PEC_91_COPY),
    }


ORDER = [
    "voters_on_list", "ballots_received", "ballots_issued_early", "ballots_issued_in_station",
    "ballots_issued_outside", "ballots_cancelled", "ballots_in_portable_boxes",
    "ballots_in_stationary_boxes", "ballots_invalid", "ballots_valid", "absentee_certs_received",
    "absentee_certs_issued_at_station", "voters_by_absentee_cert", "absentee_certs_cancelled",
    "absentee_certs_issued_by_tec", "absentee_certs_lost", "ballots_lost", "ballots_unaccounted",
]  # fmt: skip


def copy_text(code: str, station: str = "91", **changes: int) -> str:
    """Alice's copy of PEC 91 in the SMS format: lines by printed number, options as P1…P7."""
    lines = [f"{n}={changes.get(str(n), LINES_PEC_91_COPY[c])}" for n, c in enumerate(ORDER, 1)]
    options = [f"P{n}={v}" for n, v in enumerate(OPTIONS_PEC_91_COPY.values(), 1)]
    return " ".join([code, station, *lines, *options])


def without(figures: dict[str, int], *codes: str) -> dict[str, int]:
    """`figures` without the given codes (a partial copy leaves them out)."""
    return {code: value for code, value in figures.items() if code not in codes}


def send_api_copy(observer, contest, station, lines, options, missing=(), revises=None):
    """A copy through the service as the API sends it (entered by the observer's account);
    `missing` names the figures left out."""
    return copy_through(
        ProtocolCopy.Channel.API, observer, contest, station, lines, options,
        entered_by=observer.user, missing=missing, revises=revises,
    )  # fmt: skip


def form_data(lines=LINES_PEC_91_COPY, options=OPTIONS_PEC_91_COPY, **fields):
    """The copy form's fields for station 91 (PEC 91's copy unless given), with a new key."""
    data = {"client_uuid": str(uuid.uuid4()), "number": "91", "note": ""}
    data.update({f"lines.{code}": value for code, value in lines.items()})
    data.update({f"options.{code}": value for code, value in options.items()})
    return {**data, **fields}


def typed(copy, by, options=OPTIONS_PEC_91_COPY, lines=LINES_PEC_91_COPY, key=None, missing=()):
    """Coordinator `by`'s blind entry of photo-only `copy` (PEC 91's figures unless given)."""
    return desk.transcribe_photo_copy(
        copy=copy, lines=lines, options=options, client_uuid=key or uuid.uuid4(), by=by, missing=missing
    )


def revision_of(copy) -> ProtocolCopy | None:
    """The revision of `copy` (its transcribed figures), if any."""
    return ProtocolCopy.objects.filter(revises=copy).first()
