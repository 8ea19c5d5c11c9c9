"""VAT report bookings beyond the golden file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from datev_builders import vat_row

from datev.bookings import BatchTotals, BookingError
from datev.export import export_vat_report
from datev.extf_validator import validate_file
from datev.granularity import Granularity
from datev.order_bookings import vat_report_bookings
from datev.rules import default_rule_book
from datev.settings import BatchSettings
from parsers import read_report

BOOK = default_rule_book("SKR03")
SETTINGS = BatchSettings(berater=1001, mandant=42)


def _book(rows, **kwargs):
    totals = BatchTotals()
    return list(vat_report_bookings(rows, BOOK, totals=totals, **kwargs)), totals


def test_a_row_without_a_treatment_goes_to_the_klaerungskonto_and_needs_rules():
    bookings, totals = _book([vat_row(2, "REFUND", gross="-29.90", rate=None, jurisdiction="")])
    assert (bookings[0].contra_account, bookings[0].side) == ("1590", "H")
    assert bookings[0].needs_rule and totals.needs_rules and totals.unmatched == 1


def test_stock_movements_and_zero_rows_create_no_booking():
    rows = [
        vat_row(2, "RETURN", gross="0.00"),
        vat_row(3, "FC_TRANSFER", order_id="", gross="0.00", marketplace="N/A"),
        vat_row(4, "INBOUND", gross="12.00"),
        vat_row(5, "SALE", gross="0.00"),
    ]
    assert _book(rows)[0] == []


def test_a_sale_without_any_date_is_refused_in_german():
    row = vat_row(2)._replace(transaction_complete_date=None, tax_calculation_date=None)
    with pytest.raises(BookingError, match="kein Datum"):
        _book([row])


def test_daily_summary_per_tax_treatment():
    rows = [vat_row(i, order_id=f"302-000000{i}-1", gross="11.90") for i in range(2, 7)]
    rows.append(vat_row(9, order_id="302-0000009-1", gross="10.70", rate="0.07"))
    rows.append(vat_row(10, "REFUND", order_id="302-0000002-1", gross="-11.90"))
    bookings, _ = _book(rows, granularity=Granularity.DAILY_SUMMARY)
    assert [(b.contra_account, b.amount, b.side, b.document_no) for b in bookings] == [
        ("8400", Decimal("47.60"), "S", ""),
        ("8300", Decimal("10.70"), "S", ""),
    ]


def test_a_long_invoice_url_is_left_out_rather_than_cut():
    short, long_ = "https://a.example/i/1", "https://a.example/" + "x" * 300
    bookings, _ = _book(
        [
            vat_row(2, "SALE", "302-1-1", invoice_url=short),
            vat_row(3, "SALE", "302-2-2", invoice_url=long_),
        ]
    )
    assert [b.invoice_url for b in bookings] == [short, ""]


def test_refund_in_sek_uses_the_rate_of_its_day():
    bookings, totals = _book(
        [vat_row(2, "REFUND", gross="-250.00", rate="0.25", arrival="SE", jurisdiction="SWEDEN",
                 scheme="UNION-OSS", currency="SEK", day=date(2024, 9, 7))]
    )  # fmt: skip
    b = bookings[0]
    assert (b.currency, b.side, b.contra_account, b.tax_key) == ("SEK", "H", "8320", "240")
    assert b.rate is not None and b.base_amount == (Decimal("250") / b.rate).quantize(
        Decimal("0.01")
    )


@pytest.mark.parametrize(
    ("buyer_vat", "arrival", "expected"),
    [
        ("ATU 5800 4634", "AT", "ATU58004634"),
        ("atu58004634", "AT", "ATU58004634"),
        ("AT-U58.004.634", "AT", "ATU58004634"),
        ("123456789", "GR", "EL123456789"),  # no prefix: the arrival country's, EL for Greece
    ],
)
def test_buyer_vat_id_of_an_ic_supply_is_written_as_datev_accepts_it(
    tmp_path, buyer_vat, arrival, expected
):
    row = vat_row(2, buyer_vat=buyer_vat, rate="0", depart="DE", arrival=arrival)
    result = export_vat_report([row], BOOK, SETTINGS, tmp_path, name="ic")
    assert validate_file(result.files[0].path).ok
    fields = result.files[0].path.read_bytes().decode("cp1252").split("\r\n")[2].split(";")
    assert (fields[7], fields[39]) == ("8125", f'"{expected}"')


def test_a_blank_buyer_vat_number_is_no_ic_supply():
    row = vat_row(2, buyer_vat="   ", rate="0.19", depart="DE", arrival="DE")
    assert _book([row])[0][0].contra_account == "8400"


def test_an_oss_booking_names_the_arrival_country_by_its_iso_code(tmp_path):
    # DATEV: for B2C the EU-Land is the ISO 3166 code (GR), only VAT ids use EL for Greece.
    row = vat_row(
        2, scheme="UNION-OSS", depart="DE", arrival="GR", rate="0.24", jurisdiction="GREECE"
    )
    result = export_vat_report([row], BOOK, SETTINGS, tmp_path, name="oss")
    fields = result.files[0].path.read_bytes().decode("cp1252").split("\r\n")[2].split(";")
    assert (fields[7], fields[8], fields[39], fields[40]) == ("8320", '"240"', '"GR"', "24,00")


def test_a_pan_eu_sale_from_poland_to_czechia_before_oss_is_taxed_in_poland(tmp_path):
    # Below the Czech delivery threshold (2020) Amazon reports Poland as taxable jurisdiction:
    # not German revenue, so net on 8320 with #40/#41 the Polish VAT and #123 the sender's
    # Polish VAT id (DATEV: the sender's EU country by its VAT id), the Polish VAT on 1767;
    # both against the Sammeldebitor under the order id, so it holds the gross 123.00.
    row = vat_row(
        2, day=date(2020, 2, 3), gross="123.00", net="100.00", rate="0.23", depart="PL",
        arrival="CZ", jurisdiction="POLAND", scheme="", responsibility="",
        seller_vat="PL5260001246",
    )  # fmt: skip
    result = export_vat_report([row], BOOK, SETTINGS, tmp_path, name="pl-cz")
    assert validate_file(result.files[0].path).ok
    lines = result.files[0].path.read_bytes().decode("cp1252").split("\r\n")[2:-1]
    rows = [line.split(";") for line in lines]
    assert [(f[0], f[1], f[6], f[7], f[8], f[10]) for f in rows] == [
        ("100,00", '"S"', "10000", "8320", '""', '"302-1111111-1111111"'),
        ("23,00", '"S"', "10000", "1767", '""', '"302-1111111-1111111"'),
    ]
    assert (rows[0][39], rows[0][40], rows[0][122]) == ('"PL"', "23,00", '"PL5260001246"')


def test_a_sale_leaving_germany_names_no_origin():
    bookings, _ = _book([vat_row(2, scheme="UNION-OSS", arrival="FR", rate="0.2")])
    assert bookings[0].origin_vat_id == ""


def test_the_real_pan_eu_sample_books_foreign_warehouse_sales_outside_the_german_returns():
    # The review's figures (F3, F4) for the real 2020-02 report of a seller with PL/CZ/FR/ES
    # warehouses: the PL -> AT Amazon Business supplies (247.90) leave 8125 for 8126, the local
    # sales abroad are net on 8320 (1,091.26) with their foreign VAT on 1767 (232.00), and the
    # Sammeldebitor still holds every row's gross amount. German VAT on sales across an EU
    # border (from the foreign warehouses to German buyers, #123 the origin; from Germany
    # below a delivery threshold) goes to 8315 ("im Inland steuerpflichtige EU-Lieferungen").
    report = read_report(Path("tests/fixtures/amazon/vat-transactions-2020-02-de-seller.txt"))
    rows = list(report.rows())
    bookings, totals = _book(rows)
    by_account: dict[str, Decimal] = {}
    for b in bookings:
        by_account[b.contra_account] = by_account.get(b.contra_account, 0) - b.signed_amount
    assert {k: v for k, v in by_account.items() if k != "1590"} == {
        "8400": Decimal("-911.90"),
        "8315": Decimal("-2393.97"),
        "8320": Decimal("-1091.26"),
        "1767": Decimal("-232.00"),
        "8126": Decimal("-247.90"),
    }
    # from the Polish and the French warehouse, under the seller's VAT id there (#123)
    origins = {b.origin_vat_id for b in bookings if b.contra_account == "8126"}
    assert origins == {"PL5263266229", "FR17850992868"}
    gross = sum(t.total_vat_incl for t in rows if t.transaction_type in ("SALE", "REFUND"))
    assert totals.balances["10000"] == gross == Decimal("4847.13")
    # the one refund without any rate or jurisdiction stays on the Klärungskonto
    assert totals.unmatched == 1
