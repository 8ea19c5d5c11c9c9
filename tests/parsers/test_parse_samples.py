"""The real Amazon samples read as Amazon means them."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

from parsers import OrderReport, PayoutReport, read_report
from tests.parsers.amazon_builders import V1_SAMPLE, V1_SAMPLE_JSON, VAT_SAMPLE, VAT_TESTCOMPANY


def test_v1_sample_reconciles_to_1016_08_cad_with_153_lines():
    report = read_report(V1_SAMPLE)

    assert isinstance(report, PayoutReport)
    assert report.kind == "payout"
    assert report.format == "settlement-v1"
    assert report.summary.settlement_id == "24288684721"
    assert report.summary.currency == "CAD"
    assert report.summary.total_amount == Decimal("1016.08")
    assert report.summary.start == datetime(2025, 8, 14, 22, 7, 18, tzinfo=UTC)
    assert report.summary.end == datetime(2025, 8, 28, 22, 7, 19, tzinfo=UTC)
    assert report.summary.deposit_date == datetime(2025, 8, 30, 22, 7, 19, tzinfo=UTC)
    assert report.sum_of_amounts == Decimal("1016.08")
    assert report.reconciled
    assert report.line_count == 153
    assert report.marketplaces == ["Amazon.ca", "Non-Amazon CA"]
    assert report.sha256 == hashlib.sha256(V1_SAMPLE.read_bytes()).hexdigest()


def test_v1_sample_lines_stream_every_amount_with_its_v1_column_as_amount_type():
    lines = list(read_report(V1_SAMPLE).lines())

    assert len(lines) == 153
    assert sum(x.amount for x in lines) == Decimal("1016.08")
    assert Counter(x.amount_type for x in lines) == {
        "ItemFees": 93,
        "ItemPrice": 46,
        "Promotion": 6,
        "other-transaction": 4,
        "OtherFee": 3,
        "ShipmentFees": 1,
    }
    first = lines[0]
    assert first.line_no == 4  # line 3 only carries the quantity of the order item
    assert (first.transaction_type, first.order_id) == ("Order", "701-0590237-2315442")
    assert (first.amount_type, first.amount_description, first.amount) == (
        "ItemPrice",
        "Principal",
        Decimal("60.00"),
    )
    assert first.posted_at == datetime(2025, 8, 18, 2, 48, 54, tzinfo=UTC)
    assert (first.sku, first.marketplace_name, first.fulfillment_id) == (
        "SALTT30-ALLT",
        "Amazon.ca",
        "AFN",
    )
    other = [x for x in lines if x.amount_type == "other-transaction"]
    assert {x.amount_description for x in other} == {
        "Payable to Amazon",
        "Micro Deposit",
        "Successful charge",
        "WAREHOUSE_DAMAGE",
    }
    tax = [x for x in lines if x.amount_type == "OtherFee"]
    assert {x.amount_description for x in tax} == {"TaxAmount"}


def test_v1_sample_line_numbers_point_at_the_physical_lines_of_the_file():
    physical = V1_SAMPLE.read_text().splitlines()
    for line in read_report(V1_SAMPLE).lines():
        assert f"{line.amount:f}" in physical[line.line_no - 1]


def test_lines_is_a_fresh_pass_each_time():
    report = read_report(V1_SAMPLE)
    assert list(report.lines()) == list(report.lines())


def test_vat_sample_february_2020_has_285_rows_of_four_transaction_types():
    # The file has 286 lines: the header and 285 rows (209 + 32 + 29 + 15).
    report = read_report(VAT_SAMPLE)

    assert isinstance(report, OrderReport)
    assert (report.kind, report.format, report.layout) == (
        "order",
        "vat-transactions",
        "92-columns",
    )
    assert report.row_count == 285
    assert report.transaction_types == {"FC_TRANSFER": 15, "REFUND": 32, "RETURN": 29, "SALE": 209}
    assert report.activity_periods == ["2020-FEB"]
    assert report.marketplaces == ["amazon.de", "amazon.es", "amazon.fr", "amazon.it"]
    assert report.currencies == ["EUR"]
    assert report.sha256 == hashlib.sha256(VAT_SAMPLE.read_bytes()).hexdigest()


def test_vat_sample_totals_are_the_gross_sums_of_sales_and_refunds():
    with open(VAT_SAMPLE, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    expected = {
        kind: sum(
            (
                Decimal(r["TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL"])
                for r in rows
                if r["TRANSACTION_TYPE"] == kind
            ),
            Decimal(0),
        )
        for kind in ("SALE", "REFUND")
    }

    report = read_report(VAT_SAMPLE)

    assert report.totals == {"EUR": expected}
    assert report.to_json()["totals"] == {"EUR": {"SALE": "5938.45", "REFUND": "-1091.32"}}


def test_vat_sample_rows_keep_the_fields_the_booking_rules_need():
    rows = list(read_report(VAT_SAMPLE).rows())

    assert len(rows) == 285
    sale = next(r for r in rows if r.transaction_event_id == "304-0449457-3686716")
    assert sale.line_no == 3
    assert (sale.transaction_type, sale.marketplace, sale.currency) == ("SALE", "amazon.de", "EUR")
    assert sale.transaction_complete_date == date(2020, 2, 29)
    assert sale.tax_calculation_date == date(2020, 2, 29)
    assert (sale.total_vat_excl, sale.total_vat, sale.total_vat_incl) == (
        Decimal("15.88"),
        Decimal("3.02"),
        Decimal("18.9"),
    )
    assert sale.vat_rate == Decimal("0.19")
    assert (sale.sale_depart_country, sale.sale_arrival_country) == ("PL", "DE")
    assert (sale.departure_country, sale.arrival_country) == ("PL", "DE")
    assert sale.taxable_jurisdiction == "GERMANY"
    assert sale.vat_calculation_imputation_country == "DE"
    assert (sale.seller_vat_number, sale.seller_vat_number_country) == ("DE322857776", "DE")
    assert sale.export_outside_eu is False
    assert sale.vat_invoice_number == "INV-DE-753614555-2020-223"
    assert sale.invoice_url.startswith("https://www.Amazon.de/gp/invoice/download.html")
    assert sale.item_description.startswith("Skin Compliments Hyaluronsäure Serum")
    assert (sale.program_type, sale.tax_reporting_scheme, sale.tax_collection_responsibility) == (
        "",
        "",
        "",
    )
    transfer = rows[0]
    assert (transfer.transaction_type, transfer.marketplace) == ("FC_TRANSFER", "N/A")
    assert transfer.total_vat_incl == Decimal(0)
    assert transfer.vat_rate is None
    assert sum(r.total_vat_incl for r in rows if r.transaction_type == "SALE") == Decimal("5938.45")


def test_vat_test_company_file_with_german_dates():
    report = read_report(VAT_TESTCOMPANY)

    assert report.row_count == 11
    assert report.transaction_types == {"REFUND": 1, "RETURN": 1, "SALE": 9}
    rows = list(report.rows())
    assert rows[0].tax_calculation_date == date(2020, 1, 10)
    assert rows[0].transaction_complete_date == date(2020, 1, 11)
    refund = next(r for r in rows if r.transaction_type == "REFUND")
    assert refund.total_vat_incl == Decimal("-39.99")
    assert report.totals == {"EUR": {"SALE": Decimal("388.26"), "REFUND": Decimal("-39.99")}}


def test_payout_to_json_is_the_inspect_object():
    assert read_report(V1_SAMPLE).to_json() == V1_SAMPLE_JSON
