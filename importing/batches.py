"""Booking batches of imported reports, built from the stored transactions, never the file.

A build writes the EXTF files through `datev.export` (the same code as `flask datev convert`)
into a temporary folder, validates them there and keeps them as BatchFile rows: web and worker
share no disk. Every build adds a version; the earlier ones stay (GoBD).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from datev.accounts import default_accounts
from datev.bookings import BASE_CURRENCY
from datev.currency import EcbRates
from datev.export import ExportResult, export_settlement, export_vat_report
from datev.extf_format import ENCODING, Col
from datev.extf_writer import WrittenFile
from datev.granularity import Granularity
from datev.rules import RuleBook
from datev.transfers import TRANSFER_TYPE, export_transfers
from importing.store import StoringStream, stored_booked_lines, stored_vat_rows
from models import db
from models.batch import Batch, BatchFile
from models.booking_rules import Integration, load_rule_book
from models.client import Client
from models.client_master_data import own_vat_ids_of, sku_costs_of
from models.integration import ClientIntegration
from models.report import Report
from models.transaction import SettlementLineRow, VatTransactionRow
from parsers.records import SettlementSummary, VatTransaction

ZIP_MIMETYPE = "application/zip"
CONTENT_CHUNK = 1 << 20
# PostgreSQL's binary COPY: signature, flags, header extension length.
_PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
CSV_MIMETYPE = "text/csv"


def rules_fingerprint(
    rule_book: RuleBook, granularity: Granularity, excluded: Iterable[str] = ()
) -> str:
    """A hash of everything that can change a booking: the rule book (the pure rule objects
    carry no ids or timestamps, so equal rules give equal fingerprints), the granularity and the
    marketplaces an Amazon Order integration excludes."""
    options = f"{granularity.value}|{sorted(m.casefold() for m in excluded)}"
    return hashlib.sha256(f"{options}|{rule_book!r}".encode()).hexdigest()


def current_fingerprint(client_id: int, integration: Integration) -> str:
    setup = _integration(client_id, integration)
    return rules_fingerprint(
        load_rule_book(client_id, integration),
        Granularity(setup.granularity),
        excluded_marketplaces(setup),
    )


def excluded_marketplaces(setup: ClientIntegration) -> list[str]:
    """The marketplaces whose revenue an Amazon Order integration leaves out ("Erweiterte
    Einstellungen"); Amazon Payout lists the marketplaces it uses instead."""
    if setup.integration != Integration.ORDER:
        return []
    return [m.marketplace for m in setup.marketplaces if m.excluded]


def _without_excluded(
    rows: Iterable[VatTransaction], excluded: list[str], left_out: Counter
) -> Iterator[VatTransaction]:
    """The rows of the marketplaces the integration imports; stock movements (marketplace N/A)
    are never left out. Counts what it leaves out per marketplace."""
    names = {m.casefold() for m in excluded}
    for tx in rows:
        if names and tx.marketplace.casefold() in names:
            left_out[tx.marketplace] += 1
            continue
        yield tx


def build_batch(report: Report, *, user_id: int | None = None) -> Batch:
    """A new batch version of `report` from its stored transactions, with the client's current
    rules, settings and ECB rates; added and flushed, not committed."""
    return _build(report, None, user_id)


def streams_into_batch(report: Report) -> bool:
    """Whether the import can book the records while it stores them: every report but a
    foreign-currency settlement, whose bookings need the order days of its stored orders."""
    return report.integration != Integration.PAYOUT.value or report.currency == BASE_CURRENCY


def build_batch_while_storing(
    report: Report, records: StoringStream, *, user_id: int | None = None
) -> Batch:
    """The first batch of an import, from the records on their way into the database: what
    `build_batch` builds from the stored rows (the same records), without reading them back."""
    assert streams_into_batch(report)
    return _build(report, records, user_id)


def _build(report: Report, records: StoringStream | None, user_id: int | None) -> Batch:
    client = db.session.get(Client, report.client_id)
    assert client is not None  # the report's foreign key
    integration = Integration(report.integration)
    setup = _integration(client.id, integration)
    rule_book = load_rule_book(client.id, integration)
    settings = client.batch_settings()
    granularity = Granularity(setup.granularity)
    excluded = excluded_marketplaces(setup)
    rates = ecb_rates()
    summary: dict
    with tempfile.TemporaryDirectory(prefix="kontor-batch-") as folder:
        out_dir = Path(folder)
        if integration == Integration.PAYOUT:
            result = export_settlement(
                settlement_summary(report),
                records if records is not None else stored_booked_lines(report.id),
                rule_book,
                settings,
                out_dir,
                marketplace=report.marketplace_list[0] if report.marketplace_list else None,
                granularity=granularity,
                rates=rates,
                order_days=order_days_of_settlement(report),
            )
            files = list(result.files)
            summary = _summary(result, unmatched_sums(report, rule_book, result))
        else:
            name = vat_report_name(report)
            left_out: Counter = Counter()
            result = export_vat_report(
                _without_excluded(
                    records if records is not None else stored_vat_rows(report.id),
                    excluded,
                    left_out,
                ),
                rule_book,
                settings,
                out_dir,
                name=name,
                granularity=granularity,
                rates=rates,
            )
            files = list(result.files)
            summary = _summary(result, {})
            if left_out:
                summary["excluded_marketplaces"] = dict(sorted(left_out.items()))
            # Only the FC_TRANSFER rows (a few) are read back: the others book no transfer.
            transfer_rows = list(stored_vat_rows(report.id, transaction_type=TRANSFER_TYPE))
            if transfer_rows:
                transfers = export_transfers(
                    transfer_rows,
                    default_accounts(settings.chart, settings.account_length),
                    sku_costs_of(client.id),
                    own_vat_ids_of(client.id),
                    settings,
                    out_dir,
                    name=name,
                )
                files += transfers.files
                part = transfers.summary()
                summary["bookings"] += part["bookings"]
                summary["transfers"] = {
                    "booked": part["booked"],
                    "unvalued": part["unvalued"],
                    "unbooked": part["unbooked"],
                }
        version = (
            db.session.scalar(
                sa.select(sa.func.max(Batch.version)).where(Batch.report_id == report.id)
            )
            or 0
        ) + 1
        batch = Batch(
            report_id=report.id,
            version=version,
            bookings=summary["bookings"],
            unmatched=result.totals.unmatched,
            summary=json.dumps(summary, ensure_ascii=False, sort_keys=True),
            rules_fingerprint=rules_fingerprint(rule_book, granularity, excluded),
            created_by_id=user_id,
            files=[_batch_file(written) for written in files],
        )
        db.session.add(batch)
        db.session.flush()
        for row, written in zip(batch.files, files, strict=True):
            _store_content(row, written.path)
    return batch


def _batch_file(written: WrittenFile) -> BatchFile:
    """The row of a written file; its content follows in `_store_content`."""
    digest = hashlib.sha256()
    with written.path.open("rb") as stream:
        while chunk := stream.read(CONTENT_CHUNK):
            digest.update(chunk)
    return BatchFile(
        name=written.path.name,
        period_start=written.period.start,
        period_end=written.period.end,
        bookings=written.bookings,
        content=b"",
        sha256=digest.hexdigest(),
    )


def _store_content(row: BatchFile, path: Path) -> None:
    """The file's bytes into the flushed row, a chunk at a time, on the session's connection.

    A batch of 200,000 bookings is 80 MB and more; through the ORM it would be held several
    times over (the bytes, the driver's copy of the parameter, SQLite's record). SQLite writes
    into a blob of the file's size in place (content is the row's last column, or SQLite would
    build the value in memory anyway); PostgreSQL takes it through COPY.
    """
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None
    with path.open("rb") as stream:
        if connection.dialect.name == "sqlite":
            size = path.stat().st_size
            raw.execute("UPDATE batch_files SET content = zeroblob(?) WHERE id = ?", (size, row.id))
            with raw.blobopen("batch_files", "content", row.id) as blob:
                while chunk := stream.read(CONTENT_CHUNK):
                    blob.write(chunk)
        else:
            cursor = raw.cursor()
            try:
                # COPY streams the value into a scratch row (binary format: a header, one row
                # of one field of the file's size, the bytes as they are, the trailer); one
                # UPDATE then stores (and TOAST compresses) it once. Appending chunks to the
                # row itself would rewrite the growing value each time.
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS kontor_batch_content (content bytea) "
                    "ON COMMIT DROP"
                )
                copy_in = "COPY kontor_batch_content (content) FROM STDIN (FORMAT BINARY)"
                with cursor.copy(copy_in) as copy:
                    size = path.stat().st_size
                    copy.write(_PGCOPY_HEADER + struct.pack("!hi", 1, size))
                    while chunk := stream.read(CONTENT_CHUNK):
                        copy.write(chunk)
                    copy.write(struct.pack("!h", -1))
                cursor.execute(
                    "UPDATE batch_files SET content = (SELECT content FROM kontor_batch_content) "
                    "WHERE id = %s",
                    (row.id,),
                )
                cursor.execute("DELETE FROM kontor_batch_content")
            finally:
                cursor.close()
    db.session.expire(row, ["content"])  # read from the database when asked for


