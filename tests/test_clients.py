"""Shops / Accounts: client CRUD with DATEV master data, and organisation isolation."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from models import (
    BookingRule,
    BookingRuleSet,
    Client,
    ClientVatId,
    Report,
    SkuCost,
    StoredFile,
)
from models.batch import Batch
from models.booking_rules import Integration, load_rule_book, seed_client_rules, seed_rule_set
from models.integration import ClientIntegration, IntegrationMarketplace, ensure_integrations
from models.job_run import JobRun
from tests.factories import make_client, make_user

VALID = {
    "name": "Espadrille Versand GmbH",
    "berater_nr": "29098",
    "mandant_nr": "55003",
    "fiscal_year_start": "01.07.",
    "account_length": "5",
    "chart": "SKR04",
    "vat_id": "DE 136 695 976",
    "amazon_seller_id": "a2sc0nlsyta68b",
}


INTEGRATIONS = "/clients/<int:client_id>/integrations"
INTEGRATION = "<any(payout, order):integration>"


@pytest.fixture
def logged_in(auth, user):
    auth.login()
    return user


def post_client(client, auth, path, **overrides):
    data = {**VALID, **overrides, "csrf_token": auth.csrf_token(path)}
    return client.post(path, data=data)


def test_a_new_organisation_sees_an_empty_list(client, logged_in):
    page = client.get("/clients")
    assert page.status_code == 200
    assert "Noch keine Mandanten" in page.text


def test_creating_a_client_stores_its_datev_master_data(client, auth, logged_in, db_session):
    response = post_client(client, auth, "/clients/new")
    assert response.status_code == 302
    stored = db_session.scalar(sa.select(Client))
    assert stored.organisation_id == logged_in.organisation_id
    assert (stored.berater_nr, stored.mandant_nr) == (29098, 55003)
    assert (stored.fiscal_year_start_day, stored.fiscal_year_start_month) == (1, 7)
    assert (stored.account_length, stored.chart) == (5, "SKR04")
    assert stored.vat_id == "DE136695976"
    assert stored.amazon_seller_id == "A2SC0NLSYTA68B"
    rule_sets = db_session.scalars(sa.select(BookingRuleSet).filter_by(client_id=stored.id)).all()
    defaults = {(s.integration, s.marketplace) for s in rule_sets}
    assert ("order", "*") in defaults and ("payout", "*") in defaults
    assert ("payout", "Amazon.ca") in defaults  # a store outside Europe has rules of its own
    # SKR04 clearing account 1810, lengthened to the client's five-digit accounts
    assert {s.clearing_account for s in rule_sets} == {"18100"}
    integrations = db_session.scalars(sa.select(ClientIntegration).filter_by(client_id=stored.id))
    assert sorted(i.label for i in integrations) == ["Amazon Order", "Amazon Payout"]
    assert response.headers["Location"] == f"/clients/{stored.id}"
    page = client.get(response.headers["Location"])
    assert "wurde angelegt" in page.text
    assert "01.07." in page.text
    listing = client.get("/clients").text
    assert "Espadrille Versand GmbH" in listing and "29098" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Bitte geben Sie einen Namen an."),
        ("berater_nr", "1000", "Die Beraternummer muss zwischen 1001 und 9999999 liegen."),
        ("berater_nr", "10000000", "Die Beraternummer muss zwischen 1001 und 9999999 liegen."),
        ("berater_nr", "12a", "Die Beraternummer muss eine ganze Zahl sein."),
        ("mandant_nr", "0", "Die Mandantennummer muss zwischen 1 und 99999 liegen."),
        ("mandant_nr", "100000", "Die Mandantennummer muss zwischen 1 und 99999 liegen."),
        ("mandant_nr", "", "Die Mandantennummer muss eine ganze Zahl sein."),
        ("fiscal_year_start", "2024-01-01", "Bitte im Format TT.MM. angeben"),
        ("fiscal_year_start", "31.04.", "Dieses Datum gibt es nicht in jedem Jahr."),
        ("fiscal_year_start", "29.02.", "Dieses Datum gibt es nicht in jedem Jahr."),
        ("account_length", "9", "Die Sachkontenlänge muss zwischen 4 und 8 liegen."),
        ("chart", "SKR49", "Bitte wählen Sie SKR03 oder SKR04."),
        ("vat_id", "DE123456789", "Diese USt-IdNr. ist ungültig"),
        ("amazon_seller_id", "XYZ", "Eine Amazon Seller-ID beginnt mit A"),
    ],
)
def test_every_field_is_validated_with_a_german_message(
    client, auth, logged_in, db_session, field, value, message
):
    response = post_client(client, auth, "/clients/new", **{field: value})
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert db_session.scalar(sa.select(sa.func.count(Client.id))) == 0


def test_optional_fields_may_stay_empty(client, auth, logged_in, db_session):
    response = post_client(client, auth, "/clients/new", vat_id="", amazon_seller_id="")
    assert response.status_code == 302
    stored = db_session.scalar(sa.select(Client))
    assert stored.vat_id is None and stored.amazon_seller_id is None


def test_the_same_datev_mandant_cannot_be_created_twice(client, auth, logged_in, db_session):
    post_client(client, auth, "/clients/new")
    response = post_client(client, auth, "/clients/new", name="Doppelt")
    assert response.status_code == 200
    assert "Diese Kombination aus Berater- und Mandantennummer gibt es schon." in response.text
    assert db_session.scalar(sa.select(sa.func.count(Client.id))) == 1


def test_editing_a_client_shows_and_saves_its_data(client, auth, logged_in, db_session):
    existing = make_client(logged_in.organisation_id, fiscal_year_start_month=4)
    page = client.get(f"/clients/{existing.id}/edit")
    assert 'value="Muster Versand GmbH"' in page.text
    assert 'value="01.04."' in page.text
    response = post_client(client, auth, f"/clients/{existing.id}/edit", name="Neuer Name")
    assert response.headers["Location"] == f"/clients/{existing.id}"
    db_session.refresh(existing)
    assert existing.name == "Neuer Name"
    assert existing.chart == "SKR04"


def test_changing_the_chart_resets_the_rules_to_the_new_charts_accounts(
    client, auth, logged_in, db_session
):
    post_client(client, auth, "/clients/new", chart="SKR03", account_length="4")
    stored = db_session.scalar(sa.select(Client))
    seed_rule_set(stored, Integration.PAYOUT, "amazon.fr")
    db_session.commit()
    response = post_client(client, auth, f"/clients/{stored.id}/edit", chart="SKR04")
    assert response.status_code == 302
    assert "Standardkonten des SKR04" in client.get(response.headers["Location"]).text
    db_session.expire_all()
    sets = db_session.scalars(sa.select(BookingRuleSet).filter_by(client_id=stored.id)).all()
    kept = {(s.integration, s.marketplace) for s in sets}
    assert {("order", "*"), ("payout", "*"), ("payout", "amazon.fr")} <= kept
    assert len(kept) == len(sets)  # each set once
    assert {s.clearing_account for s in sets} == {"18100"}  # SKR04 1810, five digits
    book = load_rule_book(stored.id, Integration.PAYOUT).for_marketplace("amazon.de")
    assert book.suspense_account == "13700"  # SKR04 Klärungskonto 1370


def test_an_edit_that_keeps_the_ledger_keeps_the_rules(client, auth, logged_in, db_session):
    post_client(client, auth, "/clients/new")
    stored = db_session.scalar(sa.select(Client))
    ids = set(db_session.scalars(sa.select(BookingRuleSet.id)))
    response = post_client(client, auth, f"/clients/{stored.id}/edit", name="Anderer Name")
    assert "Buchungsregeln" not in client.get(response.headers["Location"]).text
    assert set(db_session.scalars(sa.select(BookingRuleSet.id))) == ids


def test_an_invalid_edit_changes_nothing(client, auth, logged_in, db_session):
    existing = make_client(logged_in.organisation_id)
    response = post_client(client, auth, f"/clients/{existing.id}/edit", berater_nr="5")
    assert response.status_code == 200
    db_session.refresh(existing)
    assert existing.berater_nr == 1001


def test_values_are_escaped_in_every_page(client, auth, logged_in):
    post_client(client, auth, "/clients/new", name="<script>alert(1)</script>")
    listing = client.get("/clients").text
    assert "<script>alert(1)</script>" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing


class TestOrganisationIsolation:
    """A client of another organisation answers 404 on every route, like a missing one."""

    @pytest.fixture
    def foreign_client(self, app):
        stranger = make_user("fremd@example.org")
        return make_client(stranger.organisation_id, name="Fremde GmbH")

    def test_the_list_shows_only_the_own_organisation(self, client, logged_in, foreign_client):
        make_client(logged_in.organisation_id, name="Eigene GmbH")
        listing = client.get("/clients").text
        assert "Eigene GmbH" in listing
        assert "Fremde GmbH" not in listing

    @pytest.mark.parametrize(
        "path",
        ["/clients/{id}", "/clients/{id}/edit", "/clients/{id}/vat-ids", "/clients/{id}/sku-costs"],
    )
    def test_get_routes_answer_404(self, client, logged_in, foreign_client, path):
        response = client.get(path.format(id=foreign_client.id))
        assert response.status_code == 404
        assert "Seite nicht gefunden" in response.text
        assert "Fremde GmbH" not in response.text

    def test_an_edit_post_answers_404_and_changes_nothing(
        self, client, auth, logged_in, foreign_client, db_session
    ):
        response = post_client(client, auth, f"/clients/{foreign_client.id}/edit", name="Gekapert")
        assert response.status_code == 404
        db_session.refresh(foreign_client)
        assert foreign_client.name == "Fremde GmbH"

    @pytest.fixture
    def foreign_rows(self, foreign_client, db_session):
        vat_id = ClientVatId(client_id=foreign_client.id, country="PL", vat_id="PL5260250274")
        cost = SkuCost(client_id=foreign_client.id, sku="FREMD-01", cost=3)
        db_session.add_all([vat_id, cost])
        db_session.commit()
        return {"vat": vat_id.id, "cost": cost.id}

    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("/clients/{id}/vat-ids", {"country": "PL", "vat_id": "PL5260250274"}),
            ("/clients/{id}/vat-ids/{vat}/delete", {}),
            ("/clients/{id}/sku-costs/new", {"sku": "X", "cost": "1,00"}),
            ("/clients/{id}/sku-costs/{cost}", {"cost": "9,99"}),
            ("/clients/{id}/sku-costs/{cost}/delete", {}),
            ("/clients/{id}/sku-costs/upload", {"mode": "replace"}),
        ],
    )
    def test_master_data_posts_answer_404_and_change_nothing(
        self, client, auth, logged_in, foreign_client, foreign_rows, db_session, path, data
    ):
        url = path.format(id=foreign_client.id, **foreign_rows)
        response = client.post(url, data={**data, "csrf_token": auth.csrf_token("/clients")})
        assert response.status_code == 404
        db_session.expire_all()
        assert db_session.get(SkuCost, foreign_rows["cost"]).cost == 3
        assert db_session.get(ClientVatId, foreign_rows["vat"]) is not None
        assert db_session.scalar(sa.select(sa.func.count(SkuCost.id))) == 1
        assert db_session.scalar(sa.select(sa.func.count(ClientVatId.id))) == 1

    def test_another_clients_rows_answer_404_under_the_own_client(
        self, client, auth, logged_in, foreign_rows, db_session
    ):
        own = make_client(logged_in.organisation_id, name="Eigene GmbH")
        token = auth.csrf_token("/clients")
        for path in (
            f"/clients/{own.id}/vat-ids/{foreign_rows['vat']}/delete",
            f"/clients/{own.id}/sku-costs/{foreign_rows['cost']}",
            f"/clients/{own.id}/sku-costs/{foreign_rows['cost']}/delete",
        ):
            response = client.post(path, data={"cost": "9,99", "csrf_token": token})
            assert response.status_code == 404, path
        assert db_session.scalar(sa.select(sa.func.count(SkuCost.id))) == 1

    def test_every_client_route_is_covered(self, app):
        """A new route under /clients/<id> must be added to the isolation tests above."""
        routes = {
            rule.rule
            for rule in app.url_map.iter_rules()
            # The API's routes have their own isolation test (tests/api/test_api_isolation.py).
            if "<int:client_id>" in rule.rule and not rule.rule.startswith("/api/")
        }
        assert routes == {
            "/clients/<int:client_id>",
            "/clients/<int:client_id>/edit",
            "/clients/<int:client_id>/vat-ids",
            "/clients/<int:client_id>/vat-ids/<int:vat_id_id>/delete",
            "/clients/<int:client_id>/sku-costs",
            "/clients/<int:client_id>/sku-costs/new",
            "/clients/<int:client_id>/sku-costs/upload",
            "/clients/<int:client_id>/sku-costs/<int:cost_id>",
            "/clients/<int:client_id>/sku-costs/<int:cost_id>/delete",
            f"{INTEGRATIONS}/{INTEGRATION}/rules",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/<int:rule_set_id>",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/<int:rule_set_id>/new",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/<int:rule_set_id>/<int:rule_id>",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/<int:rule_set_id>/<int:rule_id>/delete",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/<int:rule_set_id>/reset",
            f"{INTEGRATIONS}/{INTEGRATION}/rules/from-key",
            f"{INTEGRATIONS}/{INTEGRATION}/settings",
            "/clients/<int:client_id>/integrations/<any(payout, order):integration>",
            "/clients/<int:client_id>/integrations/<any(payout, order):integration>/upload",
            "/clients/<int:client_id>/integrations/payout/marketplaces",
            "/clients/<int:client_id>/integrations/<any(payout, order):integration>/months/"
            "<int:year>-<int:month>",
            "/clients/<int:client_id>/jobs/<int:job_id>",
            "/clients/<int:client_id>/jobs/<int:job_id>/retry",  # tests/test_automatic_import.py
            "/clients/<int:client_id>/reports/<int:report_id>",
            "/clients/<int:client_id>/reports/<int:report_id>/rebuild",
            "/clients/<int:client_id>/reports/<int:report_id>/batches/<int:version>/download",
            "/clients/<int:client_id>/reports/<int:report_id>/batches/<int:version>/changes",
            # the connect flow: tests/amazon/test_connect_flow.py
            "/clients/<int:client_id>/connections/new",
            "/clients/<int:client_id>/amazon/connect",
            "/clients/<int:client_id>/amazon/disconnect",
            # the wizard: tests/test_migration_wizard.py
            "/clients/<int:client_id>/wechsel-zur-api",
            "/clients/<int:client_id>/wechsel-zur-api/1",
            "/clients/<int:client_id>/wechsel-zur-api/2",
            "/clients/<int:client_id>/wechsel-zur-api/3",
            "/clients/<int:client_id>/wechsel-zur-api/3/order",
            "/clients/<int:client_id>/wechsel-zur-api/3/payout",
            "/clients/<int:client_id>/wechsel-zur-api/3/retroactive",
        }

    @pytest.fixture
    def foreign_import(self, foreign_client, db_session):
        """A report of the foreign client with two batch versions, and its import job."""
        stored = StoredFile(
            client_id=foreign_client.id, file_name="fremd.txt", sha256="f" * 64, size=1, content=b""
        )
        report = Report(
            client_id=foreign_client.id,
            integration="payout",
            source="upload",
            settlement_id="4711",
            file=stored,
            sha256="f" * 64,
            format="v2",
            period_start=date(2025, 3, 1),
            period_end=date(2025, 3, 14),
            batches=[Batch(version=1), Batch(version=2)],
        )
        db_session.add(report)
        db_session.flush()
        run = JobRun(client_id=foreign_client.id, kind="import", integration="payout",
                     report_id=report.id)  # fmt: skip
        db_session.add(run)
        db_session.commit()
        return {"report": report.id, "job": run.id}

    @pytest.fixture
    def foreign_rules(self, foreign_client, db_session):
        seed_client_rules(foreign_client)
        ensure_integrations(foreign_client)
        db_session.commit()
        payout = db_session.scalar(
            sa.select(BookingRuleSet).filter_by(
                client_id=foreign_client.id, integration="payout", marketplace="*"
            )
        )
        return {"set": payout.id, "rule": payout.rules[0].id}

    def _rules_state(self, db_session):
        db_session.expire_all()
        return (
            db_session.scalar(sa.select(sa.func.count(BookingRule.id))),
            [row.suspense_account for row in db_session.scalars(sa.select(BookingRuleSet))],
            [(row.notify, row.granularity) for row in db_session.scalars(
                sa.select(ClientIntegration)
            )],
        )  # fmt: skip

    @pytest.mark.parametrize(
        "path",
        [
            "/clients/{id}/integrations/payout",
            "/clients/{id}/integrations/order",
            "/clients/{id}/integrations/payout/months/2025-03",
            "/clients/{id}/jobs/{job}",
            "/clients/{id}/reports/{report}",
            "/clients/{id}/reports/{report}/batches/1/download",
            "/clients/{id}/reports/{report}/batches/2/changes",
        ],
    )
    def test_import_pages_answer_404(self, client, logged_in, foreign_client, foreign_import, path):
        response = client.get(path.format(id=foreign_client.id, **foreign_import))
        assert response.status_code == 404
        assert "Fremde GmbH" not in response.text

    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("/clients/{id}/integrations/payout/rules/{set}", {"suspense_account": "1591"}),
            ("/clients/{id}/integrations/payout/rules/{set}/new", {"account": "4970"}),
            ("/clients/{id}/integrations/payout/rules/{set}/{rule}", {"account": "4970"}),
            ("/clients/{id}/integrations/payout/rules/{set}/{rule}/delete", {}),
            ("/clients/{id}/integrations/payout/rules/{set}/reset", {}),
            ("/clients/{id}/integrations/payout/rules/from-key", {"account": "4970"}),
            ("/clients/{id}/integrations/payout/settings", {"notify": "y"}),
        ],
    )
    def test_rule_and_settings_posts_answer_404_and_change_nothing(
        self, client, auth, logged_in, foreign_client, foreign_rules, db_session, path, data
    ):
        before = self._rules_state(db_session)
        url = path.format(id=foreign_client.id, **foreign_rules)
        response = client.post(url, data={**data, "csrf_token": auth.csrf_token("/clients")})
        assert response.status_code == 404
        assert self._rules_state(db_session) == before

    def test_another_clients_rule_set_answers_404_under_the_own_client(
        self, client, auth, logged_in, foreign_rules, db_session
    ):
        own = make_client(logged_in.organisation_id, name="Eigene GmbH")
        seed_client_rules(own)
        db_session.commit()
        before = self._rules_state(db_session)
        base = f"/clients/{own.id}/integrations/payout/rules/{foreign_rules['set']}"
        assert client.get(base).status_code == 404
        token = auth.csrf_token("/clients")
        for path in (base, f"{base}/{foreign_rules['rule']}/delete", f"{base}/reset"):
            response = client.post(path, data={"suspense_account": "1591", "csrf_token": token})
            assert response.status_code == 404, path
        assert self._rules_state(db_session) == before

    @pytest.mark.parametrize(
        "path",
        [
            "/clients/{id}/integrations/payout/rules",
            "/clients/{id}/integrations/payout/rules/{set}",
            "/clients/{id}/integrations/payout/rules/{set}/new",
            "/clients/{id}/integrations/payout/rules/{set}/{rule}",
            "/clients/{id}/integrations/payout/rules/from-key?amount_type=X",
            "/clients/{id}/integrations/order/settings",
        ],
    )
    def test_rule_and_settings_pages_answer_404(
        self, client, logged_in, foreign_client, foreign_rules, path
    ):
        response = client.get(path.format(id=foreign_client.id, **foreign_rules))
        assert response.status_code == 404
        assert "Fremde GmbH" not in response.text

    @pytest.mark.parametrize(
        ("path", "data"),
        [
            ("/clients/{id}/integrations/payout/upload", {}),
            ("/clients/{id}/integrations/payout/marketplaces", {"marketplace": "Amazon.fr"}),
            ("/clients/{id}/reports/{report}/rebuild", {}),
        ],
    )
    def test_import_posts_answer_404_and_change_nothing(
        self, client, auth, logged_in, foreign_client, foreign_import, db_session, path, data
    ):
        url = path.format(id=foreign_client.id, **foreign_import)
        token = auth.csrf_token("/clients")
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 404
        assert db_session.scalar(sa.select(sa.func.count(JobRun.id))) == 1
        assert db_session.scalar(sa.select(sa.func.count(Batch.id))) == 2
        assert db_session.scalar(sa.select(sa.func.count(IntegrationMarketplace.id))) == 0

    def test_another_clients_report_and_job_answer_404_under_the_own_client(
        self, client, auth, logged_in, foreign_import
    ):
        own = make_client(logged_in.organisation_id, name="Eigene GmbH")
        for path in (
            f"/clients/{own.id}/jobs/{foreign_import['job']}",
            f"/clients/{own.id}/reports/{foreign_import['report']}",
            f"/clients/{own.id}/reports/{foreign_import['report']}/batches/1/download",
            f"/clients/{own.id}/reports/{foreign_import['report']}/batches/2/changes",
        ):
            assert client.get(path).status_code == 404, path
        token = auth.csrf_token("/clients")
        rebuild = f"/clients/{own.id}/reports/{foreign_import['report']}/rebuild"
        assert client.post(rebuild, data={"csrf_token": token}).status_code == 404

    def test_an_unknown_integration_answers_404(self, client, logged_in):
        own = make_client(logged_in.organisation_id, name="Eigene GmbH")
        assert client.get(f"/clients/{own.id}/integrations/ebay").status_code == 404

    def test_a_missing_client_answers_the_same_404(self, client, logged_in):
        assert client.get("/clients/999999").status_code == 404


def test_changing_the_sitzland_resets_the_fee_rules_to_reverse_charge(
    client, auth, logged_in, db_session
):
    post_client(client, auth, "/clients/new", chart="SKR03", account_length="4")
    stored = db_session.scalar(sa.select(Client))
    day = date(2025, 3, 1)

    def commission_key():
        db_session.expire_all()
        rules = load_rule_book(stored.id, Integration.PAYOUT).for_marketplace("amazon.de")
        return rules.match_payout("Order", "ItemFees", "Commission", day).tax_key

    assert commission_key() == "9"
    response = post_client(
        client, auth, f"/clients/{stored.id}/edit", chart="SKR03", account_length="4", country="AT"
    )
    assert response.status_code == 302
    assert "Sitzland" in client.get(response.headers["Location"]).text
    assert commission_key() == "94"
