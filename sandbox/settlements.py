"""Settlement reports (flat file V2, DESIGN §2.3) made from the seeded orders and refunds."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sandbox.orders import Period, money, orders, refunds, split_gross
from sandbox.sellers import Seller, derive_digits

REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
V1_REPORT_TYPE = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
COLUMNS = (
    "settlement-id",
    "settlement-start-date",
    "settlement-end-date",
    "deposit-date",
    "total-amount",
    "currency",
    "transaction-type",
    "order-id",
    "merchant-order-id",
    "adjustment-id",
    "shipment-id",
    "marketplace-name",
    "amount-type",
    "amount-description",
    "amount",
    "fulfillment-id",
    "posted-date",
    "posted-date-time",
    "order-item-code",
    "merchant-order-item-id",
    "merchant-adjustment-item-id",
    "sku",
    "quantity-purchased",
    "promotion-id",
)
# The older flat file (V1): amounts in columns named after their kind, 36 columns.
V1_COLUMNS = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "shipment-fee-type", "shipment-fee-amount",
    "order-fee-type", "order-fee-amount", "fulfillment-id", "posted-date", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "price-type", "price-amount", "item-related-fee-type", "item-related-fee-amount",
    "misc-fee-amount", "other-fee-amount", "other-fee-reason-description", "promotion-id",
    "promotion-type", "promotion-amount", "direct-payment-type", "direct-payment-amount",
    "other-amount",
)  # fmt: skip
# Combinations no booking rule knows; they must reach the Klärungskonto, never be dropped.
UNKNOWN_AMOUNTS = (
    ("other-transaction", "other-transaction", "DisposalComplete", Decimal("-4.35")),
    ("other-transaction", "other-transaction", "Liquidations", Decimal("11.20")),
)


@dataclass(frozen=True)
class Line:
    transaction_type: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted: datetime
    order_id: str = ""
    adjustment_id: str = ""
    shipment_id: str = ""
    fulfillment_id: str = ""
    order_item_code: str = ""
    sku: str = ""
    quantity: int | None = None
    promotion_id: str = ""


@dataclass(frozen=True)
class Settlement:
    period: Period
    settlement_id: str
    deposit_date: datetime
    created: datetime  # when Amazon publishes the report
    lines: tuple[Line, ...]

    @property
    def seller(self) -> Seller:
        return self.period.seller

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


def settlement_id(seed: str, p: Period) -> str:
    return derive_digits(seed, 11, "settlement", *p.key)


def publication(seed: str, p: Period) -> tuple[datetime, datetime]:
    """(created, deposit date): Amazon closes a settlement, publishes the report hours later
    and pays out a few days after the end."""
    rng = random.Random(f"{seed}:publish:{p.key}")
    created = p.end + timedelta(hours=rng.randint(3, 11), seconds=rng.randrange(3600))
    return created, p.end + timedelta(days=rng.randint(1, 3))


def _order_lines(order, refund=None) -> list[Line]:
    sign = Decimal(-1) if refund else Decimal(1)
    transaction_type = "Refund" if refund else "Order"
    lines = []
    for item in refund.items if refund else order.items:
        common = dict(
            transaction_type=transaction_type,
            posted=refund.posted if refund else order.posted,
            order_id=order.order_id,
            adjustment_id=refund.adjustment_id if refund else "",
            shipment_id="" if refund else order.shipment_id,
            fulfillment_id=order.fulfillment,
            order_item_code=item.order_item_code,
            sku=item.product.sku,
            quantity=item.quantity,
        )
        lines.append(
            Line(
                amount_type="ItemPrice",
                amount_description="Principal",
                amount=sign * item.principal,
                **common,
            )
        )
        if item.shipping:
            lines.append(
                Line(
                    amount_type="ItemPrice",
                    amount_description="Shipping",
                    amount=sign * item.shipping,
                    **common,
                )
            )
        if order.tax_scheme[1] == "MARKETPLACE":
            vat = split_gross(item.gross, order.marketplace.vat_rate)[1]
            lines.append(
                Line(
                    amount_type="ItemWithheldTax",
                    amount_description="MarketplaceFacilitatorVAT-Principal",
                    amount=-sign * vat,
                    **common,
                )
            )
        if item.promotion:
            lines.append(
                Line(
                    amount_type="Promotion",
                    amount_description="Principal",
                    amount=sign * item.promotion,
                    promotion_id=item.promotion_id,
                    **common,
                )
            )
        lines.append(
            Line(
                amount_type="ItemFees",
                amount_description="Commission",
                amount=sign * item.commission,
                **common,
            )
        )
        if refund:
            refund_commission = max(money(item.commission * Decimal("0.2")), Decimal("-5.00"))
            lines.append(
                Line(
                    amount_type="ItemFees",
                    amount_description="RefundCommission",
                    amount=refund_commission,
                    **common,
                )
            )
        elif item.fba_fee:
            lines.append(
                Line(
                    amount_type="ItemFees",
                    amount_description="FBAPerUnitFulfillmentFee",
                    amount=item.fba_fee,
                    **common,
                )
            )
    return lines


def reserve(seed: str, p: Period) -> Decimal:
    """The reserve Amazon holds back at the end of period `p`."""
    return money(Decimal(random.Random(f"{seed}:reserve:{p.key}").uniform(40, 180)))


def build_settlement(seed: str, p: Period, first_index: int) -> Settlement:
    profile = p.seller.profile
    rng = random.Random(f"{seed}:settlement:{p.key}")
    lines: list[Line] = []
    for order in orders(seed, p):
        lines += _order_lines(order)
    for refund in refunds(seed, p, first_index):
        lines += _order_lines(refund.order, refund)

    def at(fraction: float) -> datetime:
        return (p.start + (p.end - p.start) * fraction).replace(microsecond=0)

    def other(
        amount_type: str,
        description: str,
        amount: Decimal,
        when: datetime,
        transaction_type: str = "other-transaction",
    ) -> None:
        lines.append(Line(transaction_type, amount_type, description, amount, when))

    home = p.marketplace.country == profile.countries[0]
    factor = Decimal(1) if p.marketplace.currency == "EUR" else Decimal(4)
    if home and p.index % 2 == 0:
        other("other-transaction", "Subscription Fee", -Decimal("39.00") * factor, at(0.02))
    if profile.fulfillment == "AFN" and p.index % 2 == 1:
        other("other-transaction", "Storage Fee", -money(Decimal(rng.uniform(3, 25))), at(0.5))
    if profile.fulfillment == "AFN" and rng.random() < 0.25:
        other(
            "FBA Inventory Reimbursement",
            "WAREHOUSE_DAMAGE",
            money(Decimal(rng.uniform(5, 30))),
            at(0.6),
        )
    if rng.random() < 0.7:
        other(
            "Cost of Advertising",
            "TransactionTotalAmount",
            -money(Decimal(rng.uniform(8, 60))),
            at(0.9),
            transaction_type="ServiceFee",
        )
    if profile.reserves and home:
        if p.index > first_index:
            previous = Period(
                p.seller, p.marketplace, p.index - 1, p.start - (p.end - p.start), p.start
            )
            other(
                "other-transaction",
                "Previous Reserve Amount Balance",
                reserve(seed, previous),
                at(0),
            )
        other("other-transaction", "Current Reserve Amount", -reserve(seed, p), at(0.999))
    if profile.unknown_amounts and p.index % 5 == 1:
        kind, amount_type, description, amount = UNKNOWN_AMOUNTS[p.index % 2]
        other(amount_type, description, amount, at(0.7), transaction_type=kind)
    total = sum((line.amount for line in lines), Decimal(0))
    if profile.negative_settlement and home and p.index % 6 == 3 and total >= 0:
        # A big advertising invoice makes this payout negative: Amazon debits the seller.
        other(
            "Cost of Advertising",
            "TransactionTotalAmount",
            -(total + money(Decimal(rng.uniform(15, 90)))),
            at(0.95),
            transaction_type="ServiceFee",
        )
    created, deposit = publication(seed, p)
    return Settlement(
        p,
        settlement_id(seed, p),
        deposit,
        created,
        tuple(sorted(lines, key=lambda line: line.posted)),
    )


def format_datetime(value: datetime, style: str) -> str:
    if style == "german":
        return value.strftime("%d.%m.%Y %H:%M:%S UTC")
    if style == "utc":
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def format_date(value: datetime, style: str) -> str:
    return value.strftime("%d.%m.%Y" if style == "german" else "%Y-%m-%d")


def format_amount(value: Decimal, decimal_comma: bool) -> str:
    text = f"{value:.2f}"
    return text.replace(".", ",") if decimal_comma else text


def render(settlement: Settlement) -> str:
    """The flat file as text (the caller encodes it); summary row first."""
    profile = settlement.seller.profile
    style, comma = profile.date_style, profile.decimal_comma
    columns = COLUMNS if profile.promotion_column else COLUMNS[:-1]
    p = settlement.period
    summary = {
        "settlement-id": settlement.settlement_id,
        "settlement-start-date": format_datetime(p.start, style),
        "settlement-end-date": format_datetime(p.end, style),
        "deposit-date": format_datetime(settlement.deposit_date, style),
        "total-amount": format_amount(settlement.total, comma),
        "currency": p.marketplace.currency,
    }
    rows = [summary]
    for line in settlement.lines:
        rows.append(
            {
                "settlement-id": settlement.settlement_id,
                "transaction-type": line.transaction_type,
                "order-id": line.order_id,
                "adjustment-id": line.adjustment_id,
                "shipment-id": line.shipment_id,
                "marketplace-name": p.marketplace.name,
                "amount-type": line.amount_type,
                "amount-description": line.amount_description,
                "amount": format_amount(line.amount, comma),
                "fulfillment-id": line.fulfillment_id,
                "posted-date": format_date(line.posted, style),
                "posted-date-time": format_datetime(line.posted, style),
                "order-item-code": line.order_item_code,
                "sku": line.sku,
                "quantity-purchased": "" if line.quantity is None else str(line.quantity),
                "promotion-id": line.promotion_id,
            }
        )
    newline = "\r\n" if profile.crlf else "\n"
    out = ["\t".join(columns)]
    out += ["\t".join(row.get(column, "") for column in columns) for row in rows]
    return newline.join(out) + newline


def _v1_amount(line: Line, amount: str) -> dict[str, str]:
    """Where V1 puts one amount; amounts without an order go to other-amount under a
    transaction-type named after them, as in Amazon's V1 files."""
    if line.amount_type == "ItemPrice":
        return {"price-type": line.amount_description, "price-amount": amount}
    if line.amount_type == "Promotion":
        return {
            "promotion-type": line.amount_description,
            "promotion-amount": amount,
            "promotion-id": line.promotion_id,
        }
    if line.amount_type in ("ItemFees", "ItemWithheldTax"):
        return {"item-related-fee-type": line.amount_description, "item-related-fee-amount": amount}
    if line.transaction_type == "ServiceFee":
        return {"item-related-fee-type": line.amount_type, "item-related-fee-amount": amount}
    return {"transaction-type": line.amount_description, "other-amount": amount}


