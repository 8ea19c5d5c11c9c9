"""A report and its transactions into the database, inside the caller's unit of work.

The transactions are inserted in chunks as the records stream in, so memory stays flat for a
report of any size; the caller commits (or rolls back on the first error, leaving no trace).
"""

from __future__ import annotations

import calendar
import itertools
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
    return storing_lines(report_id, lines, progress).finish()


def store_vat_rows(
    report_id: int, rows: Iterable[VatTransaction], progress: Progress | None = None
) -> int:
    return storing_vat_rows(report_id, rows, progress).finish()


def storing_lines(
    report_id: int, lines: Iterable[SettlementLine], progress: Progress | None = None
) -> StoringStream:
    """The settlement's lines, stored while they pass (see StoringStream)."""
    table = SettlementLineRow.__table__
    return StoringStream(
        _Inserter(table, ("report_id", "position", *SettlementLine._fields), progress),
        lines,
        lambda position, line: (report_id, position, *line),
    )


def storing_vat_rows(
    report_id: int, rows: Iterable[VatTransaction], progress: Progress | None = None
) -> StoringStream:
    table = VatTransactionRow.__table__
    assert VatTransaction._fields[-1] == "rate_parts"  # stored as JSON text
    return StoringStream(
        _Inserter(table, ("report_id", "position", *VatTransaction._fields), progress),
        rows,
        lambda position, row: (report_id, position, *row[:-1], dump_rate_parts(row.rate_parts)),
    )


class StoringStream:
    """Records passed on as they are stored: the import stores a report's transactions and
    books them in one pass over the file.

        stream = storing_lines(report.id, parsed.lines())
        for line in stream: ...     # each line is inserted as it passes
        count = stream.finish()     # every record stored; how many

    Every record is inserted by the time the stream ends, so queries after the last record
    see them all. `finish` stores whatever the consumer left (all of it when nobody read).
    """

    def __init__(self, inserter: _Inserter, records: Iterable, to_row: Callable) -> None:
        self._inserter = inserter
        self._stream = self._passing(records, to_row)
        self.left_unread = 0  # records `finish` had to store itself

    def __iter__(self) -> Iterator:
        return self._stream

    def _passing(self, records: Iterable, to_row: Callable) -> Iterator:
        add = self._inserter.add
        for position, record in enumerate(records, 1):
            add(to_row(position, record))
            yield record
        self._inserter.flush()

    def finish(self) -> int:
        for _record in self._stream:
            self.left_unread += 1
        return self._inserter.count


class _Inserter:
    """Inserts rows (values in the order of `columns`) on the session's connection, inside its
    transaction, a chunk at a time: COPY on PostgreSQL, executemany elsewhere. Between chunks
    the connection is free for other statements.

    The values go through each column type's own bind processor (UTCDateTime to UTC, Decimal
    as SQLite stores it), so the rows are exactly what an ORM insert would store; only the
    per-row overhead of SQLAlchemy's parameter handling is skipped.
    """

    def __init__(self, table: sa.Table, columns: tuple[str, ...], progress: Progress | None):
        self._connection = db.session.connection()
        dialect = self._connection.dialect
        self._postgresql = dialect.name == "postgresql"
        self._processors: list[tuple[int, Callable[[object], object], dict[object, object]]] = [
            (index, processor, {})
            for index, name in enumerate(columns)
            if (processor := table.c[name].type._cached_bind_processor(dialect)) is not None
        ]
        names = ", ".join(columns)
        marks = ", ".join(["?"] * len(columns))
        # Names from the table's metadata, values as parameters: nothing from the file.
        self._copy = f"COPY {table.name} ({names}) FROM STDIN"
        self._insert = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        self._progress = progress
        self._chunk: list[tuple] = []
        self.count = 0

    def add(self, row: tuple) -> None:
        # Each distinct value is converted once: a settlement's posting instants and amounts
        # repeat on many lines.
        if self._processors:
            values = list(row)
            for index, processor, seen in self._processors:
                value = values[index]
                stored = seen.get(value, _MISSING)
                if stored is _MISSING:
                    if len(seen) > _MAX_SEEN:
                        seen.clear()
                    stored = seen[value] = processor(value)
                values[index] = stored
            row = tuple(values)
        self._chunk.append(row)
        if len(self._chunk) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        chunk = self._chunk
        if not chunk:
            return
        raw = self._connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if self._postgresql:
                with cursor.copy(self._copy) as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cursor.executemany(self._insert, chunk)
        finally:
            cursor.close()
        self.count += len(chunk)
        self._chunk = []
        if self._progress is not None:
            self._progress(self.count)


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
    for values in _stream(table, fields, report_id):
        values[last] = parse_rate_parts(values[last])
        yield make(values)


def _stream(table: sa.Table, fields: tuple[str, ...], report_id: int) -> Iterator[list]:
    """The stored rows of a report in their order, as lists of the fields' values.

    Read on the session's DBAPI connection (inside its transaction), not through SQLAlchemy's
    rows: each value goes through its column type's own result processor (UTCDateTime to an
    aware datetime, SQLite's numbers to Decimal), so the values are what an ORM query returns,
    but each distinct stored value is converted once (the posting instants and amounts of a
    settlement repeat on many lines). PostgreSQL streams through a server-side cursor, SQLite
    steps through its result: memory stays flat.
    """
    connection = db.session.connection()
    dialect = connection.dialect
    raw = connection.connection.dbapi_connection
    assert raw is not None
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    # Names from the table's metadata, the id as a parameter: nothing from a file.
    statement = (
        f"SELECT {', '.join(fields)} FROM {table.name} "  # noqa: S608
        f"WHERE report_id = {mark} ORDER BY position"
    )
    if dialect.name == "postgresql":
        cursor = raw.cursor(name=f"kontor_rows_{next(_CURSOR_NUMBERS)}")
        cursor.itersize = CHUNK_ROWS  # type: ignore[attr-defined]  # psycopg's named cursor
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(statement, (report_id,))
        processors: list[tuple[int, Callable[[object], object], dict[object, object]]] = [
            (index, processor, {})
            for index, (name, described) in enumerate(zip(fields, cursor.description, strict=True))
            if (processor := table.c[name].type._cached_result_processor(dialect, described[1]))
            is not None
        ]
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            for row in chunk:
                values = list(row)
                for index, convert, seen in processors:
                    stored = values[index]
                    value = seen.get(stored, _MISSING)
                    if value is _MISSING:
                        if len(seen) > _MAX_SEEN:
                            seen.clear()
                        value = seen[stored] = convert(stored)
                    values[index] = value
                yield values
    finally:
        cursor.close()


_MISSING = object()
_CURSOR_NUMBERS = itertools.count(1)
_MAX_SEEN = 4096
