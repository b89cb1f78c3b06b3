"""The real processes of a fault case: a private Redis, gunicorn and Celery workers, and PostgreSQL.

Each fault case starts its own Redis (a free loopback port, a temporary directory) so that
restarting it disturbs nothing else on the machine, and its own gunicorn and Celery worker on
the test database. PostgreSQL is the machine's: a case kills the test database's connections
(`terminate_connections`); the restart case restarts a server of its own instead
(tests/faults/private_postgres.py).
Every process is started in a process group of its own and stopped whatever ends the run
(tests/faults/groups.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import redis
from celery import Celery
from django.conf import settings
from django.db import connection

from tests.faults.groups import spawn, stop

START_WAIT = 60.0  # seconds
VISIBILITY_TIMEOUT = 6  # seconds: how long an unacknowledged task waits before Redis redelivers it
HTTPS = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front of gunicorn says


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until[T](check: Callable[[], T], what: str, timeout: float = START_WAIT, every: float = 0.2) -> T:
    """Call `check` until it returns a true value and return it; TimeoutError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def children_of(pid: int) -> list[int]:
    """The pids of `pid`'s child processes (pgrep -P)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(child) for child in found.stdout.split()]


class PrivateRedis:
    """A redis-server of the case's own; `appendonly` keeps queued tasks across a restart."""

    def __init__(self, folder: Path, appendonly: bool = False) -> None:
        self.folder, self.appendonly, self.port = folder, appendonly, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder)]
        command += [
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "always",
        ]
        self.process = spawn(command, self.folder / "redis.log")
        wait_until(self.ping, "private redis-server answering PING")

    def ping(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL the server: what it held in memory only is gone."""
        assert self.process is not None
        stop(self.process, signal.SIGKILL)

    def restart(self) -> None:
        self.kill()
        self.start()

    def queued(self, queue: str = "celery") -> int:
        return int(redis.Redis.from_url(self.url).llen(queue))


def database_url() -> str:
    """The URL of the database this test process uses (the test database)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def stack_env(broker_url: str, media_root: Path) -> dict[str, str]:
    """Production settings (DEBUG off) on the test database, the private broker and media folder."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "fault-suite-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "MEDIA_ROOT": str(media_root),
        "LOG_LEVEL": "WARNING",
    }


class Worker:
    """`celery worker` (prefork, one child) on the private broker; knows its pool child's pid."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None
        self._offset = 0  # where this start's lines begin in the log

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the worker without waiting for it (see `wait_ready`)."""
        command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker", "--concurrency=1"]
        command += ["--loglevel=INFO", "--without-mingle", "--without-gossip", "--without-heartbeat"]
        self._offset = self.log.stat().st_size if self.log.exists() else 0  # a restart appends to the log
        self.process = spawn(command, self.log, cwd=settings.BASE_DIR, env=self.env)

    def wait_ready(self) -> None:
        wait_until(
            lambda: b"ready." in self.log.read_bytes()[self._offset :],
            f"celery worker ready (log {self.log})",
        )

    def children(self) -> list[int]:
        assert self.process is not None
        return children_of(self.process.pid)

    def kill_child(self) -> int:
        """SIGKILL the pool process that runs the tasks (the OOM killer's way); return its pid."""
        child = wait_until(self.children, "celery pool child")[0]
        os.kill(child, signal.SIGKILL)
        return child

    def kill(self) -> None:
        """SIGKILL the whole worker, main process and pool, as when its container dies."""
        assert self.process is not None
        stop(self.process, signal.SIGKILL)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM: finish the task in hand), as a deploy does."""
        if self.process is not None:
            stop(self.process)


def beat_tick(broker_url: str, task: str, **kwargs: object) -> None:
    """Send `task` through the broker as celery beat would on its schedule."""
    app = Celery(broker=broker_url, set_as_current=False)  # the test process keeps its own app
    try:
        app.send_task(task, kwargs=kwargs)
    finally:
        app.close()


@contextmanager
def holding_lock(select_for_update: str, params: list) -> Iterator[None]:
    """Hold the row locks of `select_for_update` from a connection of our own for the block."""
    with psycopg.connect(_conninfo()) as other:
        other.execute(select_for_update, params)
        yield
        other.rollback()


def _conninfo() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def waiting_on_locks() -> int:
    """How many connections to the test database wait for a lock (a worker blocked mid-task)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


class Gunicorn:
    """gunicorn with sync workers, as many as `workers`, on a free loopback port."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 3) -> None:
        self.env, self.log, self.workers, self.port = env, log, workers, free_port()
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start gunicorn without waiting for it (see `wait_ready`)."""
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--chdir", str(settings.BASE_DIR), "--timeout", "60"]
        command += ["--graceful-timeout", "5", "--log-level", "warning"]
        self.process = spawn(command, self.log, env=self.env)

    def wait_ready(self) -> None:
        wait_until(self.healthy, f"gunicorn answering /healthz/ (log {self.log})")

    def healthy(self) -> bool:
        try:
            request = urllib.request.Request(f"{self.base}/healthz/", headers=HTTPS)
            with urllib.request.urlopen(request, timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def terminate_connections() -> int:
    """Terminate every other connection to the test database (PostgreSQL); return how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


@contextmanager
def temporary_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="faults-") as name:
        yield Path(name)


HOG_LIMIT = 900.0  # seconds: a hog stops itself after this even if nobody stops it


class CpuHog:
    """One busy-looping process per core, so that the case's processes compete for the CPU.

    Each hog runs at normal priority, in a process group of its own, and exits by itself after
    `limit` seconds; `stop` ends them earlier (at the end of the case).
    """

    def __init__(self, folder: Path, limit: float = HOG_LIMIT) -> None:
        self.folder, self.limit = folder, limit
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        loop = f"import time\nend = time.monotonic() + {self.limit}\nwhile time.monotonic() < end: pass"
        for _ in range(os.cpu_count() or 2):
            self.processes.append(spawn([sys.executable, "-c", loop], self.folder / "hog.log"))

    def stop(self) -> None:
        for process in self.processes:
            stop(process, signal.SIGKILL)
        self.processes = []
