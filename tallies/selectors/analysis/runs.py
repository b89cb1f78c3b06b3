"""What an analysis page says about its run: the latest done one, what it is based on, whether it is fresh."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from elections.models import Contest
from observers.models import Organization
from tallies.models import AnalysisRun, OfficialSnapshot
from tallies.services import analysis

RUNNING_FOR_AT_MOST = timedelta(minutes=15)


@dataclass(frozen=True)
class RunState:
    """The latest done run, a newer run still running or failed, and the inputs a run would have now.

    `problem` says why no run can be made now (no rule, no station data, ...), else "".
    """

    run: AnalysisRun | None
    pending: AnalysisRun | None
    failed: AnalysisRun | None
    current: dict[str, Any] | None
    problem: str
    based_on: list[str]

    @property
    def is_fresh(self) -> bool:
        """True when the latest done run was computed from the data as they are now."""
        return self.run is not None and self.current is not None and self.run.inputs == self.current

    @property
    def result(self) -> dict[str, Any]:
        return self.run.result if self.run else {}


def run_state(
    organization: Organization, contest: Contest, kind: str, parameters: dict[str, Any], **match: Any
) -> RunState:
    """Return the page's run of `kind`; `match` selects runs by input (e.g. source="official")."""
    try:
        current = analysis.current_inputs(
            organization=organization, contest=contest, kind=kind, parameters=parameters
        )
        problem = ""
    except analysis.AnalysisError as error:
        current, problem = None, str(error)
    runs = AnalysisRun.objects.filter(organization=organization, contest=contest, kind=kind)
    runs = runs.filter(**{f"inputs__{key}": value for key, value in match.items()})
    done = runs.done().order_by("-finished_at", "-id").first()
    newer = runs.exclude(status=AnalysisRun.Status.DONE).order_by("-started_at", "-id")
    if done is not None:
        newer = newer.filter(started_at__gt=done.started_at)
    recent = timezone.now() - RUNNING_FOR_AT_MOST
    pending = newer.filter(status=AnalysisRun.Status.RUNNING, started_at__gte=recent).first()
    failed = newer.filter(status=AnalysisRun.Status.FAILED).first()
    return RunState(done, pending, failed, current, problem, based_on(done, contest))


def based_on(run: AnalysisRun | None, contest: Contest) -> list[str]:
    """Describe what a run is based on, one sentence per input, in the active language."""
    if run is None:
        return []
    inputs, found = run.inputs, []
    if inputs.get("snapshot_id"):
        found.append(_snapshot_text(inputs["snapshot_id"], contest))
    if "newest_copy_id" in inputs:
        found.append(
            _("Observers' copies of %(copies)d stations; newest copy no. %(newest)d.")
            % {"copies": inputs.get("copies", 0), "newest": inputs["newest_copy_id"]}
        )
    if inputs.get("observer_tally_at"):
        found.append(
            _("Observers' tally as of %(when)s.") % {"when": _when(inputs["observer_tally_at"], contest)}
        )
    if "seed" in inputs and "sample_id" in inputs:
        found.append(
            _("Sample no. %(id)d drawn with seed %(seed)d.")
            % {"id": inputs["sample_id"], "seed": inputs["seed"]}
        )
    return found


def _snapshot_text(snapshot_id: int, contest: Contest) -> str:
    snapshot = OfficialSnapshot.objects.filter(pk=snapshot_id).first()
    if snapshot is None:
        return _("Official snapshot no. %(id)d.") % {"id": snapshot_id}
    return _("Official results: %(file)s (%(status)s), imported at %(when)s.") % {
        "file": snapshot.file_name,
        "status": snapshot.get_status_display(),
        "when": _when(snapshot.imported_at.isoformat(), contest),
    }


def _when(iso: str, contest: Contest) -> str:
    """Format an ISO timestamp in the election's time zone, e.g. "2021-01-10 21:05"."""
    zone = zoneinfo.ZoneInfo(contest.election.time_zone)
    return date_format(timezone.localtime(datetime.fromisoformat(iso), zone), "Y-m-d H:i T")
