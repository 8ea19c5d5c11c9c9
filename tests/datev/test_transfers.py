"""Stock transfers (FC_TRANSFER): the Verbringen batch at cost, and every transfer not booked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from datev_builders import vat_row
from datev_extf_check import check_file, read_extf

from datev.accounts import default_accounts
from datev.settings import BatchSettings
from datev.transfers import (
    FOREIGN,
    NO_COUNTRY,
    NO_OWN_VAT_ID,
    NOT_EU,
    UNVALUED,
    export_transfers,
    transfer_bookings,
)
from parsers import read_report

SKR03 = default_accounts("SKR03")
OWN_PL = "PL5260250274"
SAMPLE = "tests/fixtures/amazon/vat-transactions-2020-02-de-seller.txt"


def transfer(line_no, depart="DE", arrival="PL", sku="TASSE-01", quantity=12, arrival_vat=""):
    row = vat_row(
        line_no,
        transaction_type="FC_TRANSFER",
        order_id=f"48372426{line_no:02d}",
        day=date(2025, 4, 10),
        gross="0.00",
        rate=None,
        depart=depart,
        arrival=arrival,
        marketplace="N/A",
    )
    return row._replace(seller_sku=sku, quantity=quantity, seller_arrival_vat_number=arrival_vat)


def test_de_to_pl_is_an_igl_at_quantity_times_cost_with_the_own_pl_vat_id_in_40():
    result = transfer_bookings(
        [transfer(2, arrival_vat=OWN_PL)], SKR03, {"TASSE-01": Decimal("3.125")}, {}
    )
    supply, neutral = result.bookings
    assert (supply.account, supply.contra_account, supply.side) == ("1792", "8125", "S")
    assert supply.amount == Decimal("37.50")  # 12 x 3.125
    assert supply.eu_country_vat_id == OWN_PL
    assert supply.tax_key == ""  # 8125 is an automatic account
    assert (neutral.account, neutral.contra_account, neutral.side) == ("1792", "3200", "H")
    assert neutral.amount == supply.amount and neutral.eu_country_vat_id == ""
    assert result.unbooked == []


def test_quantity_times_cost_is_rounded_commercially_to_cents():
    rows = [
        transfer(2, quantity=1, arrival_vat=OWN_PL),
        transfer(3, quantity=3, arrival_vat=OWN_PL),
    ]
    result = transfer_bookings(rows, SKR03, {"TASSE-01": Decimal("0.125")}, {})
    assert [b.amount for b in result.bookings if b.contra_account == "8125"] == [
        Decimal("0.13"),  # 0.125: half up, not half even
        Decimal("0.38"),  # 0.375
    ]


def test_the_pl_vat_id_comes_from_the_master_data_when_the_report_has_none():
    result = transfer_bookings([transfer(2)], SKR03, {"TASSE-01": Decimal(2)}, {"PL": OWN_PL})
    assert result.bookings[0].eu_country_vat_id == OWN_PL


def test_a_reported_vat_id_of_another_country_is_not_taken_for_pl():
    rows = [transfer(2, arrival_vat="DE123456789")]
    result = transfer_bookings(rows, SKR03, {"TASSE-01": Decimal(2)}, {})
    assert result.bookings == []
    (unbooked,) = result.unbooked
    assert unbooked.reason == f"{NO_OWN_VAT_ID} (PL)"


def test_the_transfer_batch_moves_nothing_in_the_p_and_l():
    rows = [transfer(2, arrival_vat=OWN_PL), transfer(3, "PL", "DE")]
    result = transfer_bookings(rows, SKR03, {"TASSE-01": Decimal("4.20")}, {})
    balance: dict[str, Decimal] = {}
    for b in result.bookings:
        balance[b.account] = balance.get(b.account, 0) + b.signed_amount
        balance[b.contra_account] = balance.get(b.contra_account, 0) - b.signed_amount
    assert balance["1792"] == 0  # the Verrechnungskonto ends at zero
    assert balance["8125"] == Decimal("-50.40")  # Kz 41 and ZM
    assert balance["3425"] == Decimal("50.40")  # Kz 89 / 61
    assert balance["8125"] + balance["3425"] + balance["3200"] == 0  # P&L unchanged


def test_pl_to_de_is_an_ige_on_3425_without_a_key():
    result = transfer_bookings([transfer(3, "PL", "DE")], SKR03, {"TASSE-01": Decimal(2)}, {})
    acquisition, neutral = result.bookings
    assert (acquisition.account, acquisition.contra_account) == ("1792", "3425")
    assert acquisition.side == "H" and acquisition.tax_key == ""
    assert acquisition.amount == Decimal("24.00")
    assert (neutral.contra_account, neutral.side) == ("3200", "S")


def test_pl_to_de_with_bu_19_books_the_key_on_wareneingang():
    result = transfer_bookings(
        [transfer(3, "PL", "DE")], SKR03, {"TASSE-01": Decimal(2)}, {}, acquisition_tax_key="19"
    )
    assert (result.bookings[0].contra_account, result.bookings[0].tax_key) == ("3200", "19")


def test_skr04_uses_3630_4125_5425_and_5200():
    skr04 = default_accounts("SKR04")
    rows = [transfer(2, arrival_vat=OWN_PL), transfer(3, "PL", "DE")]
    result = transfer_bookings(rows, skr04, {"TASSE-01": Decimal(1)}, {})
    pairs = {(b.account, b.contra_account) for b in result.bookings}
    assert pairs == {("3630", "4125"), ("3630", "5200"), ("3630", "5425")}


def test_a_transfer_without_a_cost_is_listed_with_sku_quantity_and_countries():
    result = transfer_bookings([transfer(2, quantity=7)], SKR03, {}, {"PL": OWN_PL})
    assert result.bookings == []
    (unbooked,) = result.unvalued
    assert unbooked.reason == UNVALUED
    assert unbooked.reason.startswith("nicht gebucht – Verbringen erklären")
    assert unbooked.as_dict() == {
        "line": 2,
        "date": "2025-04-10",
        "sku": "TASSE-01",
        "quantity": 7,
        "from": "DE",
        "to": "PL",
        "reason": UNVALUED,
    }


def test_between_two_foreign_countries_is_listed_not_booked():
    result = transfer_bookings([transfer(4, "PL", "CZ")], SKR03, {"TASSE-01": Decimal(2)}, {})
    assert result.bookings == []
    assert [u.reason for u in result.unbooked] == [FOREIGN]
    assert result.unvalued == []


def test_a_transfer_out_of_the_eu_is_not_an_intra_community_transfer():
    result = transfer_bookings(
        [transfer(5, "DE", "GB")], SKR03, {"TASSE-01": Decimal(2)}, {"GB": "GB123456789"}
    )
    assert result.bookings == [] and [u.reason for u in result.unbooked] == [NOT_EU]


def test_a_transfer_without_a_country_is_listed_for_the_advisor():
    result = transfer_bookings([transfer(6, "DE", "")], SKR03, {"TASSE-01": Decimal(2)}, {})
    assert result.bookings == [] and [u.reason for u in result.unbooked] == [NO_COUNTRY]


def test_other_rows_are_ignored():
    rows = [vat_row(1), vat_row(2, transaction_type="RETURN")]
    result = transfer_bookings(rows, SKR03, {}, {})
    assert result.bookings == [] and result.unbooked == []


def test_the_real_sample_lists_all_15_transfers_and_books_the_german_ones():
    rows = list(read_report(SAMPLE).rows())
    skus = {"ES-01-02-01-04-01-10-37": Decimal("5.00"), "WE-01-02-01-01-01-01-44": Decimal(8)}
    result = transfer_bookings(rows, SKR03, skus, {"PL": OWN_PL})
    assert len(result.booked) + len(result.unbooked) == 15
    assert [(t.depart, t.arrival) for t in result.booked] == [("DE", "PL"), ("PL", "DE")]
    # the two SK -> DE transfers have no cost; the eleven between foreign countries are not German
    assert [(u.transfer.depart, u.transfer.arrival) for u in result.unvalued] == [("SK", "DE")] * 2
    assert sum(u.reason == FOREIGN for u in result.unbooked) == 11


def test_without_a_cost_table_every_german_transfer_of_the_sample_is_unvalued():
    result = transfer_bookings(read_report(SAMPLE).rows(), SKR03, {}, {})
    assert result.bookings == []
    directions = sorted((u.transfer.depart, u.transfer.arrival) for u in result.unvalued)
    assert directions == [("DE", "PL"), ("PL", "DE"), ("SK", "DE"), ("SK", "DE")]
    assert len(result.unbooked) == 15


def test_export_writes_a_valid_balanced_verbringen_batch(tmp_path):
    rows = [transfer(2, arrival_vat=OWN_PL), transfer(3, quantity=1, arrival_vat=OWN_PL)]
    settings = BatchSettings(berater=1001, mandant=1)
    export = export_transfers(
        rows, SKR03, {"TASSE-01": Decimal("2.50")}, {}, settings, tmp_path, name="2025-APR"
    )
    (written,) = export.files
    assert written.path.name.startswith("EXTF_Amazon_Verbringen_2025-APR")
    checked = check_file(written.path)
    assert checked["bookings"] == 4
    assert checked["balances"]["1792"] == 0
    _, columns, rows_out, _ = read_extf(written.path)
    supplies = [r for r in rows_out if r[7] == "8125"]
    assert [r[0] for r in supplies] == ["30,00", "2,50"]
    assert {r[columns.index("EU-Land u. UStID (Bestimmung)")] for r in supplies} == {OWN_PL}
    assert export.summary()["unvalued"] == 0


def test_export_without_costs_writes_no_file_and_counts_every_transfer(tmp_path):
    settings = BatchSettings(berater=1001, mandant=1)
    rows = [transfer(2, arrival_vat=OWN_PL), transfer(3, arrival_vat=OWN_PL)]
    export = export_transfers(rows, SKR03, {}, {}, settings, tmp_path, name="2025-APR")
    assert export.files == [] and list(tmp_path.iterdir()) == []
    summary = export.summary()
    assert summary["unvalued"] == 2
    assert [u["line"] for u in summary["unbooked"]] == [2, 3]


@pytest.mark.parametrize("quantity", [None, 0])
def test_a_transfer_without_a_quantity_is_unvalued(quantity):
    rows = [transfer(2, quantity=quantity, arrival_vat=OWN_PL)]
    result = transfer_bookings(rows, SKR03, {"TASSE-01": Decimal(1)}, {})
    assert result.bookings == [] and len(result.unvalued) == 1
