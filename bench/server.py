"""A gunicorn server of the project on a free loopback port, for as long as a `with` block lasts.

Same configuration as the Dockerfile (gthread workers, 2 threads each), bench settings (the
project's plus /bench/hello/), DEBUG off. Stopped with SIGTERM, then SIGKILL of its own process
group if it has not exited within STOP_WAIT seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

WORKERS = 4
THREADS = 2
START_WAIT = 60.0
STOP_WAIT = 15.0
HTTPS = {"X-Forwarded-Proto": "https"}  # as the TLS proxy in front of it says; no redirect


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of the server: this one, bench settings, DEBUG off, persistent connections."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "60",
        **extra,
    }


@contextmanager
def gunicorn(log: Path, extra_env: dict[str, str]) -> Iterator[str]:
    """Start gunicorn, wait until /bench/hello/ answers, yield its base URL, always stop it."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS)]
    command += ["--chdir", str(settings.BASE_DIR), "--graceful-timeout", "5", "--log-level", "warning"]
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, env=server_env(extra_env), stdout=out, stderr=out, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, process)
        yield base
    finally:
        _stop(process)


def _wait_ready(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see its log")
        try:
            request = urllib.request.Request(f"{base}/bench/hello/", headers=HTTPS)
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"gunicorn did not answer within {START_WAIT:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_WAIT)
