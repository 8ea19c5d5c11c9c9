"""Personal access tokens: the settings page, `flask tokens create`, Bearer authentication."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from models import ApiToken
from models.base import utcnow
from tests.api.helpers import bearer, issue_token
from tests.helpers import csrf_token_of


def new_token_of(page) -> str:
    match = re.search(r'<code class="token" id="new-token">([^<]+)</code>', page.text)
    assert match, "the page shows no new token"
    return match.group(1)


def create_on_page(client, name: str):
    form = client.get("/settings/tokens")
    return client.post("/settings/tokens", data={"name": name, "csrf_token": csrf_token_of(form)})


def test_a_token_created_on_the_page_is_shown_once_and_stored_hashed(
    client, auth, anna, db_session
):
    auth.login()
    page = create_on_page(client, "Kanzlei-Skript")
    assert page.status_code == 201
    token = new_token_of(page)
    assert token.startswith("kontor_")
    row = db_session.scalar(sa.select(ApiToken))
    assert (row.name, row.user_id, row.hint) == ("Kanzlei-Skript", anna.id, token[:12])
    assert token not in row.hash and len(row.hash) == 64
    listing = client.get("/settings/tokens")
    assert "Kanzlei-Skript" in listing.text and token[:12] in listing.text
    assert token not in listing.text
    assert "<td>nie</td>" in listing.text  # not used yet
    assert client.get("/api/v1/clients", headers=bearer(token)).status_code == 200
    assert "<td>nie</td>" not in client.get("/settings/tokens").text


def test_a_token_needs_a_name(client, auth, anna, db_session):
    auth.login()
    page = create_on_page(client, " ")
    assert page.status_code == 422
    assert "Bitte geben Sie dem Token einen Namen." in page.text
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_creating_a_token_needs_the_csrf_token(client, auth, anna, db_session):
    auth.login()
    response = client.post("/settings/tokens", data={"name": "ohne CSRF"})
    assert response.status_code == 400
    assert db_session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_page_needs_a_login(client, anna):
    response = client.get("/settings/tokens")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_revoked_token_answers_401(client, auth, anna, db_session):
    token = issue_token(anna, "alt")
    auth.login()
    page = client.get("/settings/tokens")
    row = db_session.scalar(sa.select(ApiToken))
    revoked = client.post(
        f"/settings/tokens/{row.id}/revoke", data={"csrf_token": csrf_token_of(page)}
    )
    assert revoked.status_code == 302
    assert "wurde widerrufen" in client.get("/settings/tokens").text
    db_session.refresh(row)
    assert row.revoked_at is not None
    response = client.get("/api/v1/clients", headers=bearer(token))
    assert response.status_code == 401
    assert response.json == {"error": "Dieser API-Token ist ungültig oder wurde widerrufen."}


def test_only_ones_own_tokens_can_be_revoked(client, auth, anna, stranger, db_session):
    foreign_token = issue_token(stranger[0])
    auth.login()
    page = client.get("/settings/tokens")
    foreign = db_session.scalar(sa.select(ApiToken))
    response = client.post(
        f"/settings/tokens/{foreign.id}/revoke", data={"csrf_token": csrf_token_of(page)}
    )
    assert response.status_code == 404
    assert "Fremde GmbH" not in page.text and foreign.hint not in page.text
    assert client.get("/api/v1/clients", headers=bearer(foreign_token)).status_code == 200


def test_the_cli_prints_a_token_that_authenticates(runner, client, anna, db_session):
    result = runner.invoke(args=["tokens", "create", "--email", "ANNA@example.org"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("kontor_")
    assert "wird nur jetzt angezeigt" in result.stderr
    assert db_session.scalar(sa.select(ApiToken.name)) == "Kommandozeile"
    assert client.get("/api/v1/clients", headers=bearer(token)).status_code == 200


def test_the_cli_takes_a_name_and_refuses_an_unknown_email(runner, anna, db_session):
    named = runner.invoke(args=["tokens", "create", "--email", anna.email, "--name", "Kanzlei"])
    assert named.exit_code == 0
    assert db_session.scalar(sa.select(ApiToken.name)) == "Kanzlei"
    unknown = runner.invoke(args=["tokens", "create", "--email", "niemand@example.org"])
    assert unknown.exit_code != 0
    assert "Zu niemand@example.org gibt es keinen Benutzer." in unknown.output


def test_missing_or_wrong_tokens_answer_401_json(client, anna):
    for headers in ({}, {"Authorization": "Basic YTpi"}, bearer("kontor_falsch")):
        response = client.get("/api/v1/clients", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(response.json) == {"error"}


def test_a_session_cookie_alone_does_not_authenticate_the_api(client, auth, anna):
    auth.login()
    assert client.get("/clients").status_code == 200  # the browser session works
    response = client.get("/api/v1/clients")
    assert response.status_code == 401
    posted = client.post("/api/v1/clients", json={"name": "per Cookie"})
    assert posted.status_code == 401


def test_the_api_needs_no_csrf_token(client, headers):
    response = client.post(
        "/api/v1/clients", json={"name": "X", "berater": 1001, "mandant": 3}, headers=headers
    )
    assert response.status_code == 201


def test_a_token_of_a_deactivated_user_answers_401(client, anna, headers, db_session):
    anna.is_active_user = False
    db_session.commit()
    assert client.get("/api/v1/clients", headers=headers).status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(client, anna, headers, db_session):
    client.get("/api/v1/clients", headers=headers)
    row = db_session.scalar(sa.select(ApiToken))
    first = row.last_used_at
    assert first is not None
    client.get("/api/v1/clients", headers=headers)
    db_session.refresh(row)
    assert row.last_used_at == first
    row.last_used_at = utcnow() - timedelta(minutes=2)
    db_session.commit()
    client.get("/api/v1/clients", headers=headers)
    db_session.refresh(row)
    assert row.last_used_at > utcnow() - timedelta(seconds=30)


def test_unknown_api_urls_and_methods_answer_json(client, headers):
    missing = client.get("/api/v1/nichts", headers=headers)
    assert missing.status_code == 404
    assert missing.json == {"error": "Nicht gefunden."}
    wrong_method = client.delete("/api/v1/clients", headers=headers)
    assert wrong_method.status_code == 405
    assert wrong_method.json == {"error": "Diese Methode ist hier nicht erlaubt."}
