"""Fixtures for the Amazon sandbox tests (they override `app` and `client` for this folder).

Every response a test receives through `client` is checked against the official SP-API models,
so each test is also a conformance test; `sandbox_conformance.SEEN` records what answered.
"""

import pytest
from flask.testing import FlaskClient

from sandbox import create_sandbox_app
from tests.sandbox.sandbox_conformance import SEEN, check_lwa_response, check_response
from tests.sandbox.sandbox_helpers import NOW, token_for


class ConformingClient(FlaskClient):
    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        operation = check_response(request.method, request.path, response)
        if operation:
            SEEN[operation].add(response.status_code)
        if request.path == "/auth/o2/token":
            check_lwa_response(response)
        return response


@pytest.fixture
def config():
    """Override in a test module to configure the sandbox differently."""
    return {}


@pytest.fixture
def app(config):
    app = create_sandbox_app({"SANDBOX_CLOCK": NOW, **config})
    app.test_client_class = ConformingClient
    return app


@pytest.fixture
def state(app):
    return app.extensions["sandbox"]


@pytest.fixture
def clock(state):
    return state.clock


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seller(state):
    """The Pan-EU seller (DE, FR, IT, ES, NL)."""
    return state.sellers[0]


@pytest.fixture
def headers(client, state, seller):
    return {"x-amz-access-token": token_for(client, state, seller)}


@pytest.fixture
def api(client, state):
    """Call the API as any seeded seller: api(seller).get(path, ...)."""

    class AsSeller:
        def __init__(self, seller):
            self.headers = {"x-amz-access-token": token_for(client, state, seller)}

        def get(self, path, **kwargs):
            return client.get(path, headers=self.headers, **kwargs)

        def post(self, path, **kwargs):
            return client.post(path, headers=self.headers, **kwargs)

        def delete(self, path, **kwargs):
            return client.delete(path, headers=self.headers, **kwargs)

    return AsSeller
