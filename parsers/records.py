"""Normalised, typed records that every Amazon report parser produces.

These records are the contract between `parsers/` (which reads Amazon's many
file variants) and the booking engine in `datev/` (which only ever sees these
records). Amounts are `Decimal`, instants are timezone-aware `datetime`s, and
calendar dates are `date`s. Text fields that a file leaves empty are `""`, never
`None`, so that rule matching needs no special cases.

All records are immutable. The per-line records are NamedTuples rather than frozen
dataclasses: a report has hundreds of thousands of them, and a frozen dataclass takes
about ten times as long to build (every field goes through object.__setattr__).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class ReportPeek:
    """What the header and the first data row of a report say: its kind ("payout" or
    "order") and its identity, the settlement id or the activity period (None where the
    first row does not tell)."""

    kind: str
    settlement_id: str | None
    activity_period: str | None


@dataclass(frozen=True, slots=True)
class SettlementSummary:
    """The summary row of a settlement report: what Amazon says it paid out."""

    settlement_id: str
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total_amount: Decimal
    currency: str


class SettlementLine(NamedTuple):
    """One amount of a settlement (a V1 row with several amount columns yields several lines).

    `line_no` is the 1-based physical line of the file the amount came from, so that
    bookings and error messages can point back to the source.
    """

    line_no: int
    transaction_type: str
    order_id: str
    merchant_order_id: str
    adjustment_id: str
    shipment_id: str
    marketplace_name: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted_at: datetime | None
    fulfillment_id: str = ""
    order_item_code: str = ""
    merchant_order_item_id: str = ""
    merchant_adjustment_item_id: str = ""
    sku: str = ""
    quantity: int | None = None
    promotion_id: str = ""


class RatePart(NamedTuple):
    """The part of a VAT transaction taxed at one rate (items, shipping, gift wrap summed)."""

    rate: Decimal | None  # a fraction, 0.19
    vat_excl: Decimal
    vat: Decimal
    vat_incl: Decimal


class VatTransaction(NamedTuple):
    """One row of the Amazon VAT Transactions Report with the fields the booking rules need."""

    line_no: int
    marketplace: str  # e.g. "amazon.de", "N/A" for stock transfers
    transaction_type: str  # SALE, REFUND, RETURN, FC_TRANSFER, INBOUND, ...
    transaction_event_id: str  # the order id for SALE and REFUND
    activity_transaction_id: str
    activity_period: str  # e.g. "2020-FEB"
    sales_channel: str  # AFN / MFN
    program_type: str  # "" in the layout before 2021
    transaction_complete_date: date | None
    tax_calculation_date: date | None
    seller_sku: str
    asin: str
    item_description: str
    quantity: int | None
    currency: str  # TRANSACTION_CURRENCY_CODE
    total_vat_excl: Decimal  # TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL
    total_vat: Decimal  # TOTAL_ACTIVITY_VALUE_VAT_AMT
    total_vat_incl: Decimal  # TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL
    vat_rate: Decimal | None  # PRICE_OF_ITEMS_VAT_RATE_PERCENT as a fraction, 0.19
    sale_depart_country: str
    sale_arrival_country: str
    departure_country: str
    arrival_country: str
    taxable_jurisdiction: str
    vat_calculation_imputation_country: str
    buyer_vat_number: str
    buyer_vat_number_country: str
    seller_vat_number: str  # TRANSACTION_SELLER_VAT_NUMBER
    seller_vat_number_country: str
    # The seller's own VAT ids in the departure and arrival countries: a stock transfer
    # (FC_TRANSFER) is declared under them (innergemeinschaftliches Verbringen).
    seller_depart_vat_number: str  # SELLER_DEPART_COUNTRY_VAT_NUMBER
    seller_arrival_vat_number: str  # SELLER_ARRIVAL_COUNTRY_VAT_NUMBER
    export_outside_eu: bool
    vat_invoice_number: str
    invoice_url: str
    tax_reporting_scheme: str  # "" before 2021; REGULAR, UNION-OSS, ...
    tax_collection_responsibility: str  # "" before 2021; SELLER or MARKETPLACE
    # Only where shipping or gift wrap has another VAT rate than the items: one part per rate,
    # the item rate's first; they add up to the three totals. () otherwise (nearly always).
    rate_parts: tuple[RatePart, ...] = ()
