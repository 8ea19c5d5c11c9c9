"""Fixtures of the sync tests: the live sandbox over real HTTP (its clock runs in real time,
as Kontor's does, and its rate limits refill TIME_SCALE times faster), a Kontor app whose
SPAPI_* settings point at it, connected sellers, and real `flask jobs worker` processes."""

from __future__ import annotations

import pytest
import requests

from config import sandbox_endpoints
from tests.amazon.amazon_helpers import Sandbox
from tests.sandbox.sandbox_server import serve
from tests.sync.sync_helpers import TIME_SCALE, Workers, connect_seller


@pytest.fixture
def sandbox_config():
    """Override in a test module to configure the sandbox differently."""
    return {}


@pytest.fixture
def time_scale():
    """How many times faster the sandbox's limits refill and Kontor waits (a test may
    parametrize it)."""
    return TIME_SCALE


@pytest.fixture
def sandbox(sandbox_config, time_scale):
    config = {"SANDBOX_TIME_SCALE": time_scale, **sandbox_config}
    with serve(config) as (base_url, sandbox_app):
        yield Sandbox(base_url, sandbox_app, requests.Session())


@pytest.fixture
def kontor_settings(sandbox, time_scale):
    """The settings Kontor's processes (this one and the workers) share."""
    return {**sandbox_endpoints(sandbox.url), "SPAPI_TIME_SCALE": float(time_scale)}


@pytest.fixture
def connect(app, sandbox):
    """connect(seller_number) -> AmazonConnection of a new client of a new user."""
    return lambda number=1, **kwargs: connect_seller(sandbox, number, **kwargs)


@pytest.fixture
def workers(app, database_url, redis_url, kontor_settings, tmp_path):
    """workers(n) starts n real worker processes (with the scheduler); stopped afterwards."""
    started = []

    def start(count: int = 1) -> Workers:
        group = Workers(count, database_url, redis_url, kontor_settings, tmp_path)
        started.append(group)
        return group

    yield start
    for group in started:
        group.stop()
