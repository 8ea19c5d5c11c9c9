"""An uploaded or downloaded report into the database: the quick checks of the request and the
whole import of the job.

    result = check_upload(client, integration, stored)   # header and first row only
    if result is None: enqueue the import                  # else refused, duplicate, conflict
    result = import_file(client, integration, stored, source="upload", user_id=...)

Idempotency rests on the unique constraints of `reports` (one settlement id, one activity
period per client): what the checks miss, a concurrent import included, the insert refuses.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from datev.errors import DatevError
from formatting import datetime_de
from importing.archive import opened
from importing.batches import build_batch, build_batch_while_storing, streams_into_batch
from importing.store import (
    activity_period_of,
    new_report,
    provisional_fields,
    report_fields,
    same_batch_inputs,
    storing_lines,
    storing_vat_rows,
)
from models import db
from models.booking_rules import Integration
from models.client import Client
from models.integration import LABELS, ClientIntegration
from models.report import ImportLogEntry, ImportOutcome, Report, Source, StoredFile
from parsers import (
    OrderReport,
    PayoutReport,
    PayoutStream,
    ReadInTwoPasses,
    ReportError,
    ReportPeek,
    peek_report,
    read_report,
    reading_report,
)

# percent (0-100), what happens now (German, for the job page)
Progress = Callable[[int, str], None]
KIND_NAMES = {
    Integration.PAYOUT: "ein Abrechnungsbericht (Settlement)",
    Integration.ORDER: "ein Umsatzsteuerbericht (VAT Transactions Report)",
}
SOURCE_NAMES = {Source.UPLOAD: "per Upload", Source.API: "über die API"}
# SQLite refuses a second writer ("database is locked") instead of waiting for it like
# PostgreSQL; the import then starts again and finds the report of the winner.
ATTEMPTS = 3


@dataclass
class IntakeResult:
    outcome: ImportOutcome
    report: Report | None
    message: str


def peek_stored(stored: StoredFile) -> ReportPeek:
    """The kind and identity of a stored file from its header and first data row (raises
    ReportError for a file that is no Amazon report)."""
    with opened(stored) as path:
        return peek_report(path, filename=stored.file_name)


def check_upload(
    client: Client,
    integration: Integration | ClientIntegration | str,
    stored: StoredFile,
    *,
    peek: ReportPeek | None = None,
) -> IntakeResult | None:
    """The request's quick checks, from the header and the first data row (`peek`, if the
    caller has read it already).

    None: go on and enqueue the import (nothing is committed; `stored` stays in the session).
    Otherwise refused, duplicate or conflict: the attempt is logged, the stored file dropped,
    and that is committed.
    """
    kind = _integration_of(integration)
    result = _duplicate_of_file(client.id, stored)
    if result is None:
        try:
            peek = peek or peek_stored(stored)
            result = _wrong_kind(kind, peek.kind, stored) or _existing(
                client.id, kind, _identity_of_peek(peek), stored
            )
        except ReportError as exc:
            result = IntakeResult(ImportOutcome.REFUSED, None, str(exc))
    if result is None:
        return None
    _finish_without_import(client.id, kind, stored, result, source=Source.UPLOAD)
    db.session.commit()
    return result


def import_file(
    client: Client,
    integration: Integration | ClientIntegration | str,
    stored: StoredFile,
    *,
    source: Source | str,
    user_id: int | None,
    progress: Progress | None = None,
) -> IntakeResult:
    """The whole import in one unit of work, committed at its end: parse, store the report and
    its transactions, build batch version 1. A refusal leaves no trace but the import_log
    entry (the stored file is deleted). Any other exception rolls back and propagates."""
    kind = _integration_of(integration)
    source = Source(source)
    report_progress = progress or (lambda percent, message: None)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = _import(client, kind, stored, source, user_id, report_progress)
            db.session.commit()
            return result
        except _NotImported as exc:
            db.session.rollback()
            result = exc.result
        except (ReportError, DatevError) as exc:
            db.session.rollback()
            result = IntakeResult(ImportOutcome.REFUSED, None, str(exc))
        except (IntegrityError, OperationalError) as exc:
            # Another import of the same report committed first (or holds SQLite's lock).
            db.session.rollback()
            raced = _race_result(client.id, kind, stored, exc, attempt)
            if raced is None:
                continue
            result = raced
        except BaseException:
            db.session.rollback()
            raise
        _finish_without_import(client.id, kind, stored, result, source=source, user_id=user_id)
        db.session.commit()
        return result
    raise AssertionError("unreachable: the last attempt returns or raises")


def _import(
    client: Client,
    kind: Integration,
    stored: StoredFile,
    source: Source,
    user_id: int | None,
    progress: Progress,
) -> IntakeResult:
    progress(5, "Datei wird geprüft")
    with opened(stored) as path:
        try:
            report = _import_in_one_pass(client, kind, stored, source, user_id, progress, path)
        except (ReadInTwoPasses, _GuessedWrong):
            # Rare: undo and read the file twice, validating it before anything is stored.
            db.session.rollback()
            report = _import_in_two_passes(client, kind, stored, source, user_id, progress, path)
    _log(client.id, kind, source, stored, ImportOutcome.IMPORTED, "", report.id, user_id)
    progress(95, "Import wird abgeschlossen")
    return IntakeResult(ImportOutcome.IMPORTED, report, _imported_message(report))


class _GuessedWrong(Exception):  # an instruction, not an error
    """What the one pass assumed from the first record did not hold (or it found none)."""


def _import_in_one_pass(
    client: Client,
    kind: Integration,
    stored: StoredFile,
    source: Source,
    user_id: int | None,
    progress: Progress,
    path: Path,
) -> Report:
    """Read the file once: each record is validated, stored and booked as it is read; the
    caller rolls back on the first error. The report's row is stored with what the first
    record tells (the settlement's summary row, a VAT report's first month) and completed
    at the end."""
    with reading_report(path, filename=stored.file_name) as reading:
        wrong = _wrong_kind(kind, reading.kind, stored)
        if wrong is not None:
            raise _NotImported(wrong)
        records: Iterator = reading.lines() if isinstance(reading, PayoutStream) else reading.rows()
        first = next(records, None)
        if first is None:  # a settlement of its summary row alone: the two passes know it
            raise _GuessedWrong
        fields = provisional_fields(reading, first)
        column = "settlement_id" if kind == Integration.PAYOUT else "activity_period"
        if _existing(client.id, kind, (column, fields[column]), stored) is not None:
            raise _GuessedWrong  # the two passes tell the duplicate or conflict exactly
        report = new_report(client.id, fields, stored, source=source, user_id=user_id)
        db.session.flush()  # the unique constraints speak here
        progress(20, "Transaktionen werden gespeichert")

        def stored_so_far(done: int) -> None:
            progress(20 + int(50 * reading.share_read()), "Transaktionen werden gespeichert")

        records = itertools.chain([first], records)
        booked = _store_and_book(report, records, stored_so_far, user_id)
        parsed = reading.report
        assert parsed is not None  # the records are all read
    final = report_fields(parsed)
    if not same_batch_inputs(report, final):
        raise _GuessedWrong
    for name, value in final.items():
        setattr(report, name, value)
    db.session.flush()
    if not booked:
        progress(70, "Buchungsstapel wird erstellt")
        build_batch(report, user_id=user_id)
    return report


def _import_in_two_passes(
    client: Client,
    kind: Integration,
    stored: StoredFile,
    source: Source,
    user_id: int | None,
    progress: Progress,
    path: Path,
) -> Report:
    """Validate the whole file first (read_report), then store and book its records."""
    parsed = read_report(path, filename=stored.file_name)
    wrong = _wrong_kind(kind, parsed.kind, stored)
    if wrong is not None:
        raise _NotImported(wrong)
    existing = _existing(client.id, kind, _identity_of(parsed), stored)
    if existing is not None:
        raise _NotImported(existing)
    report = new_report(client.id, parsed, stored, source=source, user_id=user_id)
    db.session.flush()  # the unique constraints speak here
    progress(20, "Transaktionen werden gespeichert")
    count = parsed.line_count if isinstance(parsed, PayoutReport) else parsed.row_count

    def stored_so_far(done: int) -> None:
        progress(20 + 50 * done // max(count, 1), "Transaktionen werden gespeichert")

    records = parsed.lines() if isinstance(parsed, PayoutReport) else parsed.rows()
    if not _store_and_book(report, records, stored_so_far, user_id):
        progress(70, "Buchungsstapel wird erstellt")
        build_batch(report, user_id=user_id)
    return report


def _store_and_book(
    report: Report, records: Iterator, stored_so_far: Callable[[int], None], user_id: int | None
) -> bool:
    """Store the report's records; where the batch can be built from the stream, book each
    record as it is stored. True if the batch is built, False if the caller builds it from
    the stored transactions."""
    storing = storing_lines if report.integration == Integration.PAYOUT else storing_vat_rows
    stream = storing(report.id, records, stored_so_far)
    booked = streams_into_batch(report)
    if booked:
        build_batch_while_storing(report, stream, user_id=user_id)
    count = stream.finish()
    if booked and stream.left_unread:  # the batch would lack bookings: never commit that
        raise AssertionError(f"batch built from {count - stream.left_unread} of {count}")
    return booked


class _NotImported(Exception):
    """The full read found what the quick checks could not: ends the attempt unimported."""

    def __init__(self, result: IntakeResult) -> None:
        self.result = result


def _race_result(
    client_id: int,
    kind: Integration,
    stored: StoredFile,
    exc: Exception,
    attempt: int,
) -> IntakeResult | None:
    """After a failed insert: the report that won, or None to try again."""
    if isinstance(exc, OperationalError) and not _is_lock_error(exc):
        raise exc
    result = _duplicate_of_file(client_id, stored) or _existing(
        client_id, kind, _identity_of_peek(peek_stored(stored)), stored
    )
    if result is None and attempt == ATTEMPTS:
        raise exc
    return result


def _is_lock_error(exc: OperationalError) -> bool:
    return "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower()


# --- checks ------------------------------------------------------------------------------


def _integration_of(integration: Integration | ClientIntegration | str) -> Integration:
    if isinstance(integration, ClientIntegration):
        return integration.integration
    return Integration(integration)


def _wrong_kind(kind: Integration, found: str, stored: StoredFile) -> IntakeResult | None:
    if found == kind.value:
        return None
    other = Integration(found)
    message = str(
        ReportError(
            stored.file_name,
            f"Das ist {KIND_NAMES[other]}, hier wird aber {KIND_NAMES[kind]} erwartet. "
            f"Bitte die Datei bei „{LABELS[other]}“ hochladen.",
            line=1,
        )
    )
    return IntakeResult(ImportOutcome.REFUSED, None, message)


def _duplicate_of_file(client_id: int, stored: StoredFile) -> IntakeResult | None:
    report = db.session.scalar(
        sa.select(Report).filter_by(client_id=client_id, sha256=stored.sha256).limit(1)
    )
    if report is None:
        return None
    return IntakeResult(
        ImportOutcome.DUPLICATE,
        report,
        f"Die Datei „{stored.file_name}“ wurde bereits am {datetime_de(report.imported_at)} "
        f"{SOURCE_NAMES[Source(report.source)]} importiert ({_describe(report)}). "
        "Es wurde nichts geändert.",
    )


Identity = tuple[str, str] | None  # ("settlement_id" | "activity_period", value)


def _identity_of_peek(peek: ReportPeek) -> Identity:
    if peek.settlement_id:
        return ("settlement_id", peek.settlement_id)
    if peek.activity_period:
        return ("activity_period", peek.activity_period)
    return None


def _identity_of(parsed: PayoutReport | OrderReport) -> Identity:
    if isinstance(parsed, PayoutReport):
        return ("settlement_id", parsed.summary.settlement_id)
    return ("activity_period", activity_period_of(parsed))


def _existing(
    client_id: int, kind: Integration, identity: Identity, stored: StoredFile
) -> IntakeResult | None:
    """The report already imported for this settlement or month: the same file is a
    duplicate, another file a conflict."""
    if identity is None:
        return None
    column, value = identity
    report = db.session.scalar(sa.select(Report).filter_by(client_id=client_id, **{column: value}))
    if report is None:
        return None
    if report.sha256 == stored.sha256:
        return _duplicate_of_file(client_id, stored)
    what = (
        f"Die Abrechnung {value}"
        if column == "settlement_id"
        else f"Der Umsatzsteuerbericht für {value}"
    )
    return IntakeResult(
        ImportOutcome.CONFLICT,
        report,
        f"Datei „{stored.file_name}“: {what} wurde bereits am "
        f"{datetime_de(report.imported_at)} {SOURCE_NAMES[Source(report.source)]} aus der "
        f"Datei „{report.file.file_name}“ importiert, und diese Datei hat einen anderen Inhalt. "
        "Ein Bericht wird nur einmal importiert; bitte prüfen, welche Datei die richtige ist.",
    )


def _describe(report: Report) -> str:
    if report.integration == Integration.PAYOUT.value:
        return f"Abrechnung {report.settlement_id}"
    return f"Umsatzsteuerbericht {report.activity_period}"


def _imported_message(report: Report) -> str:
    return f"{_describe(report)} importiert: {report.transaction_count} Transaktionen."


# --- the log -----------------------------------------------------------------------------


def _finish_without_import(
    client_id: int,
    kind: Integration,
    stored: StoredFile,
    result: IntakeResult,
    *,
    source: Source,
    user_id: int | None = None,
) -> None:
    """Log the attempt and drop the stored file: nothing else of it is kept."""
    _log(
        client_id,
        kind,
        source,
        stored,
        result.outcome,
        result.message,
        result.report.id if result.report is not None else None,
        user_id if user_id is not None else stored.uploaded_by_id,
    )
    if stored in db.session.new:
        db.session.expunge(stored)
    elif sa.inspect(stored).persistent:
        db.session.delete(stored)


def _log(
    client_id: int,
    kind: Integration,
    source: Source,
    stored: StoredFile,
    outcome: ImportOutcome,
    message: str,
    report_id: int | None,
    user_id: int | None,
) -> None:
    db.session.add(
        ImportLogEntry(
            client_id=client_id,
            integration=kind.value,
            source=source.value,
            file_name=stored.file_name,
            sha256=stored.sha256,
            outcome=outcome.value,
            message=message,
            report_id=report_id,
            user_id=user_id,
        )
    )
