"""What the fault suite says: each failure as it happens, and a table of every case at the end.

A failed case is reported the moment pytest makes its report (not in the summary, which a
stopped run never reaches): the assertion, then the last lines of each of the case's logs
(worker, gunicorn, redis), and the logs are copied to var/faults/<case>/. The table at the end of
`make faults` has one row per case: copies acknowledged, whether each is stored exactly once,
how long the tallies took to settle after the fault against the stated bound, and the verdict.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

TAIL = 25  # lines of each log shown with a failure


@dataclass
class Row:
    """One case's line of the table."""

    case: str
    acknowledged: int | None = None
    stored_once: bool | None = None
    settled: float | None = None  # seconds
    bound: float | None = None  # seconds
    verdict: str = "not run"


rows: dict[str, Row] = {}  # node id → its row, in the order the cases ran
current: dict[str, Path] = {}  # node id → the folder of the running case's logs


def short_name(nodeid: str) -> str:
    """'worker_killed::a_worker_killed_mid_tally_loses_no_copy[quiet-pool-process]'."""
    module, _, case = nodeid.rsplit("/", 1)[-1].partition("::")
    return f"{module.removeprefix('test_').removesuffix('.py')}::{case.removeprefix('test_')}"


def row(nodeid: str) -> Row:
    return rows.setdefault(nodeid, Row(short_name(nodeid)))


def running_case() -> str:
    """The node id of the case running now (PYTEST_CURRENT_TEST), or ''."""
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]


def record_check(acknowledged: int, stored_once: bool, settled: float | None, bound: float | None) -> None:
    """Called by the final check of the running case with what it found."""
    found = row(running_case())
    found.acknowledged, found.stored_once = acknowledged, stored_once
    found.settled, found.bound = settled, bound


def log_tails(folder: Path | None, lines: int = TAIL) -> str:
    """The last `lines` lines of every *.log in `folder`."""
    if folder is None or not folder.exists():
        return "(no logs: the case's processes had not started)"
    parts = []
    for log in sorted(folder.glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- last {len(text)} lines of {log.name}\n" + "\n".join(text))
    return "\n".join(parts) or "(the case's logs are empty)"


def keep_logs(nodeid: str, folder: Path | None) -> Path | None:
    """Copy the case's logs to var/faults/<case>/ (its temporary folder is deleted); return it."""
    if folder is None or not folder.exists():
        return None
    target = Path(settings.BASE_DIR) / "var" / "faults" / re.sub(r"[^\w.-]+", "_", short_name(nodeid))
    target.mkdir(parents=True, exist_ok=True)
    for log in folder.glob("*.log"):
        shutil.copy(log, target / log.name)
    return target


def failure_text(nodeid: str, when: str, message: str) -> str:
    """The block printed when a case fails: what failed, where the logs are, their last lines."""
    folder = current.get(nodeid)
    kept = keep_logs(nodeid, folder)
    return (
        f"\n[faults] FAILED {short_name(nodeid)} ({when}):\n{message}\n"
        f"[faults] full logs: {kept or 'none'}\n{log_tails(folder)}\n[faults] end of the failure report\n"
    )


def interrupted_text(signal_name: str) -> str:
    """What a stopped run prints: the case that was running and its logs' last lines."""
    nodeid = running_case()
    folder = current.get(nodeid)
    kept = keep_logs(nodeid, folder) if nodeid else None
    if nodeid:
        row(nodeid).verdict = f"STOPPED by {signal_name}"
    return (
        f"\n[faults] STOPPED by {signal_name} during {short_name(nodeid) or 'no case'}; "
        f"every process the run started is being killed. Logs: {kept or 'none'}\n{log_tails(folder)}\n"
    )


def table() -> list[str]:
    """The summary table, one line per case that ran."""
    width = max((len(found.case) for found in rows.values()), default=4)
    header = f"{'case':<{width}} {'acknowledged':>12} {'stored once':>11} {'settled / bound':>16}  verdict"
    lines = [header, "-" * len(header)]
    for found in rows.values():
        acknowledged = "—" if found.acknowledged is None else f"{found.acknowledged:,}"
        once = {None: "—", True: "yes", False: "NO"}[found.stored_once]
        settled = f"{found.settled:.1f} s" if found.settled is not None else "—"
        if found.settled is None and found.bound is not None and found.verdict == "FAILED":
            settled = "over"
        settled += "" if found.bound is None else f" / {found.bound:.0f} s"
        lines.append(f"{found.case:<{width}} {acknowledged:>12} {once:>11} {settled:>16}  {found.verdict}")
    return lines
