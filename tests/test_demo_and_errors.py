"""The demo seed and the German error pages."""

from __future__ import annotations

import sqlalchemy as sa

from commands.demo import DEMO_EMAIL, DEMO_PASSWORD
from models import BookingRuleSet, Client, User
from models.booking_rules import seed_client_rules


def test_flask_demo_is_idempotent_and_its_login_reaches_the_clients(
    runner, client, auth, db_session
):
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert DEMO_EMAIL in result.output
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert db_session.scalar(sa.select(sa.func.count(Client.id))) == 1
    demo = db_session.scalar(sa.select(Client))
    assert db_session.scalar(sa.select(sa.func.count(BookingRuleSet.id))) == len(
        seed_client_rules(demo)
    )
    auth.login(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    page = client.get("/clients")
    assert page.status_code == 200
    assert "Espadrille Versand GmbH" in page.text


def test_an_unknown_page_gets_the_german_404(client):
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text


def test_a_server_error_gets_the_german_500_and_rolls_back(app, client, db_session):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_boom")
    def boom():
        db_session.add(User(organisation_id=1, email="halb@example.org", password_hash="x"))
        raise RuntimeError("boom")

    response = client.get("/_boom")
    assert response.status_code == 500
    assert "Interner Fehler" in response.text
    assert "Es wurde nichts gespeichert" in response.text
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_pages_carry_security_headers(client):
    headers = client.get("/login").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_request_body_over_the_upload_limit_gets_the_german_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Datei zu groß" in response.text
