"""The JSON API's clients: list, show, create (validated like the HTML form)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import BookingRuleSet, Client
from models.integration import ClientIntegration
from tests.factories import make_client

NEW = {
    "name": "Espadrille Versand GmbH",
    "berater": 29098,
    "mandant": 55003,
    "fy_start": "07-01",
    "chart": "skr04",
    "account_length": 5,
    "seller_id": "a2sc0nlsyta68b",
}


def test_the_client_list_holds_the_organisations_clients_only(client, anna, headers, stranger):
    make_client(
        anna.organisation_id,
        name="Muster Versand GmbH",
        fiscal_year_start_month=7,
        amazon_seller_id="A2SC0NLSYTA68B",
    )
    response = client.get("/api/v1/clients", headers=headers)
    assert response.status_code == 200
    [listed] = response.json
    assert listed == {
        "id": listed["id"],
        "name": "Muster Versand GmbH",
        "berater": 1001,
        "mandant": 1,
        "fy_start": "07-01",
        "chart": "skr03",
        "account_length": 4,
        "seller_id": "A2SC0NLSYTA68B",
    }


def test_one_client_carries_its_amazon_connection_none_yet(client, anna, headers):
    muster = make_client(anna.organisation_id)
    response = client.get(f"/api/v1/clients/{muster.id}", headers=headers)
    assert response.status_code == 200
    assert response.json["name"] == "Muster Versand GmbH"
    assert response.json["seller_id"] is None
    assert response.json["amazon"] is None


def test_posting_a_client_creates_it_with_rules_and_integrations(client, anna, headers, db_session):
    response = client.post("/api/v1/clients", json=NEW, headers=headers)
    assert response.status_code == 201, response.json
    stored = db_session.scalar(sa.select(Client))
    assert stored.organisation_id == anna.organisation_id
    assert (stored.berater_nr, stored.mandant_nr, stored.chart) == (29098, 55003, "SKR04")
    assert (stored.fiscal_year_start_month, stored.fiscal_year_start_day) == (7, 1)
    assert stored.amazon_seller_id == "A2SC0NLSYTA68B"  # normalised as the form does
    assert response.json == {**NEW, "id": stored.id, "seller_id": "A2SC0NLSYTA68B", "amazon": None}
    assert db_session.scalar(
        sa.select(sa.func.count()).select_from(BookingRuleSet).filter_by(client_id=stored.id)
    )
    kinds = db_session.scalars(sa.select(ClientIntegration.kind).filter_by(client_id=stored.id))
    assert sorted(kinds) == ["order", "payout"]


def test_a_client_needs_only_name_and_numbers(client, headers, db_session):
    minimal = {"name": "Klein GmbH", "berater": "1001", "mandant": "2"}
    response = client.post("/api/v1/clients", json=minimal, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["fy_start"] == "01-01"
    assert response.json["chart"] == "skr03"
    assert response.json["account_length"] == 4


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Bitte geben Sie einen Namen an."),
        ("name", None, "Bitte als Text angeben."),
        ("berater", 1000, "Die Beraternummer muss zwischen 1001 und 9999999 liegen."),
        ("berater", "12a", "Die Beraternummer muss eine ganze Zahl sein."),
        ("berater", 1001.5, "Die Beraternummer muss eine ganze Zahl sein."),
        ("mandant", 100000, "Die Mandantennummer muss zwischen 1 und 99999 liegen."),
        ("fy_start", "01.07.", "Bitte im Format MM-TT angeben, z. B. 01-01."),
        ("fy_start", "02-29", "Dieses Datum gibt es nicht in jedem Jahr."),
        ("fy_start", "13-01", "Dieses Datum gibt es nicht in jedem Jahr."),
        ("chart", "skr05", "Bitte wählen Sie SKR03 oder SKR04."),
        ("account_length", 9, "Die Sachkontenlänge muss zwischen 4 und 8 liegen."),
        ("seller_id", "B123", "Eine Amazon Seller-ID beginnt mit A"),
        ("vat", "DE1", "Dieses Feld gibt es nicht."),
    ],
)
def test_an_invalid_client_answers_422_with_the_forms_german_message(
    client, headers, db_session, field, value, message
):
    response = client.post("/api/v1/clients", json={**NEW, field: value}, headers=headers)
    assert response.status_code == 422
    assert response.json["error"] == "Die Angaben sind unvollständig oder ungültig."
    assert list(response.json["fields"]) == [field]
    assert response.json["fields"][field][0].startswith(message)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Client)) == 0


def test_a_missing_name_and_numbers_are_named_per_field(client, headers):
    response = client.post("/api/v1/clients", json={}, headers=headers)
    assert response.status_code == 422
    assert response.json["fields"] == {
        "name": ["Bitte geben Sie einen Namen an."],
        "berater": ["Die Beraternummer muss eine ganze Zahl sein."],
        "mandant": ["Die Mandantennummer muss eine ganze Zahl sein."],
    }


def test_a_body_that_is_no_json_object_answers_422(client, headers):
    for body in ({"data": "name=x", "content_type": "text/plain"}, {"json": [NEW]}):
        response = client.post("/api/v1/clients", headers=headers, **body)
        assert response.status_code == 422
        assert response.json["fields"] == {"_schema": ["Bitte ein JSON-Objekt senden."]}


def test_the_same_berater_and_mandant_twice_answers_422(client, headers, db_session):
    assert client.post("/api/v1/clients", json=NEW, headers=headers).status_code == 201
    response = client.post("/api/v1/clients", json={**NEW, "name": "Zwei"}, headers=headers)
    assert response.status_code == 422
    message = "Diese Kombination aus Berater- und Mandantennummer gibt es schon."
    assert response.json == {"error": message, "fields": {"mandant": [message]}}
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
