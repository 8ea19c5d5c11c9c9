"""The SP-API client against the live sandbox: the SDK's answers as plain values, its
failures as typed errors that say what to do next."""

from __future__ import annotations

from datetime import timedelta

import pytest

from amazon.errors import AmazonRequestRefused, AmazonUnavailable, Throttled, TokenRevoked
from amazon.spapi import DOCUMENTED_RATES, SellingPartner
from tests.sandbox.sandbox_helpers import NOW, SETTLEMENT, VAT

DE = "A1PA6795UKMFR9"
SETTLEMENT_V1 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"


def test_marketplace_participations_of_the_pan_eu_seller(sandbox):
    participations = sandbox.selling_partner().marketplace_participations()

    by_country = {p.country_code: p for p in participations}
    assert set(by_country) == {"DE", "FR", "IT", "ES", "NL"}
    germany = by_country["DE"]
    assert germany.marketplace_id == DE
    assert germany.currency == "EUR"
    assert germany.name == "Amazon.de"
    assert germany.domain_name == "www.amazon.de"
    assert germany.store_name
    assert germany.participating is True


def test_reports_follows_every_page_to_the_last(sandbox):
    since = NOW - timedelta(days=89)
    published = [
        entry
        for entry in sandbox.state.settlement_entries(sandbox.state.sellers[0])
        if entry.created >= since
    ]
    assert len(published) > 30  # several pages of ten

    entries = list(
        sandbox.selling_partner().reports(
            [SETTLEMENT, SETTLEMENT_V1], created_since=since, page_size=10
        )
    )

    assert sorted(entry.report_id for entry in entries) == sorted(e.report_id for e in published)
    assert all(entry.status == "DONE" and entry.document_id for entry in entries)
    assert [e.created_time for e in entries] == sorted(
        (e.created_time for e in entries), reverse=True
    )
    assert {m for entry in entries for m in entry.marketplace_ids} == set(
        sandbox.seller()["marketplace_ids"]
    )


def test_reports_filters_by_marketplace(sandbox):
    entries = list(
        sandbox.selling_partner().reports(
            [SETTLEMENT], created_since=NOW - timedelta(days=89), marketplace_ids=[DE]
        )
    )

    assert entries
    assert all(entry.marketplace_ids == (DE,) for entry in entries)


def test_create_report_then_poll_it_until_it_has_a_document(sandbox):
    partner = sandbox.selling_partner()
    october = NOW.replace(month=10, day=1, hour=0)

    report_id = partner.create_report(
        VAT,
        data_start=october,
        data_end=october.replace(day=31, hour=23, minute=59),
        marketplace_ids=[DE],
    )
    assert partner.report(report_id).status == "IN_QUEUE"

    sandbox.http.post(f"{sandbox.url}/_sandbox/clock", json={"advance": 10}, timeout=10)
    done = partner.report(report_id)
    assert done.status == "DONE"
    assert done.report_type == VAT
    assert done.data_start == october
    ref = partner.document(done.document_id)
    assert ref.url.startswith(sandbox.url + "/_documents/")
    assert ref.compression == "GZIP"


def test_a_burst_used_up_is_throttled_with_the_announced_rate(sandbox, monkeypatch):
    # Were the documented rate used, the wait would be 1 s: the header's rate must win.
    monkeypatch.setitem(DOCUMENTED_RATES, "getReports", 1.0)
    partner = sandbox.selling_partner()
    since = NOW - timedelta(days=30)

    with pytest.raises(Throttled) as raised:
        # getReports: burst 10, 0.0222 per second; the sandbox's clock stands still.
        for _ in range(11):
            list(partner.reports([VAT], created_since=since))

    assert raised.value.retry_after == pytest.approx(1 / 0.0222)
    assert raised.value.operation == "getReports"
    assert "Ratenlimit" in raised.value.message


def test_a_first_answer_429_waits_the_documented_rate(sandbox):
    sandbox.fault(kind="429", operation="getReportDocument", times=1)

    with pytest.raises(Throttled) as raised:
        sandbox.selling_partner().document("amzn1.spdoc.1.4.na.anything")

    assert raised.value.retry_after == pytest.approx(1 / 0.0167)


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors_mean_try_again_later(sandbox, kind):
    sandbox.fault(kind=kind, operation="getReports")

    with pytest.raises(AmazonUnavailable) as raised:
        list(sandbox.selling_partner().reports([VAT], created_since=NOW - timedelta(days=1)))

    assert "nicht erreichbar" in raised.value.message


def test_a_token_endpoint_outage_is_unavailable_not_revoked(sandbox):
    sandbox.fault(kind="503", operation="token")

    with pytest.raises(AmazonUnavailable):
        sandbox.selling_partner()


def test_a_hanging_amazon_times_out_as_unavailable_without_asking_again(sandbox, monkeypatch):
    monkeypatch.setattr("amazon.spapi.TIMEOUT", (2, 0.5))
    # Slow once only: a second try would succeed, so the error shows there was none.
    sandbox.fault(kind="slow", operation="getMarketplaceParticipations", seconds=2, times=1)

    with pytest.raises(AmazonUnavailable):
        sandbox.selling_partner().marketplace_participations()


def test_an_unreachable_endpoint_is_unavailable(sandbox):
    partner = SellingPartner(
        application=sandbox.application(),
        refresh_token=sandbox.seller()["refresh_token"],
        endpoint="http://127.0.0.1:9",  # the discard port: nobody listens
    )

    with pytest.raises(AmazonUnavailable):
        partner.marketplace_participations()


def test_a_revoked_refresh_token_is_token_revoked(sandbox):
    sandbox.fault(kind="revoked_token")

    with pytest.raises(TokenRevoked) as raised:
        sandbox.selling_partner()

    assert "Erneuerung nötig" in raised.value.message


def test_a_seller_who_removed_the_app_is_token_revoked(sandbox):
    seller = sandbox.seller()
    sandbox.revoke(seller["selling_partner_id"])

    with pytest.raises(TokenRevoked):
        sandbox.selling_partner()


def test_a_refused_request_is_neither_retried_nor_revoked(sandbox):
    with pytest.raises(AmazonRequestRefused):
        sandbox.selling_partner().report("no-such-report")


def test_for_connection_uses_the_stored_token_and_the_app_settings(app, sandbox):
    from amazon.credentials import encrypt_refresh_token

    class StoredConnection:
        region = "EU"
        refresh_token_encrypted = encrypt_refresh_token(sandbox.seller()["refresh_token"])

    partner = SellingPartner.for_connection(StoredConnection())

    assert {p.country_code for p in partner.marketplace_participations()} == {
        "DE",
        "FR",
        "IT",
        "ES",
        "NL",
    }


def test_each_job_runs_client_leaves_the_logging_as_it_found_it(sandbox):
    import logging

    loggers = [logging.getLogger(name) for name in ("", "spapi", "urllib3")]
    before = [list(logger.handlers) for logger in loggers]

    sandbox.selling_partner()
    sandbox.selling_partner()

    assert [list(logger.handlers) for logger in loggers] == before
