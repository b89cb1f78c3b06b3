"""Every process a fault case starts: its own process group, stopped whatever ends the run.

`spawn` starts a command in a new session (so a new process group holding the command and all
its children: the prefork pool, gunicorn's workers) and records the group. `stop` ends one
group; `stop_all` ends every group still running, and runs on normal exit (atexit), on SIGTERM,
SIGINT and SIGHUP (`install_signal_handlers`). A run killed outright (SIGKILL, which no handler
sees) still takes its servers with it: each is started through `setpriv --pdeathsig KILL`, so
the kernel kills it when the test process dies, and their children follow (billiard's pool
processes have a death signal of their own; gunicorn's workers exit when their master is gone).
`left_behind` lists the processes still alive in any group ever started: the suite ends by
asserting that it is empty.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import subprocess
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from types import FrameType

STOP_WAIT = 15.0  # seconds a process gets to stop after its signal, before SIGKILL
_running: dict[int, subprocess.Popen] = {}  # process group id (= the leader's pid) → leader
_started: set[int] = set()  # every process group id ever started


def spawn(
    command: list[str],
    log: Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    user: str | None = None,
) -> subprocess.Popen:
    """Start `command` in a process group of its own, output appended to `log`; record the group.

    With `user` (we are root) the command runs as that system user and its group, without root's
    supplementary groups; the death signal is set after the switch, so it holds.
    """
    guard = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
    as_user: dict = {}
    if user is not None:
        as_user = {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": []}
    with open(log, "ab") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(
            guard + command, stdout=out, stderr=out, start_new_session=True, cwd=cwd, env=env, **as_user
        )
    _running[process.pid] = process
    _started.add(process.pid)
    return process


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Send `sig` to the leader, wait, then SIGKILL its whole process group (children too)."""
    if process.poll() is None:
        process.send_signal(sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(STOP_WAIT)
    kill_group(process)


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL every process of the leader's group at once and reap the leader."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(STOP_WAIT)
    _running.pop(process.pid, None)


def stop_all(keep: frozenset[int] = frozenset()) -> None:
    """SIGKILL every recorded process group still running (the run is over or being stopped).

    `keep`: group ids left alone (a case's private database, which its own fixture stops next).
    """
    for process in list(_running.values()):
        if process.pid not in keep:
            kill_group(process)


def left_behind() -> list[str]:
    """'pid command' of every live (not zombie) process in a group this run started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError):
            text = stat.read_text()
            state, _parent, group = text[text.rindex(")") + 2 :].split()[:3]
            if int(group) in _started and state != "Z":
                found.append(f"{stat.parent.name} {text[text.index('(') + 1 : text.rindex(')')]}")
    return found


def install_signal_handlers(before_stopping: Callable[[str], None]) -> Callable[[], None]:
    """On SIGTERM, SIGINT or SIGHUP: `before_stopping(name)`, stop every group, then stop pytest.

    Pytest is stopped with KeyboardInterrupt, so it still prints its summary. Returns a function
    restoring the previous handlers.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        with suppress(Exception):  # reporting must not keep the processes alive
            before_stopping(name)
        stop_all()
        raise KeyboardInterrupt(f"the fault run was stopped by {name}")

    for sig in previous:
        signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


atexit.register(stop_all)
