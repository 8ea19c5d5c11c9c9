"""Generate, write and validate a booking batch in one call: what the web app and the CLI use.

    rule_book = rule_store.load_rule_book(client_id, "payout")  # or default_rule_book(chart)
    result = export_settlement(summary, lines, rule_book, settings, out_dir, marketplace=mp)
    result.files        # [WrittenFile(path, period, part, bookings)], every one validated
    result.totals       # bookings, unmatched (needs rules), balances per account

Files that fail validation are removed and ExtfValidationError is raised: nothing invalid is
ever offered for download.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from datev.bookings import BatchTotals, Booking
from datev.currency import EcbRates
from datev.extf_validator import ExtfValidationError, validate_file
from datev.extf_writer import WrittenFile, write_batch
from datev.granularity import Granularity
from datev.order_bookings import vat_report_bookings
from datev.payout_bookings import settlement_bookings
from datev.rules import RuleBook
from datev.settings import BatchSettings
from parsers.records import SettlementLine, SettlementSummary, VatTransaction


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
        result = validate_file(written.path)
        if not result.ok:
            for other in files:
                other.path.unlink(missing_ok=True)
            raise ExtfValidationError(written.path, result)
    return files


def export_settlement(
    summary: SettlementSummary,
    lines: Iterable[SettlementLine],
    rule_book: RuleBook,
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    marketplace: str | None = None,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    created_at: datetime | None = None,
) -> ExportResult:
    rules = rule_book.for_marketplace(marketplace)
    totals = BatchTotals()
    bookings = settlement_bookings(
        summary, lines, rules, granularity=granularity, rates=rates, totals=totals
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
