"""Generate, write and validate a booking batch in one call: what the web app and the CLI use.

    result = export_report(report, rule_book, settings, out_dir)  # a parsed Payout or Order
    result.files        # [WrittenFile(path, period, part, bookings)], every one validated
    result.totals       # bookings, unmatched (needs rules), balances per account

`rule_book` is `datev.rules.default_rule_book(chart)` or a client's rules from the database
(`models.booking_rules.load_rule_book`). `export_settlement` and `export_vat_report` take the
records themselves, for callers that stream them from elsewhere (stored transactions).

Files that fail validation are removed and ExtfValidationError is raised: nothing invalid is
ever offered for download.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from datev.bookings import BatchTotals, Booking
from datev.currency import EcbRates
from datev.extf_validator import ExtfValidationError
from datev.extf_writer import WrittenFile, write_batch
from datev.granularity import Granularity
from datev.order_bookings import vat_report_bookings
from datev.payout_bookings import PayoutLine, settlement_bookings
from datev.rules import RuleBook
from datev.settings import BatchSettings
from parsers import OrderReport, PayoutReport
from parsers.records import SettlementSummary, VatTransaction


@dataclass
class ExportResult:
    files: list[WrittenFile]
    totals: BatchTotals
    clearing_accounts: tuple[str, ...] = ()

    @property
    def needs_rules(self) -> bool:
        return self.totals.needs_rules

    def summary(self) -> dict:
        """JSON-ready: files with bookings and period, clearing balances, unmatched amounts."""
        return {
            "files": [
                {
                    "path": str(f.path),
                    "bookings": f.bookings,
                    "period": [f.period.start.isoformat(), f.period.end.isoformat()],
                }
                for f in self.files
            ],
            "bookings": self.totals.bookings,
            "clearing_balance": {
                account: f"{self.totals.balances.get(account, 0):.2f}"
                for account in self.clearing_accounts
            },
            "unmatched": self.totals.unmatched,
            "unmatched_keys": sorted(" / ".join(k) for k in self.totals.unmatched_keys),
            "notes": sorted(self.totals.notes),
        }


def write_validated(
    bookings: Iterable[Booking],
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    name: str,
    title: str,
    created_at: datetime | None = None,
) -> list[WrittenFile]:
    files = write_batch(bookings, settings, out_dir, name=name, title=title, created_at=created_at)
    for written in files:
        result = written.validation  # checked while it was written
        assert result is not None
        if not result.ok:
            for other in files:
                other.path.unlink(missing_ok=True)
            raise ExtfValidationError(written.path, result)
    return files


def export_settlement(
    summary: SettlementSummary,
    lines: Iterable[PayoutLine],
    rule_book: RuleBook,
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    marketplace: str | None = None,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    order_days: Mapping[str, date] | None = None,
    created_at: datetime | None = None,
) -> ExportResult:
    """`order_days` (order id -> the day its Order batch booked it) lets a foreign-currency
    settlement clear each order on the Sammeldebitor at that day's rate."""
    rules = rule_book.for_marketplace(marketplace)
    totals = BatchTotals()
    bookings = settlement_bookings(
        summary,
        lines,
        rules,
        granularity=granularity,
        rates=rates,
        totals=totals,
        order_days=order_days,
    )
    files = write_validated(
        bookings,
        settings,
        out_dir,
        name=f"Amazon_Payout_{summary.settlement_id}",
        title=f"Amazon Payout {summary.settlement_id}",
        created_at=created_at,
    )
    return ExportResult(files, totals, (rules.clearing_account,))


def export_vat_report(
    rows: Iterable[VatTransaction],
    rule_book: RuleBook,
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    name: str,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    created_at: datetime | None = None,
) -> ExportResult:
    totals = BatchTotals()
    bookings = vat_report_bookings(
        rows, rule_book, granularity=granularity, rates=rates, totals=totals
    )
    files = write_validated(
        bookings,
        settings,
        out_dir,
        name=f"Amazon_Order_{name}",
        title=f"Amazon Order {name}",
        created_at=created_at,
    )
    return ExportResult(files, totals)


def export_report(
    report: PayoutReport | OrderReport,
    rule_book: RuleBook,
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    order_days: Mapping[str, date] | None = None,
    created_at: datetime | None = None,
) -> ExportResult:
    """The validated batch of one parsed report: a settlement books against the clearing account
    of its marketplace, a VAT report books revenue per order on the Sammeldebitor."""
    if isinstance(report, PayoutReport):
        return export_settlement(
            report.summary,
            report.lines(),
            rule_book,
            settings,
            out_dir,
            marketplace=report.marketplaces[0] if report.marketplaces else None,
            granularity=granularity,
            rates=rates,
            order_days=order_days,
            created_at=created_at,
        )
    return export_vat_report(
        report.rows(),
        rule_book,
        settings,
        out_dir,
        name=vat_report_name(report),
        granularity=granularity,
        rates=rates,
        created_at=created_at,
    )


def vat_report_name(report: OrderReport) -> str:
    """The file name part of a VAT report's batch: its activity periods and a hash prefix, so
    two different reports of one month never overwrite each other's files."""
    return "_".join([*report.activity_periods, report.sha256[:8]])


def order_days_of(rows: Iterable[VatTransaction]) -> dict[str, date]:
    """The day the Order batch books each sale (TRANSACTION_COMPLETE_DATE), by order id: what a
    settlement needs to clear the Sammeldebitor at the rate the order was booked at."""
    days: dict[str, date] = {}
    for tx in rows:
        day = tx.transaction_complete_date or tx.tax_calculation_date
        if tx.transaction_type.upper() == "SALE" and tx.transaction_event_id and day:
            days.setdefault(tx.transaction_event_id, day)
    return days
