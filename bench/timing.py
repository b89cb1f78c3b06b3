"""Timing helpers (time.perf_counter, wall clock) and holding back queued Celery tasks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock


def timed[T](function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """Call `function` and return (wall seconds, its result)."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (`share` between 0 and 1)."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


@contextmanager
def held_tasks() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Collect the Celery tasks sent meanwhile as (name, kwargs) instead of sending or running them.

    The bench then runs the job it measures by itself, whatever CELERY_TASK_ALWAYS_EAGER says.
    """
    sent: list[tuple[str, dict[str, Any]]] = []

    def hold(task: Any, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        sent.append((task.name, dict(kwargs or {})))

    with mock.patch("celery.app.task.Task.apply_async", hold):
        yield sent
