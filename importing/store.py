"""A report and its transactions into the database, inside the caller's unit of work.

The transactions are inserted in chunks as the records stream in, so memory stays flat for a
report of any size; the caller commits (or rolls back on the first error, leaving no trace).
"""

from __future__ import annotations

import calendar
import itertools
import types
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

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
from parsers import OrderReport, OrderStream, PayoutReport, PayoutStream
from parsers.records import SettlementLine, SettlementSummary, VatTransaction

CHUNK_ROWS = 5000
MONTHS = {name.upper(): number for number, name in enumerate(calendar.month_abbr) if name}

Progress = Callable[[int], None]  # called with the count of records stored so far


def new_report(
    client_id: int,
    parsed: PayoutReport | OrderReport | dict[str, Any],
    stored: StoredFile,
    *,
    source: str,
    user_id: int | None,
) -> Report:
    """The Report row of a parsed report, or of the `report_fields` given (added, not
    flushed); the caller stores its rows."""
    fields = parsed if isinstance(parsed, dict) else report_fields(parsed)
    report = Report(
        client_id=client_id,
        source=source,
        file=stored,
        sha256=stored.sha256,
        imported_by_id=user_id,
        **fields,
    )
    db.session.add(report)
    return report


def report_fields(parsed: PayoutReport | OrderReport) -> dict[str, Any]:
    """The columns of a Report row that the parsed report gives."""
    if isinstance(parsed, PayoutReport):
        s = parsed.summary
        return {
            **_settlement_fields(parsed.format, s),
            "transaction_count": parsed.line_count,
            "reconciled": parsed.reconciled,
            "marketplaces": ",".join(parsed.marketplaces)[:500],
        }
    start, end = month_range(parsed.activity_periods)
    return {
        "integration": Integration.ORDER.value,
        "format": parsed.format,
        "activity_period": activity_period_of(parsed),
        "period_start": start,
        "period_end": end,
        "currency": parsed.currencies[0] if len(parsed.currencies) == 1 else "",
        "total": order_total(parsed),
        "transaction_count": parsed.row_count,
        "reconciled": True,
        "marketplaces": ",".join(parsed.marketplaces)[:500],
    }


def _settlement_fields(file_format: str, s: SettlementSummary) -> dict[str, Any]:
    return {
        "integration": Integration.PAYOUT.value,
        "format": file_format,
        "settlement_id": s.settlement_id,
        # The booking engine reads the end as a day (`summary.end.date()`): keep that day.
        "period_start": s.start.date(),
        "period_end": s.end.date(),
        "deposit_date": s.deposit_date,
        "currency": s.currency,
        "total": s.total_amount,
    }


def provisional_fields(
    reading: PayoutStream | OrderStream, first: SettlementLine | VatTransaction
) -> dict[str, Any]:
    """The Report columns of a report read in one pass, from what its first record tells:
    the settlement's summary row is read by then, so only its marketplaces are a guess (the
    first line's), and a VAT report's month is its first row's. `report_fields` replaces them
    once the file is read; `same_batch_inputs` tells whether the batch built meanwhile
    rests on a right guess."""
    if isinstance(reading, PayoutStream):
        assert isinstance(first, SettlementLine) and reading.summary is not None
        return {
            **_settlement_fields(reading.format, reading.summary),
            "transaction_count": 0,
            "reconciled": True,
            "marketplaces": first.marketplace_name.strip()[:500],
        }
    assert isinstance(first, VatTransaction)
    start, end = month_range([first.activity_period])
    return {
        "integration": Integration.ORDER.value,
        "format": OrderReport.format,
        "activity_period": first.activity_period[:30],
        "period_start": start,
        "period_end": end,
        "currency": first.currency,
        "total": None,
        "transaction_count": 0,
        "reconciled": True,
        "marketplaces": "",
    }


def same_batch_inputs(report: Report, fields: dict[str, Any]) -> bool:
    """Whether a batch built from `report` is the one `fields` (its final columns) give: a
    settlement books with the rules of its first marketplace, a VAT report's file names carry
    its months."""
    if report.integration == Integration.PAYOUT.value:
        final = [m for m in fields["marketplaces"].split(",") if m]
        return report.marketplace_list[:1] == final[:1]
    return report.activity_period == fields["activity_period"]


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
    return StoringStream(
        _Inserter(SettlementLineRow.__table__, SettlementLine._fields, report_id, progress), lines
    )


