"""Builders of the parser records for engine tests (the engine never sees files)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from parsers.records import SettlementLine, SettlementSummary, VatTransaction


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def summary(
    settlement_id: str = "12345678901",
    start: str = "2024-09-01",
    end: str = "2024-09-14",
    deposit: str | None = "2024-09-16",
    total: str = "0",
    currency: str = "EUR",
) -> SettlementSummary:
    return SettlementSummary(
        settlement_id=settlement_id,
        start=at(start),
        end=at(end),
        deposit_date=at(deposit) if deposit else None,
        total_amount=Decimal(total),
        currency=currency,
    )


def line(
    line_no: int,
    transaction_type: str,
    amount_type: str,
    amount_description: str,
    amount: str,
    posted: str = "2024-09-05",
    order_id: str = "",
    marketplace: str = "Amazon.de",
) -> SettlementLine:
    return SettlementLine(
        line_no=line_no,
        transaction_type=transaction_type,
        order_id=order_id,
        merchant_order_id="",
        adjustment_id="",
        shipment_id="",
        marketplace_name=marketplace,
        amount_type=amount_type,
        amount_description=amount_description,
        amount=Decimal(amount),
        posted_at=at(posted),
    )


def settlement(lines: list[SettlementLine], **kwargs) -> tuple[SettlementSummary, list]:
    """A summary whose total is the sum of the lines (a consistent file)."""
    total = sum((ln.amount for ln in lines), Decimal(0))
    return summary(total=str(total), **kwargs), lines


def vat_row(
    line_no: int,
    transaction_type: str = "SALE",
    order_id: str = "302-1111111-1111111",
    day: date = date(2024, 9, 5),
    gross: str = "119.00",
    net: str | None = None,
    rate: str | None = "0.19",
    depart: str = "DE",
    arrival: str = "DE",
    jurisdiction: str = "GERMANY",
    buyer_vat: str = "",
    export: bool = False,
    scheme: str = "REGULAR",
    responsibility: str = "SELLER",
    currency: str = "EUR",
    marketplace: str = "amazon.de",
    invoice_url: str = "",
    seller_vat: str = "DE123456789",
) -> VatTransaction:
    gross_d = Decimal(gross)
    net_d = Decimal(net) if net is not None else gross_d
    return VatTransaction(
        line_no=line_no,
        marketplace=marketplace,
        transaction_type=transaction_type,
        transaction_event_id=order_id,
        activity_transaction_id=f"act-{line_no}",
        activity_period=f"{day:%Y}-{day:%b}".upper(),
        sales_channel="AFN",
        program_type="REGULAR",
        transaction_complete_date=day,
        tax_calculation_date=day,
        seller_sku="SKU-1",
        asin="B000000001",
        item_description="Ding",
        quantity=1,
        currency=currency,
        total_vat_excl=net_d,
        total_vat=gross_d - net_d,
        total_vat_incl=gross_d,
        vat_rate=Decimal(rate) if rate is not None else None,
        sale_depart_country=depart,
        sale_arrival_country=arrival,
        departure_country=depart,
        arrival_country=arrival,
        taxable_jurisdiction=jurisdiction,
        vat_calculation_imputation_country=arrival,
        buyer_vat_number=buyer_vat,
        buyer_vat_number_country=buyer_vat[:2],
        seller_vat_number=seller_vat,
        seller_vat_number_country=seller_vat[:2],
        seller_depart_vat_number="",
        seller_arrival_vat_number="",
        export_outside_eu=export,
        vat_invoice_number="",
        invoice_url=invoice_url,
        tax_reporting_scheme=scheme,
        tax_collection_responsibility=responsibility,
    )
