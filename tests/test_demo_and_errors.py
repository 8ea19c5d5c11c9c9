"""The demo seed and the German error pages."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from commands.demo import DEMO_EMAIL, DEMO_PASSWORD, LEFT_OUT, history_files
from importing.gaps import API_REACH
from models import BookingRuleSet, Client, Report, User
from models.batch import Batch
from models.booking_rules import Integration, seed_client_rules, seed_rule_set
from models.integration import ClientIntegration


def test_flask_demo_is_idempotent_and_its_login_reaches_the_clients(
    runner, client, auth, db_session
):
    outputs = []
    for _ in range(2):
        result = runner.invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert DEMO_EMAIL in result.output
        outputs.append(result.output)
    assert "Historie: 0 Berichte neu importiert" in outputs[1]
    assert db_session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert db_session.scalar(sa.select(sa.func.count(Client.id))) == 1
    demo = db_session.scalar(sa.select(Client))
    payout = db_session.scalar(sa.select(ClientIntegration).filter_by(kind="payout"))
    marketplace_sets = [
        seed_rule_set(demo, Integration.PAYOUT, m.marketplace) for m in payout.marketplaces
    ]
    assert db_session.scalar(sa.select(sa.func.count(BookingRuleSet.id))) == len(
        {row.id for row in seed_client_rules(demo) + marketplace_sets}
    )
    assert_the_history_is_uploaded_but_the_last_90_days_and_one_settlement(db_session)
    auth.login(email=DEMO_EMAIL, password=DEMO_PASSWORD)
    page = client.get("/clients")
    assert page.status_code == 200
    assert "Espadrille Versand GmbH" in page.text


def assert_the_history_is_uploaded_but_the_last_90_days_and_one_settlement(db_session):
    files = history_files()
    reports = db_session.scalars(sa.select(Report)).all()
    assert {r.source for r in reports} == {"upload"}
    assert db_session.scalar(sa.select(sa.func.count(Batch.id))) == len(reports)
    imported = {r.file.file_name for r in reports}
    payouts = [f for f in files if f.integration == Integration.PAYOUT]
    orders = [f for f in files if f.integration == Integration.ORDER]
    assert len(payouts) > 20 and len(orders) >= 6
    # The hole the migration wizard is to find: one settlement amid the uploaded ones.
    hole = payouts[LEFT_OUT]
    assert imported == {f.name for f in files} - {hole.name}
    # Nothing the API still reaches: the import after connecting fetches those.
    reach_start = datetime.now(UTC).date() - API_REACH
    assert max(r.period_end for r in reports if r.integration == "payout") < reach_start
    assert max(r.period_start for r in reports if r.integration == "order") < reach_start


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