def _summary(result: ExportResult, sums: dict[str, str]) -> dict:
    summary = result.summary()
    # The temporary paths mean nothing afterwards: the file names are the BatchFile names.
    for entry in summary["files"]:
        entry["name"] = Path(entry.pop("path")).name
    summary["unmatched_sums"] = sums
    return summary


def _integration(client_id: int, integration: Integration) -> ClientIntegration:
    row = db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=client_id, kind=integration.value)
    )
    if row is None:  # a client created before the integrations existed
        return ClientIntegration(
            client_id=client_id, kind=integration.value, granularity=Granularity.PER_ORDER.value
        )
    return row


def settlement_summary(report: Report) -> SettlementSummary:
    """The settlement's summary row as the parser gave it, from the report row. The engine
    reads start and end only as days; the stored days are the parser's."""
    assert report.settlement_id is not None and report.total is not None
    return SettlementSummary(
        settlement_id=report.settlement_id,
        start=datetime.combine(report.period_start, time(), UTC),
        end=datetime.combine(report.period_end, time(), UTC),
        deposit_date=report.deposit_date,
        total_amount=report.total,
        currency=report.currency,
    )


def vat_report_name(report: Report) -> str:
    """As `datev.export.vat_report_name`: the activity periods and a hash prefix."""
    periods = [p for p in (report.activity_period or "").split(",") if p]
    return "_".join([*periods, report.sha256[:8]])


