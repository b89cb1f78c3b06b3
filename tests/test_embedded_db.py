"""The embedded PostgreSQL server (config.embedded_db): started, found by the settings, stopped."""

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from config import embedded_db


@pytest.fixture
def pgdata():
    """A data folder under var/, not pytest's tmp_path: run as root, the server runs as the wheel's
    own user, and every pytest session on the machine resets /tmp/pytest-of-root to mode 0700."""
    parent = embedded_db.PGDATA.parent
    parent.mkdir(exist_ok=True)
    folder = tempfile.mkdtemp(prefix="test-pg-", dir=parent)
    yield Path(folder) / "postgres"
    embedded_db.stop(Path(folder) / "postgres")
    shutil.rmtree(folder)


def test_it_starts_a_server_with_the_database_and_stops_it(pgdata):
    host = embedded_db.start(pgdata)
    again = embedded_db.start(pgdata)  # already running: nothing happens

    settings = embedded_db.database_settings(pgdata)
    with psycopg.connect(host=settings["HOST"], user=settings["USER"], dbname=settings["NAME"]) as connection:
        version = connection.execute("SHOW server_version_num").fetchone()[0]
    assert host == again == embedded_db.socket_dir(pgdata) and settings["HOST"] == str(host)
    assert int(version) >= 180000 and embedded_db.is_running(pgdata)
    assert embedded_db.stop(pgdata) and not embedded_db.is_running(pgdata)
    assert not embedded_db.stop(pgdata)


def test_it_says_what_to_do_when_the_server_cannot_start(pgdata):
    pgdata.mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("9\n")  # a data folder of another PostgreSQL version

    with pytest.raises(embedded_db.EmbeddedDatabaseError) as error:
        embedded_db.start(pgdata)

    assert f"delete {pgdata}" in str(error.value) and "DATABASE_URL=" in str(error.value)
    assert not embedded_db.is_running(pgdata)


def test_it_is_used_only_without_database_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/observer")
    assert not embedded_db.in_use()
    monkeypatch.setenv("DATABASE_URL", " ")
    assert embedded_db.in_use()