def render_v1(settlement: Settlement) -> str:
    """The same settlement as a V1 flat file; quantities on a row of their own."""
    profile = settlement.seller.profile
    style, comma = profile.date_style, profile.decimal_comma
    p = settlement.period
    rows = [
        {
            "settlement-id": settlement.settlement_id,
            "settlement-start-date": format_datetime(p.start, style),
            "settlement-end-date": format_datetime(p.end, style),
            "deposit-date": format_datetime(settlement.deposit_date, style),
            "total-amount": format_amount(settlement.total, comma),
            "currency": p.marketplace.currency,
        }
    ]
    counted = set()
    for line in settlement.lines:
        row = {
            "settlement-id": settlement.settlement_id,
            "transaction-type": line.transaction_type,
            "order-id": line.order_id,
            "merchant-order-id": line.order_id,
            "adjustment-id": line.adjustment_id,
            "shipment-id": line.shipment_id,
            "marketplace-name": p.marketplace.name,
            "fulfillment-id": line.fulfillment_id,
            "posted-date": format_datetime(line.posted, style),
            "order-item-code": line.order_item_code,
            "sku": line.sku,
        }
        if line.transaction_type == "Order" and line.order_item_code not in counted:
            counted.add(line.order_item_code)
            rows.append({**row, "quantity-purchased": str(line.quantity)})
        rows.append({**row, **_v1_amount(line, format_amount(line.amount, comma))})
    newline = "\r\n" if profile.crlf else "\n"
    out = ["\t".join(V1_COLUMNS)]
    out += ["\t".join(row.get(column, "") for column in V1_COLUMNS) for row in rows]
    return newline.join(out) + newline