def storing_vat_rows(
    report_id: int, rows: Iterable[VatTransaction], progress: Progress | None = None
) -> StoringStream:
    assert VatTransaction._fields[-1] == "rate_parts"  # stored as JSON text
    inserter = _Inserter(
        VatTransactionRow.__table__,
        VatTransaction._fields,
        report_id,
        progress,
        encoders={"rate_parts": dump_rate_parts},
    )
    return StoringStream(inserter, rows)


class StoringStream:
    """Records passed on as they are stored: the import stores a report's transactions and
    books them in one pass over the file.

        stream = storing_lines(report.id, parsed.lines())
        for line in stream: ...     # each line is inserted as it passes
        count = stream.finish()     # every record stored; how many

    Every record is inserted by the time the stream ends, so queries after the last record
    see them all. `finish` stores whatever the consumer left (all of it when nobody read).
    """

    def __init__(self, inserter: _Inserter, records: Iterable) -> None:
        self._inserter = inserter
        self._stream = self._passing(records)
        self.left_unread = 0  # records `finish` had to store itself

    def __iter__(self) -> Iterator:
        return self._stream

    def _passing(self, records: Iterable) -> Iterator:
        add = self._inserter.add
        for record in records:
            add(record)
            yield record
        self._inserter.flush()

    def finish(self) -> int:
        for _record in self._stream:
            self.left_unread += 1
        return self._inserter.count


def _fast(convert: Callable[[Any], object]) -> Callable[[Any], object]:
    """`convert` memoised where that pays: SQLAlchemy's compiled processors (to_float,
    str_to_date, ...) convert faster than a memo misses, Python ones (UTCDateTime's) do not."""
    if isinstance(convert, types.FunctionType | types.MethodType):
        return _Memo(convert).__getitem__
    return convert


class _Memo(dict):
    """A column's stored (or read) form of each distinct value, converted once: a settlement's
    posting instants and amounts repeat on many lines. `map(memo.__getitem__, column)` then
    converts a whole column at C speed but for the first sight of a value."""

    __slots__ = ("_convert",)

    def __init__(self, convert: Callable[[Any], object]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, value: object) -> object:
        if len(self) > _MAX_SEEN:  # a column of distinct values (amounts of a VAT report)
            self.clear()
        converted = self[value] = self._convert(value)
        return converted


class _Inserter:
    """Inserts records (tuples of `fields`) as rows of `table` on the session's connection,
    inside its transaction, a chunk at a time: COPY on PostgreSQL, executemany elsewhere.
    Between chunks the connection is free for other statements. Each row is the report id,
    the record's position in the report (from 1) and the record's fields.

    The values go through each column type's own bind processor (UTCDateTime to UTC, Decimal
    as SQLite stores it) and `encoders` (a field's stored form), so the rows are exactly what
    an ORM insert would store; only SQLAlchemy's per-row parameter handling is skipped. A
    chunk is converted column by column (transposed and back with zip, at C speed), not row
    by row.
    """

    def __init__(
        self,
        table: sa.Table,
        fields: tuple[str, ...],
        report_id: int,
        progress: Progress | None,
        *,
        encoders: dict[str, Callable[[Any], object]] | None = None,
    ):
        self._connection = db.session.connection()
        dialect = self._connection.dialect
        self._postgresql = dialect.name == "postgresql"
        self._report_id = report_id
        columns = ("report_id", "position", *fields)
        # (field index, conversion of one value); the encoders are not memoised: equal values
        # may differ in their stored form (Decimal("0.19") == Decimal("0.190")).
        self._converters: list[tuple[int, Callable[[Any], object]]] = []
        for index, name in enumerate(fields):
            encode = (encoders or {}).get(name)
            process = table.c[name].type._cached_bind_processor(dialect)
            if encode is not None:
                self._converters.append(
                    (index, _chained([encode, process] if process else [encode]))
                )
            elif process is not None:
                self._converters.append((index, _fast(process)))
        names = ", ".join(columns)
        marks = ", ".join(["?"] * len(columns))
        # Names from the table's metadata, values as parameters: nothing from the file.
        self._copy = f"COPY {table.name} ({names}) FROM STDIN"
        self._insert = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608
        self._progress = progress
        self._chunk: list[tuple] = []
        self.count = 0

    def add(self, record: tuple) -> None:
        chunk = self._chunk
        chunk.append(record)
        if len(chunk) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        chunk = self._chunk
        if not chunk:
            return
        size = len(chunk)
        fields: list[Iterable] = list(zip(*chunk, strict=True))
        for index, convert in self._converters:
            fields[index] = map(convert, fields[index])
        positions = range(self.count + 1, self.count + size + 1)
        rows = zip(itertools.repeat(self._report_id, size), positions, *fields, strict=True)
        raw = self._connection.connection.dbapi_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if self._postgresql:
                with cursor.copy(self._copy) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
            else:
                cursor.executemany(self._insert, rows)  # type: ignore[arg-type]  # any iterable
        finally:
            cursor.close()
        self.count += size
        self._chunk = []
        if self._progress is not None:
            self._progress(self.count)