def order_days_of_settlement(report: Report) -> dict[str, date] | None:
    """As `datev.export.order_days_of`, over every VAT report the client imported, for the
    orders of this settlement: the day each order's Order booking used, so a foreign-currency
    settlement clears at that rate. None for a EUR settlement, where no rate differs."""
    if report.currency == BASE_CURRENCY:
        return None
    t = VatTransactionRow.__table__
    lines = SettlementLineRow.__table__
    query = (
        sa.select(t.c.transaction_event_id, t.c.transaction_complete_date, t.c.tax_calculation_date)
        .join(Report.__table__, Report.__table__.c.id == t.c.report_id)
        .where(Report.__table__.c.client_id == report.client_id)
        .where(
            t.c.transaction_event_id.in_(
                sa.select(lines.c.order_id).where(lines.c.report_id == report.id).distinct()
            )
        )
        .where(sa.func.upper(t.c.transaction_type) == "SALE")
        .where(t.c.transaction_event_id != "")
        .order_by(Report.__table__.c.period_start, t.c.report_id, t.c.position)
    )
    days: dict[str, date] = {}
    for order_id, complete, calculated in db.session.execute(query):
        day = complete or calculated
        if day:
            days.setdefault(order_id, day)
    return days


def unmatched_sums(report: Report, rule_book: RuleBook, result: ExportResult) -> dict[str, str]:
    """Klärungskonto: the sum per (transaction type, amount type, description) no rule matched.

    Only when there are any (rare), by matching the stored lines again exactly as the engine
    does, so the sums are those of the booked amounts."""
    if not result.totals.unmatched:
        return {}
    rules = rule_book.for_marketplace(
        report.marketplace_list[0] if report.marketplace_list else None
    )
    fallback = report.period_end
    sums: dict[tuple[str, str, str], Decimal] = {}
    for line in stored_booked_lines(report.id):
        if not line.amount:
            continue
        day = line.posted_at.date() if line.posted_at else fallback
        key = (line.transaction_type, line.amount_type, line.amount_description)
        if rules.match_payout(*key, day, line.fulfillment_id) is None:
            sums[key] = sums.get(key, Decimal(0)) + line.amount
    return {" / ".join(key): f"{value:.2f}" for key, value in sorted(sums.items())}


