"""The API's client JSON carries the client's Amazon connection (issue 10's "amazon" field)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from amazon.credentials import encrypt_refresh_token
from extensions import db
from models import AmazonConnection, ConnectionMarketplace
from tests.api.helpers import bearer, issue_token
from tests.factories import make_client, make_user


def test_a_connected_client_shows_its_connection(app, client):
    anna = make_user("anna@example.org")
    shop = make_client(anna.organisation_id)
    db.session.add(
        AmazonConnection(
            client_id=shop.id,
            selling_partner_id="A2SELLER1",
            refresh_token_encrypted=encrypt_refresh_token("Atzr|secret"),
            state="renewal_needed",
            connected_on=date(2026, 11, 20),
            connected_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
            marketplaces=[
                ConnectionMarketplace(
                    marketplace_id="A1PA6795UKMFR9",
                    country_code="DE",
                    name="Amazon.de",
                    currency="EUR",
                )
            ],
        )
    )
    db.session.commit()

    response = client.get(f"/api/v1/clients/{shop.id}", headers=bearer(issue_token(anna)))

    assert response.status_code == 200
    assert response.json["amazon"] == {
        "state": "renewal_needed",
        "selling_partner_id": "A2SELLER1",
        "connected_at": "2026-11-20T09:30:00+00:00",
        "connected_on": "2026-11-20",
        "marketplaces": [
            {
                "id": "A1PA6795UKMFR9",
                "country": "DE",
                "name": "Amazon.de",
                "currency": "EUR",
                "participating": True,
            }
        ],
    }
    assert "secret" not in response.text


def test_a_client_without_connection_shows_null(app, client):
    anna = make_user("anna@example.org")
    shop = make_client(anna.organisation_id)

    response = client.get(f"/api/v1/clients/{shop.id}", headers=bearer(issue_token(anna)))

    assert response.json["amazon"] is None
