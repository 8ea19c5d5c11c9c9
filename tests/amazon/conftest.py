"""Fixtures of the amazon/ tests: a live sandbox over real HTTP, and a Kontor app whose SPAPI_*
settings point at it (the same code then talks to the real Amazon in production)."""

from __future__ import annotations

import os

import pytest
import requests

from app import create_app
from extensions import db as _db
from tests.amazon.amazon_helpers import Sandbox
from tests.helpers import app_config
from tests.sandbox.sandbox_helpers import NOW
from tests.sandbox.sandbox_server import serve


@pytest.fixture(autouse=True)
def no_sandbox_environment(monkeypatch):
    """A developer's SANDBOX_* variables must not change what the tests see."""
    for key in list(os.environ):
        if key.startswith("SANDBOX_"):
            monkeypatch.delenv(key)


@pytest.fixture
def sandbox_config():
    """Override in a test module to configure the sandbox differently."""
    return {}


@pytest.fixture
def sandbox(sandbox_config):
    """The sandbox on a free port; its clock stands still at NOW unless a test moves it."""
    with serve({"SANDBOX_CLOCK": NOW, **sandbox_config}) as (base_url, sandbox_app):
        yield Sandbox(base_url, sandbox_app, requests.Session())


@pytest.fixture
def app(_schema, database_url, redis_url, sandbox):
    app = create_app(
        {
            **app_config(database_url, redis_url),
            "SPAPI_ENDPOINT": sandbox.url,
            "SPAPI_TOKEN_ENDPOINT": sandbox.url + "/auth/o2/token",
            "SPAPI_CONSENT_URL": sandbox.url + "/apps/authorize/consent",
        }
    )
    with app.app_context():
        yield app
        _db.session.rollback()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
        _db.session.remove()
