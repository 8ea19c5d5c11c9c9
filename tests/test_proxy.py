"""Behind Heroku's router the app sees the visitor's address, scheme and host (ProxyFix)."""

from __future__ import annotations

import pytest
from flask import request, url_for

from app import create_app
from conftest import _test_config

FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "kontor.example.org",
}


def whoami(app):
    """What a view sees of the request it serves."""

    @app.get("/_whoami")
    def _whoami():
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "external_url": url_for("health.healthz", _external=True),
        }

    return app.test_client()


@pytest.fixture
def production_app(_schema, database_url, redis_url):
    return create_app({**_test_config(database_url, redis_url), "KONTOR_ENV": "production"})


def test_production_takes_address_scheme_and_host_from_the_router(production_app):
    seen = whoami(production_app).get("/_whoami", headers=FORWARDED).get_json()
    assert seen == {
        "remote_addr": "203.0.113.7",
        "scheme": "https",
        "host": "kontor.example.org",
        "external_url": "https://kontor.example.org/healthz",
    }


def test_production_trusts_only_the_router_not_what_the_client_claims(production_app):
    # The router appends the address it saw to whatever the client sent.
    headers = {**FORWARDED, "X-Forwarded-For": "10.0.0.1, 203.0.113.7"}
    seen = whoami(production_app).get("/_whoami", headers=headers).get_json()
    assert seen["remote_addr"] == "203.0.113.7"


def test_outside_production_forwarded_headers_are_ignored(app):
    seen = whoami(app).get("/_whoami", headers=FORWARDED).get_json()
    assert seen["remote_addr"] == "127.0.0.1"
    assert seen["scheme"] == "http"
    assert seen["host"] == "localhost"