@lru_cache(maxsize=4)
def _rates_from(path: str, mtime: float) -> EcbRates:
    return EcbRates.from_history_file(Path(path))


_PACKAGED = EcbRates()


def ecb_rates() -> EcbRates:
    """The ECB rates the clock keeps current (ECB_RATES_FILE), else the packaged history; one
    loaded history per file version and process (loading takes a moment)."""
    path = Path(current_app.config.get("ECB_RATES_FILE") or "")
    if path.name and path.is_file():
        return _rates_from(str(path), path.stat().st_mtime)
    return _PACKAGED


# --- state -------------------------------------------------------------------------------


def mark_outdated(client_id: int, integration: Integration | str) -> int:
    """Mark the current batches of the integration whose rules differ from the client's rules
    now as outdated ("veraltet"); returns how many changed. Call after saving rules (the
    caller commits)."""
    integration = Integration(integration)
    fingerprint = current_fingerprint(client_id, integration)
    latest = (
        sa.select(Batch.report_id, sa.func.max(Batch.version).label("version"))
        .join(Report, Report.id == Batch.report_id)
        .where(Report.client_id == client_id, Report.integration == integration.value)
        .group_by(Batch.report_id)
        .subquery()
    )
    batches = db.session.scalars(
        sa.select(Batch).join(
            latest, (Batch.report_id == latest.c.report_id) & (Batch.version == latest.c.version)
        )
    ).all()
    changed = 0
    for batch in batches:
        outdated = batch.rules_fingerprint != fingerprint
        if batch.outdated != outdated:
            batch.outdated = outdated
            changed += outdated
    return changed


# --- downloads ---------------------------------------------------------------------------


def batch_download(batch: Batch) -> tuple[str, str, bytes]:
    """(file name, mimetype, bytes): the one EXTF file, or a zip of the parts when split.
    Marks the batch downloaded (the caller commits)."""
    files = batch.files
    if batch.downloaded_at is None:
        batch.downloaded_at = datetime.now(UTC)
    if len(files) == 1:
        return files[0].name, CSV_MIMETYPE, files[0].content
    name = f"{_report_label(batch.report)}_v{batch.version}.zip"
    return name, ZIP_MIMETYPE, _zip((f.name, f.content) for f in files)


def month_download(
    client: Client, integration: Integration | str, year: int, month: int
) -> tuple[str, bytes]:
    """ "Alle Stapel des Monats": the current batch of every report of the integration whose
    period ends in the month, as one zip (the tax advisor's monthly import)."""
    integration = Integration(integration)
    first = date(year, month, 1)
    after = date(year + (month == 12), month % 12 + 1, 1)
    reports = db.session.scalars(
        sa.select(Report)
        .where(
            Report.client_id == client.id,
            Report.integration == integration.value,
            Report.period_end >= first,
            Report.period_end < after,
        )
        .order_by(Report.period_end, Report.id)
    ).all()
    entries = []
    now = datetime.now(UTC)
    for report in reports:
        batch = report.current_batch
        if batch is None:
            continue
        if batch.downloaded_at is None:
            batch.downloaded_at = now
        entries += [(f.name, f.content) for f in batch.files]
    label = "Amazon_Payout" if integration == Integration.PAYOUT else "Amazon_Order"
    return f"{label}_{year:04d}-{month:02d}.zip", _zip(entries)


