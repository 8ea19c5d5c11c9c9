"""Client master data for stock transfers: Sitzland, Kleinunternehmer, own foreign VAT ids and
the SKU cost table, with German messages, CSRF on every POST and German number formats."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import sqlalchemy as sa
from test_clients import VALID, post_client

from conftest import make_client
from models import Client, ClientVatId, SkuCost
from models.client_master_data import own_vat_ids_of, sku_costs_of

OWN_PL = "PL5260250274"


@pytest.fixture
def logged_in(auth, user):
    auth.login()
    return user


@pytest.fixture
def seller(logged_in):
    return make_client(logged_in.organisation_id)


def post(client, auth, path, **data):
    return client.post(path, data={**data, "csrf_token": auth.csrf_token("/clients")})


def upload(client, auth, seller, content: bytes, mode="merge", name="kosten.csv"):
    return client.post(
        f"/clients/{seller.id}/sku-costs/upload",
        data={
            "file": (io.BytesIO(content), name),
            "mode": mode,
            "csrf_token": auth.csrf_token("/clients"),
        },
        content_type="multipart/form-data",
    )


class TestSitzlandAndKleinunternehmer:
    def test_a_new_client_is_established_in_germany_and_no_small_business(
        self, client, auth, logged_in, db_session
    ):
        post_client(client, auth, "/clients/new")
        stored = db_session.scalar(sa.select(Client))
        assert (stored.country, stored.small_business) == ("DE", False)

    def test_both_are_stored_and_shown(self, client, auth, logged_in, db_session):
        response = post_client(client, auth, "/clients/new", country="AT", small_business="y")
        stored = db_session.scalar(sa.select(Client))
        assert (stored.country, stored.small_business) == ("AT", True)
        page = client.get(response.headers["Location"]).text
        assert "<dt>Sitzland</dt><dd>AT</dd>" in page
        assert "<dt>Kleinunternehmer</dt><dd>ja</dd>" in page
        assert f'href="/clients/{stored.id}/vat-ids"' in page
        assert f'href="/clients/{stored.id}/sku-costs"' in page
        edit = client.get(f"/clients/{stored.id}/edit").text
        assert '<option selected value="AT">Österreich (AT)</option>' in edit
        assert 'checked id="small_business"' in edit

    def test_an_unknown_country_is_refused_in_german(self, client, auth, logged_in, db_session):
        response = post_client(client, auth, "/clients/new", country="XX")
        assert response.status_code == 200
        assert "Bitte wählen Sie ein Land aus der Liste." in response.text
        assert db_session.scalar(sa.select(sa.func.count(Client.id))) == 0

    def test_clearing_the_flag_on_edit_stores_false(self, client, auth, logged_in, db_session):
        existing = make_client(logged_in.organisation_id, small_business=True)
        data = {**VALID, "mandant_nr": "1", "berater_nr": "1001"}
        response = post(client, auth, f"/clients/{existing.id}/edit", **data)
        assert response.status_code == 302
        db_session.refresh(existing)
        assert existing.small_business is False


class TestOwnVatIds:
    def test_a_vat_id_is_validated_stored_compact_and_listed(
        self, client, auth, seller, db_session
    ):
        response = post(
            client, auth, f"/clients/{seller.id}/vat-ids", country="PL", vat_id="pl 526-025-02-74"
        )
        assert response.status_code == 302
        assert own_vat_ids_of(seller.id) == {"PL": OWN_PL}
        page = client.get(f"/clients/{seller.id}/vat-ids").text
        assert "Polen (PL)" in page and OWN_PL in page and "wurde hinterlegt" in page

    @pytest.mark.parametrize(
        ("country", "vat_id", "message"),
        [
            ("PL", "PL5260250275", "ist keine gültige USt-IdNr."),
            ("CZ", OWN_PL, "gehört nicht zu CZ (sie muss mit CZ beginnen)"),
            ("DE", "DE136695976", "Bitte wählen Sie einen EU-Staat außer Deutschland."),
            ("PL", "", "Bitte geben Sie die USt-IdNr. an."),
        ],
    )
    def test_refusals_are_german_and_store_nothing(
        self, client, auth, seller, db_session, country, vat_id, message
    ):
        response = post(
            client, auth, f"/clients/{seller.id}/vat-ids", country=country, vat_id=vat_id
        )
        assert response.status_code == 200
        assert message in response.text
        assert db_session.scalar(sa.select(sa.func.count(ClientVatId.id))) == 0

    def test_greece_takes_el_ids(self, client, auth, seller):
        post(client, auth, f"/clients/{seller.id}/vat-ids", country="GR", vat_id="EL094259216")
        assert own_vat_ids_of(seller.id) == {"GR": "EL094259216"}

    def test_one_vat_id_per_country(self, client, auth, seller, db_session):
        post(client, auth, f"/clients/{seller.id}/vat-ids", country="PL", vat_id=OWN_PL)
        response = post(
            client, auth, f"/clients/{seller.id}/vat-ids", country="PL", vat_id="PL7740001454"
        )
        assert "Für Polen ist schon eine USt-IdNr. hinterlegt" in response.text
        assert own_vat_ids_of(seller.id) == {"PL": OWN_PL}

    def test_a_vat_id_can_be_removed(self, client, auth, seller, db_session):
        post(client, auth, f"/clients/{seller.id}/vat-ids", country="PL", vat_id=OWN_PL)
        stored = db_session.scalar(sa.select(ClientVatId))
        response = post(client, auth, f"/clients/{seller.id}/vat-ids/{stored.id}/delete")
        assert response.status_code == 302
        assert own_vat_ids_of(seller.id) == {}

    def test_a_post_without_csrf_token_is_refused(self, client, seller, db_session):
        response = client.post(
            f"/clients/{seller.id}/vat-ids", data={"country": "PL", "vat_id": OWN_PL}
        )
        assert response.status_code == 400
        assert db_session.scalar(sa.select(sa.func.count(ClientVatId.id))) == 0


class TestSkuCosts:
    def test_an_upload_stores_decimals_and_shows_them_in_german(self, client, auth, seller):
        response = upload(client, auth, seller, b"sku;cost\nTASSE-01;3,5\nTELLER;1.234,56\n")
        assert response.status_code == 302
        assert sku_costs_of(seller.id) == {"TASSE-01": Decimal("3.5"), "TELLER": Decimal("1234.56")}
        page = client.get(f"/clients/{seller.id}/sku-costs").text
        assert "2 SKUs aus der Datei übernommen" in page
        assert "3,50 €" in page and "1.234,56 €" in page

    def test_merge_keeps_other_skus_and_replace_drops_them(self, client, auth, seller):
        upload(client, auth, seller, b"A;1\nB;2\n")
        upload(client, auth, seller, b"B;5\nC;3\n", mode="merge")
        assert sku_costs_of(seller.id) == {"A": 1, "B": 5, "C": 3}
        upload(client, auth, seller, b"C;4\n", mode="replace")
        assert sku_costs_of(seller.id) == {"C": 4}

    def test_a_defective_file_is_refused_naming_line_and_column_and_stores_nothing(
        self, client, auth, seller
    ):
        upload(client, auth, seller, b"A;1\n")
        response = upload(client, auth, seller, b"B;2\nC;zwei\n", mode="replace")
        assert response.status_code == 400
        assert "kosten.csv, Zeile 2, Spalte 2: „zwei“ ist kein Betrag" in response.text
        assert sku_costs_of(seller.id) == {"A": 1}

    def test_a_missing_file_is_refused(self, client, auth, seller):
        response = post(client, auth, f"/clients/{seller.id}/sku-costs/upload", mode="merge")
        assert response.status_code == 400
        assert "Bitte wählen Sie eine CSV-Datei." in response.text

    def test_a_file_over_the_limit_is_refused(self, client, auth, seller, monkeypatch):
        from blueprints import client_master_data

        monkeypatch.setattr(client_master_data, "MAX_COST_FILE_BYTES", 1000)
        response = upload(client, auth, seller, b"A;1\n" * 300)
        assert response.status_code == 413
        assert "Die Datei ist größer als" in response.text
        assert sku_costs_of(seller.id) == {}

    def test_a_cost_is_edited_in_german_notation(self, client, auth, seller, db_session):
        upload(client, auth, seller, b"A;1\n")
        stored = db_session.scalar(sa.select(SkuCost))
        response = post(client, auth, f"/clients/{seller.id}/sku-costs/{stored.id}", cost="0,0125")
        assert response.status_code == 302
        assert sku_costs_of(seller.id) == {"A": Decimal("0.0125")}
        assert 'value="0,0125"' in client.get(f"/clients/{seller.id}/sku-costs").text

    @pytest.mark.parametrize(
        ("cost", "message"),
        [("0", "größer als 0"), ("drei", "Bitte einen Betrag angeben"), ("1,00001", "Höchstens 4")],
    )
    def test_a_bad_edit_changes_nothing_and_says_why(
        self, client, auth, seller, db_session, cost, message
    ):
        upload(client, auth, seller, b"A;1\n")
        stored = db_session.scalar(sa.select(SkuCost))
        response = post(client, auth, f"/clients/{seller.id}/sku-costs/{stored.id}", cost=cost)
        assert message in client.get(response.headers["Location"]).text
        assert sku_costs_of(seller.id) == {"A": 1}

    def test_a_single_sku_is_added_and_a_cost_removed(self, client, auth, seller, db_session):
        response = post(client, auth, f"/clients/{seller.id}/sku-costs/new", sku="NEU", cost="2,5")
        assert response.status_code == 302
        assert sku_costs_of(seller.id) == {"NEU": Decimal("2.5")}
        stored = db_session.scalar(sa.select(SkuCost))
        post(client, auth, f"/clients/{seller.id}/sku-costs/{stored.id}/delete")
        assert sku_costs_of(seller.id) == {}

    def test_the_list_is_paginated(self, client, auth, seller):
        upload(client, auth, seller, "".join(f"SKU-{n:03d};1\n" for n in range(120)).encode())
        first = client.get(f"/clients/{seller.id}/sku-costs").text
        assert "120 SKUs" in first and "Seite 1 von 3" in first
        assert "SKU-000" in first and "SKU-049" in first and "SKU-050" not in first
        third = client.get(f"/clients/{seller.id}/sku-costs?page=3").text
        assert "SKU-119" in third and "SKU-000" not in third

    def test_an_upload_without_csrf_token_is_refused(self, client, seller):
        response = client.post(
            f"/clients/{seller.id}/sku-costs/upload",
            data={"file": (io.BytesIO(b"A;1\n"), "k.csv"), "mode": "merge"},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert sku_costs_of(seller.id) == {}
