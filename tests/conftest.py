"""Shared fixtures: a real redis-server, a real database (SQLite or PostgreSQL), the app.

The database is SQLite in a temporary folder unless DATABASE_URL names another one
(CI runs the whole suite a second time with DATABASE_URL pointing at PostgreSQL).
The schema is built by the real Alembic migrations at the start of the session and
dropped at its end; every test starts with empty tables.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import sqlalchemy as sa
from redis import Redis

from app import create_app
from extensions import db as _db
from tests.factories import make_user
from tests.helpers import AuthActions, app_config, free_port


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A private redis-server on a free port, for the whole test session."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except Exception:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "kontor-test.sqlite3")


@pytest.fixture(scope="session")
def _schema(database_url, redis_url):
    """Build the schema once with the real migrations; drop it when the session ends."""
    from flask_migrate import downgrade, upgrade

    app = create_app(app_config(database_url, redis_url))
    with app.app_context():
        _drop_everything()
        upgrade()
    yield
    with app.app_context():
        downgrade(revision="base")
        _drop_everything()


def _drop_everything() -> None:
    """Leave no table behind (including alembic_version) from an earlier, aborted run."""
    _db.drop_all()
    with _db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def no_sandbox_environment(monkeypatch):
    """A developer's SANDBOX_* variables must not change what the tests see."""
    for key in list(os.environ):
        if key.startswith("SANDBOX_"):
            monkeypatch.delenv(key)


@pytest.fixture
def kontor_settings():
    """Settings on top of the test configuration; a folder overrides it (e.g. the SP-API
    endpoints of its live sandbox)."""
    return {}


@pytest.fixture
def app(_schema, database_url, redis_url, kontor_settings):
    app = create_app({**app_config(database_url, redis_url), **kontor_settings})
    with app.app_context():
        yield app
        _db.session.rollback()
        _empty_tables()
        _db.session.remove()
    Redis.from_url(redis_url).flushall()


def _empty_tables() -> None:
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def db_session(app):
    return _db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def user(app):
    return make_user("anna@example.org", name="Anna Beispiel")


@pytest.fixture
def auth(client):
    return AuthActions(client)
