"""The connect flow in the browser's steps (Flask test client) against the live sandbox's
consent page and token endpoint: "Verbindung einrichten" → Seller Central → callback."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from flask import g

from amazon.connections import connection_of, mark_renewal_needed
from extensions import db
from models import AmazonConnection
from tests.factories import make_client, make_user
from tests.helpers import AuthActions, csrf_token_of


@pytest.fixture
def anna(app):
    return make_user("anna@example.org", name="Anna Beispiel")


@pytest.fixture
def shop(anna):
    return make_client(anna.organisation_id, name="Lindenhof Küche")


@pytest.fixture
def browser(client, anna):
    AuthActions(client).login()
    return client


def start(browser, shop, **form):
    """POST "Verbindung einrichten" from the choose page; the consent URL it redirects to."""
    page = browser.get(f"/clients/{shop.id}/connections/new")
    assert page.status_code == 200
    response = browser.post(
        f"/clients/{shop.id}/amazon/connect", data={"csrf_token": csrf_token_of(page), **form}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def consent(sandbox, consent_url, decision="confirm", seller=None):
    """The seller's click on Seller Central's consent page: the callback URL it sends to."""
    query = parse_qs(urlsplit(consent_url).query)
    values = {key: value[0] for key, value in query.items()}
    if seller:
        values["seller"] = seller
    response = sandbox.http.post(
        consent_url.split("?")[0],
        data={**values, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def callback(browser, callback_url):
    parts = urlsplit(callback_url)
    return browser.get(f"{parts.path}?{parts.query}")


def connect_through_amazon(browser, sandbox, shop, **form):
    return callback(browser, consent(sandbox, start(browser, shop, **form)))


def connections_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AmazonConnection))


def raw_token(client_id: int) -> str:
    with db.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT refresh_token_encrypted FROM amazon_connections WHERE client_id = :c"),
            {"c": client_id},
        ).scalar_one()


def test_the_choose_page_offers_the_seller_api(browser, shop):
    page = browser.get(f"/clients/{shop.id}/connections/new")

    assert "Verbindung hinzufügen" in page.text
    assert "Amazon – Seller API" in page.text
    assert "Verbindung einrichten" in page.text


def test_verbindung_einrichten_sends_to_the_consent_page_with_a_fresh_state(browser, sandbox, shop):
    first = parse_qs(urlsplit(start(browser, shop)).query)
    second = parse_qs(urlsplit(start(browser, shop)).query)

    assert first["application_id"] == [sandbox.state.application_id]
    assert first["redirect_uri"] == ["http://localhost/amazon/callback"]
    assert "version" not in first
    assert len(first["state"][0]) >= 40
    assert first["state"] != second["state"]


def test_connecting_stores_the_connection_and_shows_it(browser, sandbox, shop):
    seller = sandbox.seller()

    response = connect_through_amazon(browser, sandbox, shop)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{shop.id}"
    connection = connection_of(shop)
    assert connection.selling_partner_id == seller["selling_partner_id"]
    assert seller["refresh_token"] not in raw_token(shop.id)
    assert "Atzr|" not in raw_token(shop.id)
    page = browser.get(f"/clients/{shop.id}")
    assert "wir aktualisieren dein Setup" in page.text
    assert "Verbunden" in page.text
    assert seller["selling_partner_id"] in page.text
    assert "Amazon.de (DE, EUR)" in page.text
    assert "Verbindung trennen" in page.text


def test_the_callback_returns_to_a_local_next_url(browser, sandbox, shop):
    wizard = f"/clients/{shop.id}/wechsel?schritt=2"

    response = connect_through_amazon(browser, sandbox, shop, next=wizard)

    assert response.headers["Location"] == wizard


@pytest.mark.parametrize("foreign", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_a_next_url_elsewhere_is_ignored(browser, sandbox, shop, foreign):
    response = connect_through_amazon(browser, sandbox, shop, next=foreign)

    assert response.headers["Location"] == f"/clients/{shop.id}"


def test_a_draft_application_asks_for_the_beta_consent(app, browser, sandbox, shop):
    app.config["SPAPI_APP_DRAFT"] = True

    assert parse_qs(urlsplit(start(browser, shop)).query)["version"] == ["beta"]


def assert_refused(response, browser):
    assert response.status_code == 302
    assert response.headers["Location"] == "/clients"
    assert "passt zu keiner offenen Verbindungsanfrage" in browser.get("/clients").text


def test_a_forged_state_is_refused_and_changes_nothing(browser, sandbox, shop):
    real = consent(sandbox, start(browser, shop))
    query = parse_qs(urlsplit(real).query)
    forged = {**{k: v[0] for k, v in query.items()}, "state": "forged-" + "x" * 40}

    response = browser.get("/amazon/callback?" + urlencode(forged))

    assert_refused(response, browser)
    assert connections_count() == 0


def test_a_missing_state_is_refused(browser, sandbox, shop):
    real = consent(sandbox, start(browser, shop))
    query = {k: v[0] for k, v in parse_qs(urlsplit(real).query).items() if k != "state"}

    assert_refused(browser.get("/amazon/callback?" + urlencode(query)), browser)
    assert connections_count() == 0


def test_a_reused_state_is_refused_and_changes_nothing(browser, sandbox, shop):
    callback_url = consent(sandbox, start(browser, shop))
    assert callback(browser, callback_url).headers["Location"] == f"/clients/{shop.id}"
    token_before = raw_token(shop.id)

    response = callback(browser, callback_url)

    assert_refused(response, browser)
    assert raw_token(shop.id) == token_before
    assert connections_count() == 1


def test_an_expired_state_is_refused_and_changes_nothing(browser, sandbox, shop, monkeypatch):
    monkeypatch.setattr("amazon.consent_states.STATE_LIFETIME", 1)
    callback_url = consent(sandbox, start(browser, shop))
    time.sleep(1.2)

    assert_refused(callback(browser, callback_url), browser)
    assert connections_count() == 0


def test_a_state_started_in_another_session_is_refused(app, browser, sandbox, shop):
    callback_url = consent(sandbox, start(browser, shop))
    other_browser = app.test_client()
    # The tests share one app context, where flask-login and flask-wtf cache the user and
    # the CSRF token of the last request: the second browser must not inherit them.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    AuthActions(other_browser).login()  # the same user, another browser

    assert_refused(callback(other_browser, callback_url), other_browser)
    assert connections_count() == 0


def test_a_state_of_another_user_is_refused(app, browser, sandbox, shop, anna):
    callback_url = consent(sandbox, start(browser, shop))
    make_user("ben@example.org", organisation=anna.organisation)
    with browser.session_transaction() as session:
        nonce = session["amazon_consent_nonce"]
    AuthActions(browser).logout()
    AuthActions(browser).login("ben@example.org")
    with browser.session_transaction() as session:
        session["amazon_consent_nonce"] = nonce  # even with Anna's nonce

    assert_refused(callback(browser, callback_url), browser)
    assert connections_count() == 0


def test_a_cancelled_consent_changes_nothing(browser, sandbox, shop):
    response = callback(browser, consent(sandbox, start(browser, shop), decision="cancel"))

    assert response.headers["Location"] == f"/clients/{shop.id}"
    assert "abgebrochen" in browser.get(f"/clients/{shop.id}").text
    assert connections_count() == 0


def test_a_failed_code_exchange_changes_nothing(browser, sandbox, shop):
    real = consent(sandbox, start(browser, shop))
    query = {k: v[0] for k, v in parse_qs(urlsplit(real).query).items()}
    query["spapi_oauth_code"] = "ANbogus"

    response = browser.get("/amazon/callback?" + urlencode(query))

    assert response.headers["Location"] == f"/clients/{shop.id}"
    assert "nicht bestätigt" in browser.get(f"/clients/{shop.id}").text
    assert connections_count() == 0


def test_a_seller_connected_to_another_client_is_refused(browser, sandbox, shop, anna):
    connect_through_amazon(browser, sandbox, shop)
    second = make_client(anna.organisation_id, name="Zweitshop", mandant_nr=2)

    response = connect_through_amazon(browser, sandbox, second)

    assert response.headers["Location"] == f"/clients/{second.id}"
    assert "bereits mit einem anderen Shop verbunden" in browser.get(f"/clients/{second.id}").text
    assert connection_of(second) is None


def test_a_revoked_connection_shows_renewal_needed_and_renews_through_the_same_flow(
    browser, sandbox, shop
):
    connect_through_amazon(browser, sandbox, shop)
    connection = connection_of(shop)
    mark_renewal_needed(connection, "Amazon hat die Verbindung nicht mehr akzeptiert.")

    page = browser.get(f"/clients/{shop.id}")
    assert "Erneuerung nötig" in page.text
    assert "Verbindung erneuern" in page.text
    renew = browser.post(
        f"/clients/{shop.id}/amazon/connect", data={"csrf_token": csrf_token_of(page)}
    )
    response = callback(browser, consent(sandbox, renew.headers["Location"]))

    assert response.headers["Location"] == f"/clients/{shop.id}"
    db.session.expire_all()
    assert connection_of(shop).active
    assert "Die Verbindung zu Amazon ist erneuert." in browser.get(f"/clients/{shop.id}").text


def test_disconnecting_deletes_the_token(browser, sandbox, shop):
    connect_through_amazon(browser, sandbox, shop)
    page = browser.get(f"/clients/{shop.id}")

    response = browser.post(
        f"/clients/{shop.id}/amazon/disconnect", data={"csrf_token": csrf_token_of(page)}
    )

    assert response.headers["Location"] == f"/clients/{shop.id}"
    assert connections_count() == 0
    assert (
        "Importierte Berichte und Buchungsstapel bleiben erhalten"
        in browser.get(f"/clients/{shop.id}").text
    )


def test_posts_without_csrf_token_are_refused(browser, sandbox, shop):
    connect_through_amazon(browser, sandbox, shop)

    assert browser.post(f"/clients/{shop.id}/amazon/connect").status_code == 400
    assert browser.post(f"/clients/{shop.id}/amazon/disconnect").status_code == 400
    assert connections_count() == 1


def test_another_organisations_client_is_not_found(app, browser, shop):
    stranger = make_user("eve@example.org")
    foreign = make_client(stranger.organisation_id, name="Fremd")
    page = browser.get(f"/clients/{shop.id}")
    token = csrf_token_of(page)

    assert browser.get(f"/clients/{foreign.id}/connections/new").status_code == 404
    assert (
        browser.post(
            f"/clients/{foreign.id}/amazon/connect", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        browser.post(
            f"/clients/{foreign.id}/amazon/disconnect", data={"csrf_token": token}
        ).status_code
        == 404
    )


def test_every_route_needs_a_login(client, shop):
    assert client.get(f"/clients/{shop.id}/connections/new").status_code == 302
    assert client.get("/amazon/callback?state=x").status_code == 302


@pytest.mark.parametrize("sandbox_config", [{"SANDBOX_APP_DRAFT": True}])
def test_a_draft_application_connects_through_the_beta_consent(app, browser, sandbox, shop):
    app.config["SPAPI_APP_DRAFT"] = False
    refused = sandbox.http.get(start(browser, shop), timeout=10)
    assert refused.status_code == 400
    assert "version=beta fehlt" in refused.text

    app.config["SPAPI_APP_DRAFT"] = True
    response = connect_through_amazon(browser, sandbox, shop)

    assert response.headers["Location"] == f"/clients/{shop.id}"
    assert connection_of(shop) is not None
