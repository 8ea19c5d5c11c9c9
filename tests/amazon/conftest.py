"""Fixtures of the amazon/ tests: a live sandbox over real HTTP, and a Kontor app whose SPAPI_*
settings point at it (the same code then talks to the real Amazon in production)."""

from __future__ import annotations

import pytest
import requests

from config import sandbox_endpoints
from tests.amazon.amazon_helpers import Sandbox
from tests.sandbox.sandbox_helpers import NOW
from tests.sandbox.sandbox_server import serve


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
def kontor_settings(sandbox):
    return sandbox_endpoints(sandbox.url)
