"""A report and its transactions into the database, inside the caller's unit of work.

The transactions are inserted in chunks as the records stream in, so memory stays flat for a
report of any size; the caller commits (or rolls back on the first error, leaving no trace).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from models import db
from models.booking_rules import Integration
from models.report import Report, StoredFile
from models.transaction import (
    SettlementLineRow,
    VatTransactionRow,
    dump_rate_parts,
    parse_rate_parts,
)
from parsers import OrderReport, PayoutReport
from parsers.records import SettlementLine, VatTransaction

CHUNK_ROWS = 5000
MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}

Progress = Callable[[int], None]  # called with the count of records stored so far


def new_report(
    client_id: int,
    parsed: PayoutReport | OrderReport,
    stored: StoredFile,
    *,
    source: str,
    user_id: int | None,
) -> Report:
    """The Report row of a parsed report (added, not flushed); the caller stores its rows."""
    common = {
        "client_id": client_id,
        "source": source,
        "file": stored,
        "sha256": stored.sha256,
        "format": parsed.format,
        "imported_by_id": user_id,
        "marketplaces": ",".join(parsed.marketplaces)[:500],
    }
    if isinstance(parsed, PayoutReport):
        s = parsed.summary
        report = Report(
            integration=Integration.PAYOUT.value,
            settlement_id=s.settlement_id,
            # The booking engine reads the end as a day (`summary.end.date()`): keep that day.
            period_start=s.start.date(),
            period_end=s.end.date(),
            deposit_date=s.deposit_date,
            currency=s.currency,
            total=s.total_amount,
            transaction_count=parsed.line_count,
            reconciled=parsed.reconciled,
            **common,
        )
    else:
        start, end = month_range(parsed.activity_periods)
        report = Report(
            integration=Integration.ORDER.value,
            activity_period=activity_period_of(parsed),
            period_start=start,
            period_end=end,
            currency=parsed.currencies[0] if len(parsed.currencies) == 1 else "",
            total=order_total(parsed),
            transaction_count=parsed.row_count,
            reconciled=True,
            **common,
        )
    db.session.add(report)
    return report


def activity_period_of(parsed: OrderReport) -> str:
    """The month a VAT report claims ("2025-APR"); several months joined (a rare export)."""
    return ",".join(parsed.activity_periods)[:30]


def month_range(periods: list[str]) -> tuple[date, date]:
    """First and last day of the activity periods ("2025-APR"); today's month if none parse."""
    months = sorted(filter(None, (_month(p) for p in periods)))
    if not months:
        today = datetime.now(UTC).date()
        months = [(today.year, today.month)]
    (y1, m1), (y2, m2) = months[0], months[-1]
    return date(y1, m1, 1), date(y2, m2, calendar.monthrange(y2, m2)[1])


def _month(period: str) -> tuple[int, int] | None:
    year, _, month = period.strip().partition("-")
    if year.isdigit() and month.upper() in MONTHS:
        return int(year), MONTHS[month.upper()]
    return None


def order_total(parsed: OrderReport) -> Decimal | None:
    """Sales plus refunds (gross) of a single-currency VAT report; None with several."""
    if len(parsed.totals) != 1:
        return None
    [by_type] = parsed.totals.values()
    return sum(by_type.values(), Decimal(0))


def store_lines(
    report_id: int, lines: Iterable[SettlementLine], progress: Progress | None = None
) -> int:
    fields = SettlementLine._fields
    return _insert(
        SettlementLineRow.__table__,
        (
            {"report_id": report_id, "position": position, **dict(zip(fields, line, strict=True))}
            for position, line in enumerate(lines, 1)
        ),
        progress,
    )


def store_vat_rows(
    report_id: int, rows: Iterable[VatTransaction], progress: Progress | None = None
) -> int:
    fields = VatTransaction._fields
    return _insert(
        VatTransactionRow.__table__,
        (
            {
                "report_id": report_id,
                "position": position,
                **dict(zip(fields, row, strict=True)),
                "rate_parts": dump_rate_parts(row.rate_parts),
            }
            for position, row in enumerate(rows, 1)
        ),
        progress,
    )


def _insert(table: sa.Table, rows: Iterable[dict], progress: Progress | None) -> int:
    count = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            db.session.execute(sa.insert(table), chunk)
            count += len(chunk)
            chunk = []
            if progress is not None:
                progress(count)
    if chunk:
        db.session.execute(sa.insert(table), chunk)
        count += len(chunk)
    return count


def stored_lines(report_id: int) -> Iterator[SettlementLine]:
    """The settlement's records in their order, streamed from the database."""
    table = SettlementLineRow.__table__
    make = SettlementLine._make
    for row in _stream(table, SettlementLine._fields, report_id):
        yield make(row)


def stored_vat_rows(report_id: int) -> Iterator[VatTransaction]:
    table = VatTransactionRow.__table__
    fields = VatTransaction._fields
    make = VatTransaction._make
    last = len(fields) - 1  # rate_parts, stored as JSON text
    assert fields[last] == "rate_parts"
    for row in _stream(table, fields, report_id):
        values = list(row)
        values[last] = parse_rate_parts(values[last])
        yield make(values)


def _stream(table: sa.Table, fields: tuple[str, ...], report_id: int) -> Iterator[sa.Row]:
    # Core rows, not ORM objects: a rebuild of 200,000 lines would spend most of its time in
    # the identity map otherwise.
    query = (
        sa.select(*(table.c[name] for name in fields))
        .where(table.c.report_id == report_id)
        .order_by(table.c.position)
        .execution_options(yield_per=CHUNK_ROWS)
    )
    yield from db.session.execute(query)
