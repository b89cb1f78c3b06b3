"""Analysis runs: request one (reusing a done run with the same inputs), compute it in Celery.

Every kind of analysis is a module with two functions: `inputs(organization, contest,
parameters)` returns what a run would be based on (versions and parameters, JSON), and
`compute(run)` returns (inputs, result) from the data as they are when it runs. Pages read
the latest done run and compare its inputs with the current ones to say whether it is fresh.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from types import ModuleType
from typing import Any

from celery import Task
from django.db import OperationalError
from django.utils import timezone

from config.outbox import enqueue_on_commit
from elections.models import Contest
from observers.models import Organization
from tallies.models import AnalysisRun
from tallies.services.analysis import forensics, quick_count, seats
from tallies.services.analysis.errors import AnalysisError

logger = logging.getLogger(__name__)
KINDS: dict[str, ModuleType] = {
    AnalysisRun.Kind.SEATS: seats,
    AnalysisRun.Kind.QUICK_COUNT: quick_count,
    AnalysisRun.Kind.FORENSICS: forensics,
}
RUNNING_FOR_AT_MOST = timedelta(minutes=15)  # a longer "running" run was lost with its worker


def current_inputs(
    *, organization: Organization, contest: Contest, kind: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return what a run of `kind` would be based on now; raise AnalysisError when it cannot run."""
    inputs: dict[str, Any] = KINDS[kind].inputs(organization, contest, parameters or {})
    return inputs


def request_run(
    *, organization: Organization, contest: Contest, kind: str, parameters: dict[str, Any] | None = None
) -> AnalysisRun:
    """Return a done or recent running run with the current inputs, else start one (sent after commit)."""
    inputs = current_inputs(organization=organization, contest=contest, kind=kind, parameters=parameters)
    existing = _same_inputs(organization, contest, kind, inputs)
    if existing is not None:
        return existing
    run = AnalysisRun.objects.create(organization=organization, contest=contest, kind=kind, inputs=inputs)
    enqueue_on_commit(_compute_task(), run_id=run.pk)  # a lost message: RUNNING_FOR_AT_MOST
    return run


def _same_inputs(
    organization: Organization, contest: Contest, kind: str, inputs: dict[str, Any]
) -> AnalysisRun | None:
    runs = AnalysisRun.objects.filter(organization=organization, contest=contest, kind=kind, inputs=inputs)
    done = runs.done().order_by("-finished_at", "-id").first()
    if done is not None:
        return done
    recent = timezone.now() - RUNNING_FOR_AT_MOST
    return runs.filter(status=AnalysisRun.Status.RUNNING, started_at__gte=recent).first()


def _compute_task() -> Task:
    from tallies import tasks  # tasks import services; import here to avoid a cycle

    return tasks.compute_analysis_run


def compute_run(*, run_id: int) -> AnalysisRun:
    """Compute a running run and store its result (done) or the reason it failed; repeat-safe."""
    run = AnalysisRun.objects.select_related("organization", "contest").get(pk=run_id)
    if run.status != AnalysisRun.Status.RUNNING:
        return run  # already computed: a redelivered message changes nothing
    try:
        run.inputs, run.result = KINDS[run.kind].compute(run)
        run.status = AnalysisRun.Status.DONE
    except OperationalError:
        raise  # transient: the task retries
    except AnalysisError as error:
        _failed(run, str(error))
    except Exception as error:  # recorded on the run, so the page says it failed instead of "running"
        logger.exception("analysis run %s failed", run.pk)
        _failed(run, f"{type(error).__name__}: {error}")
    run.finished_at = timezone.now()
    run.save(update_fields=["inputs", "result", "status", "error", "finished_at"])
    return run


def _failed(run: AnalysisRun, message: str) -> None:
    run.status, run.error, run.result = AnalysisRun.Status.FAILED, message, {}