def _zip(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        seen: set[str] = set()
        for name, content in entries:
            if name in seen:  # two reports' parts of one name: keep both
                name = f"{Path(name).stem}_{len(seen)}{Path(name).suffix}"
            seen.add(name)
            archive.writestr(name, content)
    return buffer.getvalue()


def _report_label(report: Report) -> str:
    if report.integration == Integration.PAYOUT.value:
        return f"Amazon_Payout_{report.settlement_id}"
    return f"Amazon_Order_{vat_report_name(report)}"


# --- diff --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BookingRow:
    """One booking as the EXTF file holds it, with what a diff compares."""

    source: str  # Beleginfo 2: "Abrechnung X Zeile N", "USt-Bericht Zeile N"
    document_no: str  # Belegfeld 1
    text: str  # Buchungstext
    day: str  # Belegdatum TTMM
    amount: Decimal
    side: str
    currency: str
    account: str
    contra_account: str
    tax_key: str
    rule: str  # Beleginfo 1

    @property
    def identity(self) -> tuple[str, str, str]:
        """What stays when a rule changes: where the booking came from (not the Buchungstext,
        which names the rule's label)."""
        return (self.source, self.document_no, self.day)

    @property
    def signed(self) -> Decimal:
        return self.amount if self.side == "S" else -self.amount


@dataclass
class BatchDiff:
    added: list[BookingRow] = field(default_factory=list)
    removed: list[BookingRow] = field(default_factory=list)
    changed: list[tuple[BookingRow, BookingRow]] = field(default_factory=list)  # old, new
    totals: dict[str, tuple[int, int]] = field(default_factory=dict)  # bookings old/new
    balances: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # per account

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def booking_rows(batch: Batch) -> list[BookingRow]:
    rows = []
    for part in batch.files:
        text = part.content.decode(ENCODING)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=";")
        for number, cells in enumerate(reader, 1):
            if number <= 2 or not cells:
                continue  # the EXTF header and the column names
            rows.append(
                BookingRow(
                    source=cells[Col.BELEGINFO_INHALT_2 - 1],
                    document_no=cells[Col.BELEGFELD_1 - 1],
                    text=cells[Col.BUCHUNGSTEXT - 1],
                    day=cells[Col.BELEGDATUM - 1],
                    amount=Decimal(cells[Col.UMSATZ - 1].replace(",", ".")),
                    side=cells[Col.SOLL_HABEN - 1],
                    currency=cells[Col.WKZ_UMSATZ - 1],
                    account=cells[Col.KONTO - 1],
                    contra_account=cells[Col.GEGENKONTO - 1],
                    tax_key=cells[Col.BU_SCHLUESSEL - 1],
                    rule=cells[Col.BELEGINFO_INHALT_1 - 1],
                )
            )
    return rows


def diff_batches(old: Batch, new: Batch) -> BatchDiff:
    """What a rebuild changed: bookings added and removed, and bookings of the same source line
    (same Beleginfo 2, Belegfeld 1 and date) now on another account or tax key."""
    old_rows, new_rows = booking_rows(old), booking_rows(new)
    diff = BatchDiff(totals={"bookings": (len(old_rows), len(new_rows))})
    unmatched_new = Counter(new_rows)
    unmatched_old = Counter(old_rows)
    same = unmatched_old & unmatched_new
    unmatched_old -= same
    unmatched_new -= same
    by_identity: dict[tuple, list[BookingRow]] = {}
    for row in unmatched_new.elements():
        by_identity.setdefault(row.identity, []).append(row)
    for row in unmatched_old.elements():
        candidates = by_identity.get(row.identity)
        partner = _partner(row, candidates) if candidates else None
        if partner is None:
            diff.removed.append(row)
        else:
            candidates.remove(partner)  # type: ignore[union-attr]
            diff.changed.append((row, partner))
    diff.added = [row for rows in by_identity.values() for row in rows]
    diff.balances = _balance_changes(old_rows, new_rows)
    return diff


def _partner(old: BookingRow, candidates: list[BookingRow]) -> BookingRow | None:
    """The new booking of the same source with the same amount (a changed account or key)."""
    for row in candidates:
        if (row.amount, row.side, row.currency) == (old.amount, old.side, old.currency):
            return row
    return None


def _balance_changes(old_rows, new_rows) -> dict[str, tuple[Decimal, Decimal]]:
    def balances(rows) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for row in rows:
            out[row.account] = out.get(row.account, Decimal(0)) + row.signed
            out[row.contra_account] = out.get(row.contra_account, Decimal(0)) - row.signed
        return out

    before, after = balances(old_rows), balances(new_rows)
    return {
        account: (before.get(account, Decimal(0)), after.get(account, Decimal(0)))
        for account in sorted(before.keys() | after.keys())
        if before.get(account, Decimal(0)) != after.get(account, Decimal(0))
    }
