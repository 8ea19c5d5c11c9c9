"""Golden files: a small settlement and a small VAT report, every booking line checked.

The expected tables below were worked out by hand from DESIGN.md §4 (accounts SKR03, BU keys,
S/H from the clearing account's or the Sammeldebitor's point of view); the golden files in
tests/fixtures/datev/golden/ pin every byte of the output (header, quoting, CRLF, Windows-1252).
Set KONTOR_REGENERATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from datev_builders import line, settlement, vat_row
from datev_extf_check import check_file

from datev.export import export_settlement, export_vat_report
from datev.extf_validator import ExtfValidationError, validate_file
from datev.rules import RuleBook, default_rule_book
from datev.settings import BatchSettings

GOLDEN = Path(__file__).parent.parent / "fixtures" / "datev" / "golden"
CREATED = datetime(2024, 10, 5, 8, 0, tzinfo=UTC)
SETTINGS = BatchSettings(berater=1001, mandant=1)
ORDER = "302-1234567-7654321"
REFUND = "302-7777777-1111111"
SID = "12345678901"


def _compare(files, tmp_path: Path) -> list[list[str]]:
    rows = []
    for written in files:
        assert validate_file(written.path).ok
        check_file(written.path)
        golden = GOLDEN / written.path.name
        if os.environ.get("KONTOR_REGENERATE_GOLDEN"):
            GOLDEN.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(written.path.read_bytes())
        assert written.path.read_bytes() == golden.read_bytes(), golden.name
        text = written.path.read_bytes().decode("cp1252")
        rows += [r.split(";") for r in text.split("\r\n")[2:-1]]
    return rows


def _essentials(row: list[str]) -> tuple:
    # Umsatz, S/H, WKZ, Kurs, Basis, Konto, Gegenkonto, BU, Belegdatum, Belegfeld 1,
    # EU-Land u. UStID, EU-Steuersatz, Abrechnungsreferenz
    picked = [row[i] for i in (0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 39, 40, 120)]
    return tuple(v.strip('"') for v in picked)


def test_small_settlement(tmp_path):
    summary, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "50.00", order_id=ORDER),
            line(3, "Order", "ItemPrice", "Tax", "9.50", order_id=ORDER),
            line(4, "Order", "ItemFees", "Commission", "-8.93", order_id=ORDER),
            line(5, "Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-4.20", order_id=ORDER),
            line(6, "Refund", "ItemPrice", "Principal", "-20.00", "2024-09-08", REFUND),
            line(7, "Refund", "ItemFees", "RefundCommission", "1.00", "2024-09-08", REFUND),
            line(8, "other-transaction", "other-transaction", "Storage Fee", "-3.10", "2024-09-10"),
            line(
                9,
                "other-transaction",
                "other-transaction",
                "Previous Reserve Amount Balance",
                "15.00",
                "2024-09-01",
            ),
            line(
                10,
                "other-transaction",
                "other-transaction",
                "Current Reserve Amount",
                "-12.00",
                "2024-09-14",
            ),
            line(11, "Mystery", "Weird", "Thing", "0.77", "2024-09-12"),
            line(12, "Order", "ItemPrice", "Principal", "0.00", order_id=ORDER),
        ],  # fmt: skip
        settlement_id=SID,
        end="2024-09-14",
        deposit="2024-10-01",
    )
    assert summary.total_amount == Decimal("28.04")
    result = export_settlement(
        summary, lines, default_rule_book("SKR03"), SETTINGS, tmp_path, created_at=CREATED
    )
    rows = _compare(result.files, tmp_path)
    assert [f.path.name for f in result.files] == [
        "EXTF_Amazon_Payout_12345678901_20240901-20240930.csv",
        "EXTF_Amazon_Payout_12345678901_20241001-20241031.csv",  # deposit in October
    ]
    assert [_essentials(r) for r in rows] == [
        # Principal + Tax of the order: one booking per order and rule, clears the debtor
        ("59,50", "S", "EUR", "", "", "1210", "10000", "", "0509", ORDER, "", "", SID),
        # fees after 01.08.2024: German input VAT, BU 9
        ("8,93", "H", "EUR", "", "", "1210", "4760", "9", "0509", SID, "", "", SID),
        ("4,20", "H", "EUR", "", "", "1210", "4780", "9", "0509", SID, "", "", SID),
        ("20,00", "H", "EUR", "", "", "1210", "10000", "", "0809", REFUND, "", "", SID),
        ("1,00", "S", "EUR", "", "", "1210", "4760", "9", "0809", SID, "", "", SID),
        ("3,10", "H", "EUR", "", "", "1210", "4780", "9", "1009", SID, "", "", SID),
        ("15,00", "S", "EUR", "", "", "1210", "1500", "", "0109", SID, "", "", SID),
        ("12,00", "H", "EUR", "", "", "1210", "1500", "", "1409", SID, "", "", SID),
        # unknown kind: Klärungskonto, the batch needs rules; the 0.00 line is not booked
        ("0,77", "S", "EUR", "", "", "1210", "1590", "", "1209", SID, "", "", SID),
        # the payout on the deposit date: H on the clearing account, to Geldtransit
        ("28,04", "H", "EUR", "", "", "1210", "1360", "", "0110", SID, "", "", SID),
    ]
    assert result.needs_rules and result.totals.unmatched == 1
    assert result.totals.balances["1210"] == 0


def test_fees_before_august_2024_are_reverse_charge(tmp_path):
    summary, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "10.00", "2024-07-31", ORDER),
            line(3, "Order", "ItemFees", "Commission", "-1.50", "2024-07-31", ORDER),
            line(4, "Order", "ItemFees", "Commission", "-1.50", "2024-08-01", ORDER),
        ],
        start="2024-07-25",
        end="2024-08-05",
        deposit="2024-08-07",
    )
    result = export_settlement(summary, lines, default_rule_book("SKR03"), SETTINGS, tmp_path)
    keys = []
    for written in result.files:
        text = written.path.read_bytes().decode("cp1252")
        keys += [(r.split(";")[9], r.split(";")[8]) for r in text.split("\r\n")[2:-1]]
    assert ("3107", '"94"') in keys and ("0108", '"9"') in keys


def test_reverse_charge_settlement_names_its_sachverhalt(tmp_path):
    # An amazon.fr settlement of July 2024: fees from Luxembourg and ads of a French store,
    # both § 13b Abs. 1 (BU 94, #43 Sachverhalt 7); the reserve on 1500.
    fr = "Amazon.fr"
    summary, lines = settlement(
        [
            line(2, "Order", "ItemPrice", "Principal", "40.00", "2024-07-10", ORDER, fr),
            line(3, "Order", "ItemFees", "Commission", "-6.00", "2024-07-10", ORDER, fr),
            line(4, "ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "-12.50",
                 "2024-07-12", marketplace=fr),
            line(5, "other-transaction", "other-transaction", "Current Reserve Amount", "-5.00",
                 "2024-07-14", marketplace=fr),
        ],
        settlement_id=SID, start="2024-07-01", end="2024-07-14", deposit="2024-07-16",
    )  # fmt: skip
    result = export_settlement(
        summary, lines, default_rule_book("SKR03"), SETTINGS, tmp_path, marketplace=fr,
        created_at=CREATED,
    )  # fmt: skip
    rows = _compare(result.files, tmp_path)
    assert [(*_essentials(r)[:9], r[42]) for r in rows] == [
        ("40,00", "S", "EUR", "", "", "1210", "10000", "", "1007", ""),
        ("6,00", "H", "EUR", "", "", "1210", "4760", "94", "1007", "7"),
        ("12,50", "H", "EUR", "", "", "1210", "4600", "94", "1207", "7"),
        ("5,00", "H", "EUR", "", "", "1210", "1500", "", "1407", ""),
        ("16,50", "H", "EUR", "", "", "1210", "1360", "", "1607", ""),
    ]  # fmt: skip


def test_a_negative_settlement_books_the_payout_the_other_way(tmp_path):
    summary, lines = settlement(
        [
            line(2, "ServiceFee", "Cost of Advertising", "TransactionTotalAmount", "-120.00"),
            line(3, "Order", "ItemPrice", "Principal", "20.00", order_id=ORDER),
        ]
    )
    result = export_settlement(summary, lines, default_rule_book("SKR03"), SETTINGS, tmp_path)
    text = result.files[0].path.read_bytes().decode("cp1252")
    payout = text.split("\r\n")[-2].split(";")
    assert payout[:2] == ["100,00", '"S"'] and payout[6:8] == ["1210", "1360"]
    assert result.totals.balances["1210"] == 0


def test_small_vat_report(tmp_path):
    rows_in = [
        vat_row(2, "SALE", "302-0000001-0000001", date(2024, 9, 2), "119.00",
                invoice_url="https://www.amazon.de/invoice/1"),
        vat_row(3, "SALE", "302-0000002-0000002", date(2024, 9, 3), "10.70", rate="0.07"),
        vat_row(4, "SALE", "302-0000003-0000003", date(2024, 9, 4), "120.00", rate="0.20",
                arrival="FR", jurisdiction="FRANCE", scheme="UNION-OSS"),
        vat_row(5, "SALE", "302-0000004-0000004", date(2024, 9, 5), "122.00", rate="0.22",
                depart="PL", arrival="IT", jurisdiction="ITALY", scheme="UNION-OSS",
                seller_vat="PL5260001246"),
        vat_row(6, "SALE", "302-0000005-0000005", date(2024, 9, 6), "100.00", rate="0.0",
                arrival="AT", jurisdiction="", buyer_vat="ATU12345678"),
        vat_row(7, "SALE", "302-0000006-0000006", date(2024, 9, 7), "50.00", rate="0.0",
                arrival="CH", jurisdiction="", export=True),
        vat_row(8, "SALE", "205-0000007-0000007", date(2024, 9, 8), "60.00", net="50.00",
                rate="0.20", arrival="GB", jurisdiction="UNITED KINGDOM",
                scheme="UK_VOEC-IMPORT", responsibility="MARKETPLACE", currency="GBP",
                marketplace="amazon.co.uk"),
        vat_row(9, "REFUND", "302-0000001-0000001", date(2024, 9, 20), "-119.00"),
        vat_row(10, "RETURN", "302-0000001-0000001", date(2024, 9, 21), "0.00"),
        vat_row(11, "FC_TRANSFER", "", date(2024, 9, 22), "0.00", marketplace="N/A"),
        vat_row(12, "SALE", "302-0000009-0000009", date(2024, 9, 23), "49.58", rate="0.0",
                depart="PL", arrival="AT", jurisdiction="", buyer_vat="ATU58004634",
                seller_vat="PL5263266229"),
        vat_row(13, "SALE", "204-0000010-0000010", date(2024, 9, 24), "61.07", net="50.89",
                rate="0.20", depart="GB", arrival="GB", jurisdiction="UNITED KINGDOM",
                scheme="UK_VOEC-DOMESTIC", responsibility="MARKETPLACE", currency="GBP",
                marketplace="amazon.co.uk", seller_vat="GB123456789"),
        vat_row(14, "SALE", "302-0000008-0000008", date(2024, 10, 1), "23.00", net="18.70",
                rate="0.23", depart="PL", arrival="PL", jurisdiction="POLAND"),
    ]  # fmt: skip
    result = export_vat_report(
        rows_in, default_rule_book("SKR03"), SETTINGS, tmp_path, name="2024-09",
        created_at=CREATED,
    )  # fmt: skip
    rows = _compare(result.files, tmp_path)
    assert [_essentials(r) for r in rows] == [
        # DE 19 %: automatic account 8400, no BU key, gross amount
        ("119,00", "S", "EUR", "", "", "10000", "8400", "", "0209", "302-0000001-0000001",
         "", "", ""),
        ("10,70", "S", "EUR", "", "", "10000", "8300", "", "0309", "302-0000002-0000002",
         "", "", ""),
        # OSS from DE: BU 240, #40 arrival country, #41 its rate
        ("120,00", "S", "EUR", "", "", "10000", "8320", "240", "0409", "302-0000003-0000003",
         "FR", "20,00", ""),
        # OSS EU to EU (from a Polish warehouse): BU 241
        ("122,00", "S", "EUR", "", "", "10000", "8320", "241", "0509", "302-0000004-0000004",
         "IT", "22,00", ""),
        # intra-community supply: the buyer's VAT id in #40
        ("100,00", "S", "EUR", "", "", "10000", "8125", "", "0609", "302-0000005-0000005",
         "ATU12345678", "", ""),
        # export from Germany (EXPORT_OUTSIDE_EU): Ausfuhr, Kz 43
        ("50,00", "S", "EUR", "", "", "10000", "8120", "", "0709", "302-0000006-0000006",
         "", "", ""),
        # UK_VOEC-IMPORT shipped from Germany, Amazon collects the UK VAT: still an export,
        # net amount, in GBP with the ECB rate of 06.09.2024 (a Sunday is 08.09.; the rate
        # of Friday 06.09. is used) and the EUR base amount
        ("50,00", "S", "GBP", "0,842930", "59,32", "10000", "8120", "", "0809",
         "205-0000007-0000007", "", "", ""),
        # refund: H on the debtor
        ("119,00", "H", "EUR", "", "", "10000", "8400", "", "2009", "302-0000001-0000001",
         "", "", ""),
        # RETURN and FC_TRANSFER: no booking.
        # B2B from the Polish warehouse: the seller's Polish supply, no German igL (8125)
        ("49,58", "S", "EUR", "", "", "10000", "8126", "", "2309", "302-0000009-0000009",
         "ATU58004634", "", ""),
        # goods in the UK warehouse, Amazon the deemed supplier: not taxable in Germany, net
        ("50,89", "S", "GBP", "0,832200", "61,15", "10000", "8338", "", "2409",
         "204-0000010-0000010", "", "", ""),
        # October, a file of its own: a local Polish sale, net on 8320 and the Polish VAT on
        # 1767, both under the order id (the Sammeldebitor holds the gross 23.00)
        ("18,70", "S", "EUR", "", "", "10000", "8320", "", "0110", "302-0000008-0000008",
         "PL", "23,00", ""),
        ("4,30", "S", "EUR", "", "", "10000", "1767", "", "0110", "302-0000008-0000008",
         "", "", ""),
    ]  # fmt: skip
    # Amazon's invoice goes to Beleginfo 3; #20 Beleglink only takes DATEV document links
    assert rows[0][19] == '""'
    assert rows[0][24:26] == ['"Rechnung"', '"https://www.amazon.de/invoice/1"']
    # #123 EU-Land u. UStID (Ursprung): goods that leave from Poland name the sender's Polish
    # VAT id (DATEV's minimum for distance sales), or only PL where the report has no PL id
    assert [r[122] for r in rows] == [
        '""',
        '""',
        '""',
        '"PL5260001246"',
        '""',
        '""',
        '""',
        '""',
        '"PL5263266229"',
        '""',
        '"PL"',
        '""',  # the VAT booking: #40/#41/#123 describe the supply, not its VAT
    ]
    assert not result.needs_rules


@pytest.mark.parametrize("chart", ["SKR03", "SKR04"])
def test_both_charts_produce_valid_files(tmp_path, chart):
    summary, lines = settlement(
        [line(2, "Order", "ItemPrice", "Principal", "10.00", order_id=ORDER)]
    )
    settings = BatchSettings(berater=1001, mandant=1, chart=chart)
    result = export_settlement(summary, lines, default_rule_book(chart), settings, tmp_path)
    assert validate_file(result.files[0].path).ok
    clearing = "1210" if chart == "SKR03" else "1810"
    assert result.totals.balances[clearing] == 0


def test_a_batch_that_fails_validation_is_never_offered(tmp_path):
    rules = default_rule_book("SKR03").for_marketplace(None)
    too_long = replace(rules, clearing_account="1234567")  # an edited rule, too long for 4
    summary, lines = settlement(
        [line(2, "Order", "ItemPrice", "Principal", "10.00", order_id=ORDER)]
    )
    with pytest.raises(ExtfValidationError, match="länger als Sachkontenlänge"):
        export_settlement(summary, lines, RuleBook((too_long,)), SETTINGS, tmp_path)
    assert list(tmp_path.iterdir()) == []
