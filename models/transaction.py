"""The normalised transactions of an imported report: one row per record of `parsers.records`.

The columns are the fields of `SettlementLine` and `VatTransaction`, one for one (a test keeps
them in step), so a batch is built from the stored rows exactly as from the parsed file, and a
rebuild never reads the file again.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db
from parsers.records import RatePart, SettlementLine, VatTransaction

_TEXT = sa.String(200)
_LONG_TEXT = sa.String(2000)
_MONEY = sa.Numeric(16, 2)


class SettlementLineRow(db.Model):
    __tablename__ = "settlement_lines"
    __table_args__ = (sa.UniqueConstraint("report_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (report_id, position) leads with it and serves every
    # lookup by report; a second index only cost each of an import's inserts.
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    position: Mapped[int]  # the record's place in the report (a V1 line yields several)
    line_no: Mapped[int]
    transaction_type: Mapped[str] = mapped_column(_TEXT)
    order_id: Mapped[str] = mapped_column(_TEXT)
    merchant_order_id: Mapped[str] = mapped_column(_TEXT)
    adjustment_id: Mapped[str] = mapped_column(_TEXT)
    shipment_id: Mapped[str] = mapped_column(_TEXT)
    marketplace_name: Mapped[str] = mapped_column(_TEXT)
    amount_type: Mapped[str] = mapped_column(_TEXT)
    amount_description: Mapped[str] = mapped_column(_TEXT)
    amount: Mapped[Decimal] = mapped_column(_MONEY)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fulfillment_id: Mapped[str] = mapped_column(_TEXT)
    order_item_code: Mapped[str] = mapped_column(_TEXT)
    merchant_order_item_id: Mapped[str] = mapped_column(_TEXT)
    merchant_adjustment_item_id: Mapped[str] = mapped_column(_TEXT)
    sku: Mapped[str] = mapped_column(_TEXT)
    quantity: Mapped[int | None]
    promotion_id: Mapped[str] = mapped_column(_TEXT)

    def to_record(self) -> SettlementLine:
        return SettlementLine(*(getattr(self, name) for name in SettlementLine._fields))


class VatTransactionRow(db.Model):
    __tablename__ = "vat_transactions"
    __table_args__ = (sa.UniqueConstraint("report_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique (report_id, position) leads with it and serves every
    # lookup by report; a second index only cost each of an import's inserts.
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("reports.id", ondelete="CASCADE"))
    position: Mapped[int]
    line_no: Mapped[int]
    marketplace: Mapped[str] = mapped_column(_TEXT)
    transaction_type: Mapped[str] = mapped_column(_TEXT)
    transaction_event_id: Mapped[str] = mapped_column(_TEXT)
    activity_transaction_id: Mapped[str] = mapped_column(_TEXT)
    activity_period: Mapped[str] = mapped_column(_TEXT)
    sales_channel: Mapped[str] = mapped_column(_TEXT)
    program_type: Mapped[str] = mapped_column(_TEXT)
    transaction_complete_date: Mapped[date | None]
    tax_calculation_date: Mapped[date | None]
    seller_sku: Mapped[str] = mapped_column(_TEXT)
    asin: Mapped[str] = mapped_column(_TEXT)
    item_description: Mapped[str] = mapped_column(_LONG_TEXT)
    quantity: Mapped[int | None]
    currency: Mapped[str] = mapped_column(_TEXT)
    total_vat_excl: Mapped[Decimal] = mapped_column(_MONEY)
    total_vat: Mapped[Decimal] = mapped_column(_MONEY)
    total_vat_incl: Mapped[Decimal] = mapped_column(_MONEY)
    vat_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 6))
    sale_depart_country: Mapped[str] = mapped_column(_TEXT)
    sale_arrival_country: Mapped[str] = mapped_column(_TEXT)
    departure_country: Mapped[str] = mapped_column(_TEXT)
    arrival_country: Mapped[str] = mapped_column(_TEXT)
    taxable_jurisdiction: Mapped[str] = mapped_column(_TEXT)
    vat_calculation_imputation_country: Mapped[str] = mapped_column(_TEXT)
    buyer_vat_number: Mapped[str] = mapped_column(_TEXT)
    buyer_vat_number_country: Mapped[str] = mapped_column(_TEXT)
    seller_vat_number: Mapped[str] = mapped_column(_TEXT)
    seller_vat_number_country: Mapped[str] = mapped_column(_TEXT)
    seller_depart_vat_number: Mapped[str] = mapped_column(_TEXT)
    seller_arrival_vat_number: Mapped[str] = mapped_column(_TEXT)
    export_outside_eu: Mapped[bool]
    vat_invoice_number: Mapped[str] = mapped_column(_TEXT)
    invoice_url: Mapped[str] = mapped_column(_LONG_TEXT)
    tax_reporting_scheme: Mapped[str] = mapped_column(_TEXT)
    tax_collection_responsibility: Mapped[str] = mapped_column(_TEXT)
    # Only where shipping or gift wrap has another rate than the items (nearly never): the
    # parts as JSON [[rate, excl, vat, incl], ...] with amounts as strings, "" otherwise.
    rate_parts: Mapped[str] = mapped_column(sa.Text, default="")

    def to_record(self) -> VatTransaction:
        values = {name: getattr(self, name) for name in VatTransaction._fields}
        values["rate_parts"] = parse_rate_parts(self.rate_parts)
        return VatTransaction(**values)


def dump_rate_parts(parts: tuple[RatePart, ...]) -> str:
    if not parts:
        return ""
    return json.dumps(
        [[None if v is None else str(v) for v in part] for part in parts], separators=(",", ":")
    )


def parse_rate_parts(text: str) -> tuple[RatePart, ...]:
    if not text:
        return ()
    return tuple(
        RatePart(*(None if v is None else Decimal(v) for v in part)) for part in json.loads(text)
    )
