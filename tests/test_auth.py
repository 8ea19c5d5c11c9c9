"""Login, logout, CSRF, throttling and registration."""

from __future__ import annotations

from tests.factories import make_user
from tests.helpers import PASSWORD


def test_login_page_is_german_and_carries_a_csrf_token(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "Anmelden" in page.text
    assert 'name="csrf_token"' in page.text


def test_pages_require_login(client):
    response = client.get("/clients")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_with_the_right_password_reaches_the_clients_page(client, auth, user):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/", follow_redirects=True).request.path == "/clients"


def test_login_with_a_wrong_password_is_refused_in_german(client, auth, user):
    response = auth.login(password="falsch")
    assert response.status_code == 200
    assert "E-Mail oder Passwort ist falsch." in response.text
    assert client.get("/clients").status_code == 302


def test_login_ignores_case_and_spaces_of_the_email(client, auth, user):
    assert auth.login(email="  Anna@Example.ORG ").status_code == 302


def test_login_follows_a_local_next_but_never_a_foreign_one(client, auth, user):
    token = auth.csrf_token()
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/clients/new", data=data)
    assert response.headers["Location"] == "/clients/new"
    client.post("/logout", data={"csrf_token": auth.csrf_token("/clients")})
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        token = auth.csrf_token()
        data["csrf_token"] = token
        response = client.post(f"/login?next={evil}", data=data)
        assert response.headers["Location"] == "/", evil
        client.post("/logout", data={"csrf_token": auth.csrf_token("/clients")})


def test_logout_ends_the_session(client, auth, user):
    auth.login()
    response = auth.logout()
    assert response.headers["Location"] == "/login"
    assert client.get("/clients").status_code == 302


def test_logout_is_post_only(client, auth, user):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.get("/clients").status_code == 200


def test_a_post_without_csrf_token_is_refused(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.text
    assert client.get("/clients").status_code == 302


def test_a_post_with_a_forged_csrf_token_is_refused(client, auth, user):
    auth.login()
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/clients").status_code == 200
    response = client.post(
        "/clients/new", data={"name": "X", "berater_nr": "1001", "mandant_nr": "1"}
    )
    assert response.status_code == 400


def test_five_failed_logins_lock_the_account_for_a_while(client, auth, user, db_session):
    for _ in range(5):
        assert "E-Mail oder Passwort ist falsch." in auth.login(password="falsch").text
    response = auth.login()  # even the right password waits now
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.text
    assert client.get("/clients").status_code == 302
    db_session.refresh(user)
    assert user.locked_until is not None


def test_a_successful_login_resets_the_failure_count(auth, user, db_session):
    for _ in range(3):
        auth.login(password="falsch")
    auth.login()
    db_session.refresh(user)
    assert user.failed_logins == 0


def test_an_inactive_user_cannot_log_in(client, auth, app):
    make_user("inaktiv@example.org", is_active_user=False)
    assert auth.login(email="inaktiv@example.org").status_code == 200
    assert client.get("/clients").status_code == 302


def test_self_registration_is_off_by_default(client):
    assert client.get("/register").status_code == 404
    assert "Registrieren" not in client.get("/login").text


def test_self_registration_creates_organisation_and_user(client, auth, app):
    app.config["SELF_REGISTRATION"] = True
    token = auth.csrf_token("/register")
    response = client.post(
        "/register",
        data={
            "organisation": "Kanzlei Muster",
            "name": "Berta",
            "email": "berta@example.org",
            "password": "lang-genug-123",
            "password_repeat": "lang-genug-123",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/clients/new"
    assert client.get("/clients").status_code == 200


def test_registration_validates_in_german(client, auth, app, user):
    app.config["SELF_REGISTRATION"] = True
    token = auth.csrf_token("/register")
    response = client.post(
        "/register",
        data={
            "organisation": "",
            "email": user.email,
            "password": "kurz",
            "password_repeat": "anders",
            "csrf_token": token,
        },
    )
    assert "Bitte geben Sie Ihre Firma oder Kanzlei an." in response.text
    assert "mindestens 10 Zeichen" in response.text
    assert "Die Passwörter stimmen nicht überein." in response.text


def test_users_create_command_creates_a_user_who_can_log_in(runner, auth):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@example.org",
            "--organisation",
            "Kanzlei CLI",
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    assert auth.login(email="cli@example.org").status_code == 302
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "cli@example.org",
            "--organisation",
            "X",
            "--password",
            PASSWORD,
        ],
    )
    assert again.exit_code != 0
    assert "bereits" in again.output
