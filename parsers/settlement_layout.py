"""The columns of a settlement flat file, V2 (one amount per row) and V1 (amount columns).

V1 rows become the same `SettlementLine`s as V2 rows: every filled amount column is
one line, with the amount-type / amount-description below (V2's names where V2 has
the same thing, otherwise the V1 column's name):

| V1 columns                      | amount-type       | amount-description            |
|---------------------------------|-------------------|-------------------------------|
| price-type / price-amount       | ItemPrice         | price-type                    |
| item-related-fee-type / -amount | ItemFees          | item-related-fee-type         |
| shipment-fee-type / -amount     | ShipmentFees      | shipment-fee-type             |
| order-fee-type / -amount        | OrderFees         | order-fee-type                |
| promotion-type / -amount        | Promotion         | promotion-type                |
| direct-payment-type / -amount   | DirectPayment     | direct-payment-type           |
| misc-fee-amount                 | MiscFee           | MiscFee                       |
| other-fee-amount                | OtherFee          | other-fee-reason-description  |
|                                 |                   | (OtherFee when empty)         |
| other-amount                    | other-transaction | transaction-type (so that the |
|                                 |                   | reserve rules match V2 files) |

`plan_for(header)` recognises the layout from the header and returns the positions
of the columns that scanning and `lines()` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from .errors import ReportError
from .table import Header


class SettlementFormat(StrEnum):
    V1 = "settlement-v1"
    V2 = "settlement-v2"


SUMMARY_COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
)
V2_REQUIRED = (
    *SUMMARY_COLUMNS,
    "transaction-type",
    "order-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
)
V1_REQUIRED = (
    *SUMMARY_COLUMNS,
    "transaction-type",
    "order-id",
    "marketplace-name",
    "posted-date",
    "price-type",
    "price-amount",
    "item-related-fee-type",
    "item-related-fee-amount",
)
# (description column or None, amount column, amount-type, description when empty)
V1_AMOUNT_COLUMNS = (
    ("price-type", "price-amount", "ItemPrice", ""),
    ("item-related-fee-type", "item-related-fee-amount", "ItemFees", ""),
    ("shipment-fee-type", "shipment-fee-amount", "ShipmentFees", ""),
    ("order-fee-type", "order-fee-amount", "OrderFees", ""),
    ("promotion-type", "promotion-amount", "Promotion", ""),
    ("direct-payment-type", "direct-payment-amount", "DirectPayment", ""),
    (None, "misc-fee-amount", "MiscFee", "MiscFee"),
    ("other-fee-reason-description", "other-fee-amount", "OtherFee", "OtherFee"),
    ("transaction-type", "other-amount", "other-transaction", ""),
)
_V2 = "Abrechnungsbericht (Settlement V2)"
_V1 = "Abrechnungsbericht (Settlement V1)"


class V1Slot(NamedTuple):
    """One amount column of a V1 file that this file has."""

    description: int | None
    amount: int
    amount_type: str
    default_description: str


@dataclass(frozen=True, slots=True)
class SettlementPlan:
    """Column positions of one settlement file."""

    format: SettlementFormat
    sid: int
    start: int
    end: int
    deposit: int
    total: int
    currency: int
    ttype: int
    order: int
    market: int
    posted: int  # posted-date-time where present, else posted-date
    posted_date: int | None  # posted-date beside a posted-date-time
    morder: int | None
    adjustment: int | None
    shipment: int | None
    fulfillment: int | None
    order_item: int | None
    merchant_order_item: int | None
    merchant_adjustment_item: int | None
    sku: int | None
    quantity: int | None
    promotion: int | None
    amount: int | None  # V2; None in V1, whose amounts are in its slots
    amount_names: tuple[int, ...]  # V2: amount-type, amount-description; () in V1
    slots: tuple[V1Slot, ...]  # V1; () in V2

    @property
    def summary_indexes(self) -> tuple[int, ...]:
        return (self.sid, self.start, self.end, self.deposit, self.total, self.currency)


def plan_for(header: Header) -> SettlementPlan:
    """The plan of a settlement file; refuses a header that lacks a required column."""
    if "amount" in header and "amount-type" in header:
        fmt = SettlementFormat.V2
        cols = header.require(V2_REQUIRED, _V2)
        amount_names: tuple[int, ...] = (cols["amount-type"], cols["amount-description"])
        slots: tuple[V1Slot, ...] = ()
    elif "price-amount" in header or "item-related-fee-amount" in header:
        fmt = SettlementFormat.V1
        cols = header.require(V1_REQUIRED, _V1)
        amount_names = ()
        slots = tuple(_v1_slots(header))
    else:
        raise ReportError(
            header.filename,
            "Die Kopfzeile sieht nach einem Abrechnungsbericht aus, enthält aber weder die "
            "Spalte „amount“ (Format V2) noch „price-amount“ (Format V1).",
            line=header.line,
            column="amount",
        )
    posted, posted_date = _posted_columns(header)
    return SettlementPlan(
        format=fmt,
        sid=cols["settlement-id"],
        start=cols["settlement-start-date"],
        end=cols["settlement-end-date"],
        deposit=cols["deposit-date"],
        total=cols["total-amount"],
        currency=cols["currency"],
        ttype=cols["transaction-type"],
        order=cols["order-id"],
        market=cols["marketplace-name"],
        posted=posted,
        posted_date=posted_date,
        morder=header.find("merchant-order-id"),
        adjustment=header.find("adjustment-id"),
        shipment=header.find("shipment-id"),
        fulfillment=header.find("fulfillment-id"),
        order_item=header.find("order-item-code"),
        merchant_order_item=header.find("merchant-order-item-id"),
        merchant_adjustment_item=header.find("merchant-adjustment-item-id"),
        sku=header.find("sku"),
        quantity=header.find("quantity-purchased"),
        promotion=header.find("promotion-id"),
        amount=cols.get("amount"),
        amount_names=amount_names,
        slots=slots,
    )


def _v1_slots(header: Header) -> list[V1Slot]:
    found = []
    for desc, amount, amount_type, default in V1_AMOUNT_COLUMNS:
        index = header.find(amount)
        if index is not None:
            found.append(V1Slot(header.find(desc) if desc else None, index, amount_type, default))
    return found


def _posted_columns(header: Header) -> tuple[int, int | None]:
    """(posted-date-time or else posted-date, posted-date beside a posted-date-time)."""
    posted_time, posted_date = header.find("posted-date-time"), header.find("posted-date")
    if posted_time is not None:
        return posted_time, posted_date
    if posted_date is not None:
        return posted_date, None
    # V1 requires posted-date; a V2 file may have either, and names the newer one missing.
    raise header.missing(("posted-date-time",), _V2)