def _chained(steps: list[Callable[[Any], object]]) -> Callable[[Any], object]:
    if len(steps) == 1:
        return steps[0]
    first, second = steps

    def both(value: object) -> object:
        return second(first(value))

    return both


class BookedLine(NamedTuple):
    """The columns of a stored settlement line that its bookings read (see
    datev.payout_bookings.PayoutLine): 8 of the 22, for a rebuild reads a report's every line,
    and a value the database need not hand over costs nothing. Any other field is missing, so
    booking code that began to read one would fail, not book a blank."""

    line_no: int
    transaction_type: str
    order_id: str
    amount_type: str
    amount_description: str
    amount: Decimal
    posted_at: datetime | None
    fulfillment_id: str


assert set(BookedLine._fields) <= set(SettlementLine._fields)


def stored_booked_lines(report_id: int) -> Iterator[BookedLine]:
    """What the bookings read of the settlement's stored lines, in their order."""
    yield from _stream(SettlementLineRow.__table__, BookedLine, report_id)


def stored_vat_rows(report_id: int, *, transaction_type: str = "") -> Iterator[VatTransaction]:
    """The VAT report's records in their order; only those of `transaction_type` (in any case,
    as the booking code compares them) if given."""
    assert VatTransaction._fields[-1] == "rate_parts"  # stored as JSON text
    yield from _stream(
        VatTransactionRow.__table__,
        VatTransaction,
        report_id,
        decoders={"rate_parts": parse_rate_parts},
        transaction_type=transaction_type,
    )


def _stream(
    table: sa.Table,
    record: type[BookedLine] | type[VatTransaction],
    report_id: int,
    *,
    decoders: dict[str, Callable[[Any], object]] | None = None,
    transaction_type: str = "",
) -> Iterator[Any]:
    """The stored rows of a report in their order, as records.

    Read on the session's DBAPI connection (inside its transaction), not through SQLAlchemy's
    rows: each value goes through its column type's own result processor (UTCDateTime to an
    aware datetime, SQLite's numbers to Decimal) and `decoders`, so the values are what an ORM
    query returns, but each distinct stored value is converted once (the posting instants and
    amounts of a settlement repeat on many lines).
    PostgreSQL streams through a server-side cursor, SQLite steps through its result: memory
    stays flat.
    """
    fields = record._fields
    connection = db.session.connection()
    dialect = connection.dialect
    raw = connection.connection.dbapi_connection
    assert raw is not None
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    parameters: tuple[object, ...] = (report_id,)
    only_type = ""
    if transaction_type:
        only_type = f" AND upper(transaction_type) = {mark}"
        parameters += (transaction_type.upper(),)
    # Names from the table's metadata, the values as parameters: nothing from a file.
    statement = (
        f"SELECT {', '.join(fields)} FROM {table.name} "  # noqa: S608
        f"WHERE report_id = {mark}{only_type} ORDER BY position"
    )
    if dialect.name == "postgresql":
        cursor = raw.cursor(name=f"kontor_rows_{next(_CURSOR_NUMBERS)}")
        cursor.itersize = CHUNK_ROWS  # type: ignore[attr-defined]  # psycopg's named cursor
    else:
        cursor = raw.cursor()
    make = record._make
    try:
        cursor.execute(statement, parameters)
        # Row by row, converting in place: measured faster here than transposing a chunk
        # (SQLite's rows are wide, and most of their values need no conversion).
        converters: list[tuple[int, Callable[[Any], object], dict[object, object]]] = []
        for index, (name, described) in enumerate(zip(fields, cursor.description, strict=True)):
            steps = [
                table.c[name].type._cached_result_processor(dialect, described[1]),
                (decoders or {}).get(name),
            ]
            present = [step for step in steps if step is not None]
            if present:  # stored values map to one value each: safe to memoise
                converters.append((index, _chained(present), {}))
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            for row in chunk:
                values = list(row)
                for index, convert, seen in converters:
                    stored = values[index]
                    value = seen.get(stored, _MISSING)
                    if value is _MISSING:
                        if len(seen) > _MAX_SEEN:
                            seen.clear()
                        value = seen[stored] = convert(stored)
                    values[index] = value
                yield make(values)
    finally:
        cursor.close()


_MISSING = object()
_CURSOR_NUMBERS = itertools.count(1)
_MAX_SEEN = 4096
