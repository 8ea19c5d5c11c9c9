"""Builders of Amazon report files in every variant the parsers must read.

The real samples in tests/fixtures/amazon are converted here into the variants
Amazon and spreadsheet programs produce (V2 layout, CSV, semicolons, Windows-1252,
UTF-16, CRLF, German dates and decimals, the 2021 VAT layout), so that every
variant test starts from real data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "amazon"
V1_SAMPLE = FIXTURES / "settlement-v1-amazon-ca-24288684721.txt"
VAT_SAMPLE = FIXTURES / "vat-transactions-2020-02-de-seller.txt"
VAT_TESTCOMPANY = FIXTURES / "vat-transactions-testcompany-de.txt"
# What `reports inspect --json` (and PayoutReport.to_json) must say about the V1 sample.
V1_SAMPLE_JSON = {
    "kind": "payout",
    "format": "settlement-v1",
    "settlement_id": "24288684721",
    "currency": "CAD",
    "start": "2025-08-14T22:07:18+00:00",
    "end": "2025-08-28T22:07:19+00:00",
    "deposit_date": "2025-08-30T22:07:19+00:00",
    "total_amount": "1016.08",
    "sum_of_amounts": "1016.08",
    "reconciled": True,
    "lines": 153,
    "marketplaces": ["Amazon.ca", "Non-Amazon CA"],
}

V2_HEADER = [
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
]


@dataclass(frozen=True)
class Variant:
    """How a file is written: separator, quoting, encoding, line ends, dates, decimals."""

    delimiter: str = "\t"
    quoted: bool = False
    encoding: str = "utf-8"  # utf-8, utf-8-sig, cp1252, utf-16
    newline: str = "\n"
    dates: str = "iso"  # iso, utc (2023-01-05 07:13:19 UTC), de (05.01.2023 07:13:19 UTC)
    decimal: str = "."  # ".", "," or "1.234,56"
    trailing_newline: bool = True

    def amount(self, value: Decimal) -> str:
        text = f"{value:.2f}"
        if self.decimal == ".":
            return text
        sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, cents = digits.split(".")
        if self.decimal == "1.234,56":
            whole = f"{int(whole):,}".replace(",", ".")
        return f"{sign}{whole},{cents}"

    def instant(self, value: datetime) -> str:
        if self.dates == "iso":
            return value.isoformat()
        if self.dates == "utc":
            return value.strftime("%Y-%m-%d %H:%M:%S UTC")
        return value.strftime("%d.%m.%Y %H:%M:%S UTC")

    def day(self, value: datetime) -> str:
        return value.strftime("%Y-%m-%d" if self.dates != "de" else "%d.%m.%Y")

    def render(self, rows: list[list[str]]) -> bytes:
        out = io.StringIO()
        if self.quoted or self.delimiter != "\t":
            writer = csv.writer(
                out,
                delimiter=self.delimiter,
                lineterminator=self.newline,
                quoting=csv.QUOTE_ALL if self.quoted else csv.QUOTE_MINIMAL,
            )
            writer.writerows(rows)
            text = out.getvalue()
        else:
            text = "".join(self.delimiter.join(r) + self.newline for r in rows)
        if not self.trailing_newline:
            text = text.removesuffix(self.newline)
        return text.encode(self.encoding)


@dataclass(frozen=True)
class Line:
    """One amount of a generated settlement."""

    amount: Decimal
    transaction_type: str = "Order"
    order_id: str = "302-1234567-7654321"
    amount_type: str = "ItemPrice"
    amount_description: str = "Principal"
    marketplace: str = "Amazon.de"
    posted: datetime = datetime(2023, 1, 5, 7, 13, 19, tzinfo=UTC)
    sku: str = "SKU-1"
    quantity: int | None = 1


@dataclass(frozen=True)
class Settlement:
    settlement_id: str = "11223344556"
    start: datetime = datetime(2023, 1, 1, 7, 0, 0, tzinfo=UTC)
    end: datetime = datetime(2023, 1, 15, 7, 0, 0, tzinfo=UTC)
    deposit: datetime = datetime(2023, 1, 17, 7, 0, 0, tzinfo=UTC)
    currency: str = "EUR"
    lines: tuple[Line, ...] = field(default_factory=tuple)
    total: Decimal | None = None  # default: the sum of the lines

    @property
    def total_amount(self) -> Decimal:
        return sum((x.amount for x in self.lines), Decimal(0)) if self.total is None else self.total


def settlement_v2_rows(s: Settlement, v: Variant = Variant()) -> list[list[str]]:
    rows = [list(V2_HEADER)]
    summary = [""] * len(V2_HEADER)
    summary[0:6] = [
        s.settlement_id,
        v.instant(s.start),
        v.instant(s.end),
        v.instant(s.deposit),
        v.amount(s.total_amount),
        s.currency,
    ]
    rows.append(summary)
    for x in s.lines:
        row = dict.fromkeys(V2_HEADER, "")
        row.update(
            {
                "settlement-id": s.settlement_id,
                "transaction-type": x.transaction_type,
                "order-id": x.order_id,
                "merchant-order-id": x.order_id,
                "shipment-id": "D1234",
                "marketplace-name": x.marketplace,
                "amount-type": x.amount_type,
                "amount-description": x.amount_description,
                "amount": v.amount(x.amount),
                "fulfillment-id": "AFN",
                "posted-date": v.day(x.posted),
                "posted-date-time": v.instant(x.posted),
                "order-item-code": "12345678901234",
                "sku": x.sku,
                "quantity-purchased": "" if x.quantity is None else str(x.quantity),
            }
        )
        rows.append(list(row.values()))
    return rows


def settlement_v2(s: Settlement, v: Variant = Variant()) -> bytes:
    return v.render(settlement_v2_rows(s, v))


def read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def v1_sample_as_v2() -> Settlement:
    """The real V1 sample written as a V2 file: one row per filled amount cell."""
    rows = read_rows(V1_SAMPLE)
    header = rows[0]
    summary = dict(zip(header, rows[1], strict=True))
    lines = []
    for cells in rows[2:]:
        if not cells:
            continue
        r = dict(zip(header, cells, strict=True))
        for desc, amount in (
            ("price-type", "price-amount"),
            ("item-related-fee-type", "item-related-fee-amount"),
            ("shipment-fee-type", "shipment-fee-amount"),
            ("promotion-type", "promotion-amount"),
            ("other-fee-reason-description", "other-fee-amount"),
            ("transaction-type", "other-amount"),
        ):
            if r[amount].strip():
                lines.append(
                    Line(
                        amount=Decimal(r[amount].strip()),
                        transaction_type=r["transaction-type"],
                        order_id=r["order-id"],
                        amount_type=amount,
                        amount_description=r[desc],
                        marketplace=r["marketplace-name"],
                        posted=datetime.fromisoformat(r["posted-date"]),
                        sku=r["sku"],
                        quantity=int(r["quantity-purchased"]) if r["quantity-purchased"] else None,
                    )
                )
    return Settlement(
        settlement_id=summary["settlement-id"],
        start=datetime.fromisoformat(summary["settlement-start-date"]),
        end=datetime.fromisoformat(summary["settlement-end-date"]),
        deposit=datetime.fromisoformat(summary["deposit-date"]),
        currency=summary["currency"],
        lines=tuple(lines),
        total=Decimal(summary["total-amount"]),
    )


def vat_rows(path: Path = VAT_SAMPLE) -> list[list[str]]:
    return read_rows(path)


def vat_2021_layout(rows: list[list[str]]) -> list[list[str]]:
    """The 92-column rows in today's layout: PROGRAM_TYPE as column 5, two columns appended."""
    out = []
    for i, row in enumerate(rows):
        if i == 0:
            extra = ("PROGRAM_TYPE", "TAX_REPORTING_SCHEME", "TAX_COLLECTION_RESPONSIBILITY")
        elif row[4] in ("SALE", "REFUND"):
            extra = ("REGULAR", "UNION-OSS" if row[67] != row[66] else "REGULAR", "SELLER")
        else:
            extra = ("REGULAR", "", "")
        out.append([*row[:4], extra[0], *row[4:], extra[1], extra[2]])
    return out


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
