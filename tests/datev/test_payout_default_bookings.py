"""What the default payout rules book for real-looking settlement lines (DESIGN.md §4).

Each test names the settlement line as Amazon writes it and the booking the tax advisor expects
(Konto = the marketplace's clearing account, Gegenkonto, BU key, Sachverhalt L+L).
"""

from __future__ import annotations

from decimal import Decimal

from datev_builders import at, line, settlement

from datev.bookings import BatchTotals
from datev.payout_bookings import settlement_bookings
from datev.rules import default_rule_book
from parsers.records import SettlementLine


def booked(settlement_line, chart="SKR03", marketplace=None, **book_options):
    """The bookings of a settlement with this one line (plus the payout)."""
    rules = default_rule_book(chart, **book_options).for_marketplace(
        marketplace or settlement_line.marketplace_name
    )
    summary, lines = settlement([settlement_line])
    bookings = list(settlement_bookings(summary, lines, rules, totals=BatchTotals()))
    return [b for b in bookings if b.kind != "payout"]


def essentials(settlement_line, **kwargs):
    (booking,) = booked(settlement_line, **kwargs)
    return booking.side, booking.account, booking.contra_account, booking.tax_key


def test_a_reserve_is_a_claim_against_amazon_not_a_partner_receivable():
    # SKR03 1385 is "Forderungen gegen persönlich haftende Gesellschafter", SKR04 1596 lies in
    # the securities range: the reserve is a Sonstiger Vermögensgegenstand (1500 / 1300).
    held = line(9, "other-transaction", "other-transaction", "Current Reserve Amount", "-52.37")
    assert essentials(held) == ("H", "1210", "1500", "")
    assert essentials(held, chart="SKR04") == ("H", "1810", "1300", "")
    released = line(
        2, "other-transaction", "other-transaction", "Previous Reserve Amount Balance", "52.37"
    )
    assert essentials(released) == ("S", "1210", "1500", "")


def test_lost_or_damaged_stock_is_damages_without_tax():
    # Echter Schadensersatz (UStAE 1.3): no key, on "Versicherungsentschädigungen und
    # Schadenersatzleistungen" (2742 / 4970), as in the real Amazon.ca settlement.
    lost = line(14, "other-transaction", "FBA Inventory Reimbursement", "WAREHOUSE_LOST", "12.37")
    assert essentials(lost) == ("S", "1210", "2742", "")
    assert essentials(lost, chart="SKR04") == ("S", "1810", "4970", "")
    damaged = line(15, "WAREHOUSE_DAMAGE", "other-transaction", "WAREHOUSE_DAMAGE", "7.10")
    assert essentials(damaged) == ("S", "1210", "2742", "")


def sachverhalt_of(settlement_line, **kwargs):
    (booking,) = booked(settlement_line, **kwargs)
    return booking.contra_account, booking.tax_key, booking.sachverhalt


def test_luxembourg_fees_until_july_2024_are_an_eu_entrepreneurs_service():
    # Amazon Services Europe S.à r.l. invoiced without VAT: § 13b Abs. 1, BU 94 with
    # Sachverhalt 7 so that DATEV reports Kz 46/47 (Amazon's Luxembourg ZM), not Kz 84/85.
    commission = line(3, "Order", "ItemFees", "Commission", "-15.00", "2024-07-31", "302-1-1")
    assert sachverhalt_of(commission) == ("4760", "94", "7")
    storage = line(8, "other-transaction", "other-transaction", "Storage Fee", "-3.10",
                   "2024-07-31", marketplace="Amazon.fr")  # fmt: skip
    assert sachverhalt_of(storage) == ("4780", "94", "7")
    later = line(3, "Order", "ItemFees", "Commission", "-15.00", "2024-08-01", "302-1-1")
    assert sachverhalt_of(later) == ("4760", "9", "")


def test_fees_of_amazon_ca_are_a_foreign_entrepreneurs_service():
    # Amazon.com.ca ULC is established outside the EU: § 13b Abs. 2 Nr. 1, Sachverhalt 1.
    fba = line(5, "Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-8.25", "2025-08-18",
               "701-0590237-2315442", marketplace="Amazon.ca")  # fmt: skip
    assert sachverhalt_of(fba) == ("4780", "94", "1")


def test_canadian_tax_on_amazon_ca_fees_is_a_claim_without_a_key():
    # The real Amazon.ca V1 file: ServiceFee, other-fee-amount -18.09 "TaxAmount" (GST/HST on
    # an advertising invoice). Not a § 13b base and no German Vorsteuer: 1542 / 1440, no key.
    tax = line(7, "ServiceFee", "OtherFee", "TaxAmount", "-18.09", "2025-08-23",
               marketplace="Amazon.ca")  # fmt: skip
    assert essentials(tax) == ("H", "1210", "1542", "")
    assert essentials(tax, chart="SKR04") == ("H", "1810", "1440", "")
    ads = line(6, "ServiceFee", "ItemFees", "Cost of Advertising", "-150.74", "2025-08-23",
               marketplace="Amazon.ca")  # fmt: skip
    assert essentials(ads) == ("H", "1210", "4600", "94")


def ad(posted: str, marketplace: str, amount: str = "-50.45"):
    return line(4, "ServiceFee", "Cost of Advertising", "TransactionTotalAmount", amount,
                posted, marketplace=marketplace)  # fmt: skip


