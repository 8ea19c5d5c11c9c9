"""GET /healthz reports the database and Redis."""

from __future__ import annotations

from app import create_app
from jobs.health import record_heartbeat
from tests.helpers import app_config, free_port


def test_healthz_reports_database_and_redis(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {
        "ok": True,
        "backend": app.extensions["sqlalchemy"].engine.dialect.name,
    }
    assert body["redis"] == {"ok": True}


def test_healthz_shows_the_age_of_the_last_worker_heartbeat(client, app):
    record_heartbeat()
    body = client.get("/healthz").get_json()
    assert 0 <= body["redis"]["worker_heartbeat_age_seconds"] < 60


def test_healthz_answers_503_when_redis_is_down(app, database_url):
    nothing_listens_there = f"redis://127.0.0.1:{free_port()}/0"
    broken = create_app(app_config(database_url, nothing_listens_there))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"]["ok"] is True
    assert body["redis"] == {"ok": False, "error": "ConnectionError"}


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code == 200