def test_amazon_de_ads_carry_german_vat_from_october_2018():
    assert sachverhalt_of(ad("2025-03-12", "Amazon.de")) == ("4600", "9", "")
    assert sachverhalt_of(ad("2018-10-01", "Amazon.de")) == ("4600", "9", "")
    # before: invoiced from Luxembourg without VAT
    assert sachverhalt_of(ad("2018-09-30", "Amazon.de")) == ("4600", "94", "7")


def test_ads_of_the_other_stores_are_reverse_charge():
    # Review F5: 2,942.33 GBP of UK ads with BU 9 claimed ~557 EUR Vorsteuer without an invoice.
    assert sachverhalt_of(ad("2025-12-05", "Amazon.co.uk", "-2891.88")) == ("4600", "94", "1")
    assert sachverhalt_of(ad("2020-12-31", "Amazon.co.uk")) == ("4600", "94", "7")  # UK in EU
    for store in ("Amazon.fr", "Amazon.it", "Amazon.es", "Amazon.nl", "Amazon.pl"):
        assert sachverhalt_of(ad("2024-12-31", store)) == ("4600", "94", "7"), store
    # a store without a rule set of its own: no German VAT assumed
    assert sachverhalt_of(ad("2025-01-10", "Amazon.xy")) == ("4600", "94", "7")
    assert sachverhalt_of(ad("2025-08-23", "Amazon.ca")) == ("4600", "94", "1")


COMMISSION_2025 = line(3, "Order", "ItemFees", "Commission", "-8.16", "2025-03-15", "302-1-1")


def test_a_seller_established_outside_germany_keeps_reverse_charge_on_fees_and_ads():
    # From 08/2024 Amazon EU invoices with the VAT of the seller's own country: never German.
    assert sachverhalt_of(COMMISSION_2025, country="AT") == ("4760", "94", "7")
    assert sachverhalt_of(ad("2025-03-12", "Amazon.de"), country="AT") == ("4600", "94", "7")
    assert sachverhalt_of(COMMISSION_2025, country="DE") == ("4760", "9", "")


def test_a_kleinunternehmer_books_no_input_vat():
    # German VAT on the invoice: the gross fee is the expense, no key.
    assert sachverhalt_of(COMMISSION_2025, small_business=True) == ("4760", "", "")
    assert sachverhalt_of(ad("2025-03-12", "Amazon.de"), small_business=True) == (
        "4600", "", "",
    )  # fmt: skip
    # § 13b: the tax is owed without input VAT, BU 95, the Sachverhalt stays
    before = line(3, "Order", "ItemFees", "Commission", "-8.16", "2024-07-31", "302-1-1")
    assert sachverhalt_of(before, small_business=True) == ("4760", "95", "7")
    assert sachverhalt_of(ad("2025-03-12", "Amazon.fr"), small_business=True) == (
        "4600", "95", "7",
    )  # fmt: skip
    canadian = line(5, "Order", "ItemFees", "Commission", "-9.00", "2025-08-18",
                    "701-0590237-2315442", marketplace="Amazon.ca")  # fmt: skip
    assert sachverhalt_of(canadian, small_business=True, country="AT") == ("4760", "95", "1")


def test_with_a_clearing_account_per_marketplace_a_uk_settlement_books_on_its_own():
    fee = line(3, "Order", "ItemFees", "Commission", "-4.50", "2025-03-15", "205-1-1",
               marketplace="Amazon.co.uk")  # fmt: skip
    assert essentials(fee, clearing_per_marketplace=True)[:2] == ("H", "1215")
    assert essentials(fee, chart="SKR04", clearing_per_marketplace=True)[:2] == ("H", "1815")
    assert essentials(fee)[:2] == ("H", "1210")


def test_a_batch_with_german_vat_only_needs_no_note():
    summary, lines = settlement([COMMISSION_2025, ad("2025-03-12", "Amazon.de")])
    totals = BatchTotals()
    rules = default_rule_book("SKR03").for_marketplace("Amazon.de")
    list(settlement_bookings(summary, lines, rules, totals=totals))
    assert totals.notes == set()
    summary, lines = settlement([ad("2025-03-12", "Amazon.fr"), ad("2025-03-13", "Amazon.fr")])
    rules = default_rule_book("SKR03").for_marketplace("Amazon.fr")
    list(settlement_bookings(summary, lines, rules, totals=totals))
    assert [n[:44] for n in totals.notes] == ["Reverse Charge (BU 94, Sachverhalt L+L 7) fü"]


def test_an_amazon_com_order_is_not_taxable_from_amazons_warehouse_and_an_export_if_mfn():
    # V2 lines carry fulfillment-id: AFN = shipped from Amazon's US warehouse (a sale made in
    # the US), MFN = the German seller ships it from its own stock in Germany (an export).
    def sale(fulfillment):
        return SettlementLine(
            2, "Order", "113-1234567-1234567", "", "", "", "Amazon.com", "ItemPrice",
            "Principal", Decimal("25.00"), at("2025-06-02"), fulfillment,
        )  # fmt: skip

    assert essentials(sale("AFN")) == ("S", "1210", "8338", "")
    assert essentials(sale("MFN")) == ("S", "1210", "8120", "")
    assert essentials(sale("MFN"), chart="SKR04") == ("S", "1810", "4120", "")
    assert essentials(sale("")) == ("S", "1210", "8338", "")  # V1 lines without the id
