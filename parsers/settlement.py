"""Amazon Payout: the settlement flat file, V2 (one amount per row) and V1 (amount columns).

The file is checked completely in one streaming pass (`scan`): every amount and date
parses, one settlement and one currency, and the amounts add up to total-amount.
`PayoutReport.lines()` streams the lines again from the validated file, V1 rows as
the same `SettlementLine`s as V2 rows (the columns: `settlement_layout`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

from formatting import number

from .errors import ReportError, invalid_csv
from .records import ReportPeek, SettlementLine, SettlementSummary
from .settlement_layout import SettlementPlan, plan_for
from .source import OnePassRead, Source
from .table import (
    Cells,
    CsvReader,
    Header,
    add_distinct,
    check_blank_lines,
    irregular_row,
    is_blank,
    numbered_rows,
)
from .values import PLAIN_AMOUNT, money

_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?E[+-]?\d+", re.ASCII | re.IGNORECASE)


def _summary(row: list[str], plan: SettlementPlan, cells: Cells, line: int) -> SettlementSummary:
    header = cells.header
    sid = row[plan.sid].strip()
    if not sid:
        raise ReportError(
            header.filename, "Die settlement-id fehlt.", line=line, column=header.name(plan.sid)
        )
    if _SCIENTIFIC.fullmatch(sid):
        # A spreadsheet saved the number as it displays it, with digits lost: the id
        # would no longer match Amazon's, and it keys deduplication and #121.
        raise ReportError(
            header.filename,
            f"„{sid}“ ist keine vollständige settlement-id: eine Tabellenkalkulation hat sie "
            "in Exponentialschreibweise gespeichert und dabei Ziffern verloren. Bitte den "
            "Bericht unverändert aus Seller Central hochladen.",
            line=line,
            column=header.name(plan.sid),
        )
    for index in (plan.start, plan.end, plan.total, plan.currency):
        if not row[index].strip():
            raise ReportError(
                header.filename,
                "Die Summenzeile der Abrechnung ist unvollständig: der Wert fehlt.",
                line=line,
                column=header.name(index),
            )
    currency = row[plan.currency].strip()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise ReportError(
            header.filename,
            f"„{currency}“ ist kein Währungscode (erwartet z. B. „EUR“).",
            line=line,
            column=header.name(plan.currency),
        )
    start = cells.instant_at(row, plan.start, line)
    end = cells.instant_at(row, plan.end, line)
    assert start is not None and end is not None  # both are filled, checked above
    return SettlementSummary(
        settlement_id=sid,
        start=start,
        end=end,
        deposit_date=cells.instant_at(row, plan.deposit, line),
        total_amount=cells.amount_at(row, plan.total, line),
        currency=currency.upper(),
    )


class _Block:
    """Totals of one settlement entry (a summary row and the rows up to the next one)."""

    __slots__ = ("line", "count", "total")

    def __init__(self, line: int) -> None:
        self.line = line
        self.count = 0
        self.total = Decimal(0)


# What the hot loop does with a row its fast test turned away (_Entries.cold_row).
_SKIP, _CHECK, _NEW_ENTRY = range(3)


class _Entries:
    """The summary row and the entries of the settlement, as the scan meets them.

    Files put together may hold the settlement more than once: every further entry
    (from a repeated summary row, or the header before it, on) must equal the first,
    and `end_line`, where the first repetition starts, is where `lines()` stops.
    The hot loop keeps the running count and total of the current entry itself and
    hands them in where an entry ends.
    """

    def __init__(self, plan: SettlementPlan, cells: Cells) -> None:
        self._plan = plan
        self._cells = cells
        self._header = cells.header
        self.summary: SettlementSummary | None = None
        self._summary_cells: tuple[str, ...] = ()
        self._first: _Block | None = None
        self._block: _Block | None = None
        self._pending_header: int | None = None  # a repeated header before a summary row
        self.end_line: int | None = None

    def cold_row(self, row: list[str], line: int, count: int, total: Decimal) -> int:
        """A non-blank row that is not a plain line of the settlement's first entry.

        _SKIP: a repeated header. _NEW_ENTRY: a summary row that starts an entry (the
        caller starts its count and total anew), then checked like any row. _CHECK: a
        row to check like any other (a repeated summary row or an id with spaces).
        """
        plan, header = self._plan, self._header
        cell = row[plan.sid].strip()
        if cell.lstrip("\ufeff").lower() == "settlement-id":  # a BOM: files put together
            self._pending_header = line
            return _SKIP
        if row[plan.total].strip():
            return self._summary_row(row, line, count, total)
        if self.summary is None:
            raise ReportError(
                header.filename,
                "Die erste Datenzeile muss die Summenzeile der Abrechnung sein "
                "(settlement-id, Zeitraum, total-amount, currency); hier fehlt total-amount.",
                line=line,
                column=header.name(plan.total),
            )
        if not cell:
            raise ReportError(
                header.filename, "Die settlement-id fehlt.", line=line, column=header.name(plan.sid)
            )
        if cell != self.summary.settlement_id:
            raise _two_settlements(self.summary.settlement_id, cell, line, header, plan)
        return _CHECK

    def _summary_row(self, row: list[str], line: int, count: int, total: Decimal) -> int:
        this = _summary(row, self._plan, self._cells, line)
        this_cells = tuple(row[i].strip() for i in self._plan.summary_indexes)
        summary = self.summary
        if summary is None:
            self.summary, self._summary_cells = this, this_cells
        elif this.settlement_id != summary.settlement_id:
            raise _two_settlements(
                summary.settlement_id, this.settlement_id, line, self._header, self._plan
            )
        elif this_cells != self._summary_cells:
            first = self._first or self._block
            assert first is not None  # a summary row has opened an entry
            raise ReportError(
                self._header.filename,
                f"Die Abrechnung {summary.settlement_id} hat zwei verschiedene Summenzeilen "
                f"(Zeile {first.line} und Zeile {line}). Bitte den Bericht erneut herunterladen.",
                line=line,
                column=self._header.name(self._plan.total),
            )
        elif count and self.end_line is None:
            self.end_line = self._pending_header or line
        # Repeated before any amount of its entry, a summary row belongs to that entry.
        starts = self._block is None or count > 0
        if starts:
            if self._block is not None:
                self._close(self._block, count, total, this.settlement_id)
            self._block = _Block(self._pending_header or line)
        self._pending_header = None
        return _NEW_ENTRY if starts else _CHECK

    def _close(self, entry: _Block, count: int, total: Decimal, sid: str) -> _Block:
        """Close an entry; returns the first, which every later one must equal."""
        entry.count, entry.total = count, total
        first = self._first
        if first is None:
            self._first = first = entry
        elif entry.count and (entry.count, entry.total) != (first.count, first.total):
            # (A repeated summary row on its own, count 0, is a harmless repetition.)
            raise ReportError(
                self._header.filename,
                f"Die Abrechnung {sid} steht mehrfach in der Datei, aber der "
                f"Eintrag ab Zeile {entry.line} weicht vom ersten ab ({entry.count} statt "
                f"{first.count} Beträge, Summe {number(entry.total)} statt "
                f"{number(first.total)}). Bitte den Bericht erneut herunterladen.",
                line=entry.line,
            )
        return first

    def finish(self, count: int, total: Decimal) -> tuple[SettlementSummary, _Block]:
        """The summary and the first entry, once it is certain that they add up."""
        summary, block = self.summary, self._block
        if summary is None or block is None:
            raise ReportError(
                self._header.filename, "Die Datei enthält nur die Kopfzeile und keine Daten."
            )
        first = self._close(block, count, total, summary.settlement_id)
        if first.total != summary.total_amount:
            raise ReportError(
                self._header.filename,
                f"Die Abrechnung geht nicht auf: die {first.count} Beträge ergeben "
                f"{number(first.total)} {summary.currency}, total-amount nennt aber "
                f"{number(summary.total_amount)} {summary.currency} (Differenz "
                f"{number(summary.total_amount - first.total)}). Die Datei ist "
                "unvollständig oder verändert; bitte den Bericht erneut herunterladen.",
                line=first.line,
                column=self._header.name(self._plan.total),
            )
        return summary, first


def scan(
    source: Source, reader: CsvReader, header: Header, sha256: Callable[[], str]
) -> PayoutReport:
    """Validate the whole settlement in one pass; raises ReportError on the first problem.

    `sha256`: the hex digest of the bytes read, asked for once the rows are read.
    """
    checking = _Checking(source, header, sha256)
    for _row in checking.rows(reader):
        pass
    assert checking.report is not None  # set when the rows end
    return checking.report


class _Checking:
    """The validating pass: `rows(reader)` checks row by row and yields the (line, row) of
    every row of the settlement's first entry, up to where a repetition starts; once they
    end, `report` is the PayoutReport (or ReportError is raised where it does not add up)."""

    def __init__(self, source: Source, header: Header, sha256: Callable[[], str]) -> None:
        self.source, self.header, self._sha256 = source, header, sha256
        self.plan = plan_for(header)
        self.cells = Cells(header)
        self.entries = _Entries(self.plan, self.cells)
        self.report: PayoutReport | None = None

    def rows(self, reader: CsvReader) -> Iterator[tuple[int, list[str]]]:
        entries = self.entries
        tally = _Tally()
        yield from _check_rows(reader, self.plan, self.cells, entries, tally)
        summary, first = entries.finish(tally.count, tally.total)
        self.report = PayoutReport(
            source=self.source,
            plan=self.plan,
            summary=summary,
            line_count=first.count,
            sum_of_amounts=first.total,
            marketplaces=sorted(m.strip() for m in tally.marketplaces if m.strip()),
            sha256=self._sha256(),
            end_line=entries.end_line,
            cells=self.cells,
        )


class _Tally:
    """What the hot loop found: the count and total of its last entry, the marketplaces."""

    __slots__ = ("count", "total", "marketplaces")

    def __init__(self) -> None:
        self.count = 0
        self.total = Decimal(0)
        self.marketplaces: set[str] = set()


class PayoutStream(OnePassRead):
    """A settlement read once: `lines()` validates every row as `read_report` does while it
    yields the lines (ReportError where a row or, at the end, the whole is refused); `summary`
    is known from the first line on, `report` once the lines are all read.

    For an import inside one database transaction: it stores and books the lines as they
    come and rolls back on the first error, instead of reading the file twice.
    """

    kind = "payout"

    checking_type = _Checking

    @property
    def format(self) -> str:
        return self._checking.plan.format

    @property
    def summary(self) -> SettlementSummary | None:
        return self._checking.entries.summary

    @property
    def report(self) -> PayoutReport | None:
        return self._checking.report

    def lines(self) -> Iterator[SettlementLine]:
        checking = self._checking
        rows = checking.rows(self._reader)
        yield from _lines_of(checking.plan, checking.cells, checking.header, rows, None, None)


def peek(header: Header, first: tuple[int, list[str]] | None) -> ReportPeek:
    """The settlement id of the summary row, which must be the first data row."""
    if first is None:
        return ReportPeek("payout", None, None)
    line, row = first
    plan = plan_for(header)
    if not row[plan.total].strip():
        raise ReportError(
            header.filename,
            "Die erste Datenzeile muss die Summenzeile der Abrechnung sein "
            "(settlement-id, Zeitraum, total-amount, currency); hier fehlt total-amount.",
            line=line,
            column=header.name(plan.total),
        )
    summary = _summary(row, plan, Cells(header), line)
    return ReportPeek("payout", summary.settlement_id, None)


def _check_rows(
    reader: CsvReader, plan: SettlementPlan, cells: Cells, entries: _Entries, tally: _Tally
) -> Iterator[tuple[int, list[str]]]:
    """The hot loop: check every cell `lines()` will read, row by row, and yield the checked
    rows of the first entry (the summary row included) with their lines.

    Leaves the count and total of the amounts of the last entry and the marketplaces in
    `tally`.
    """
    header = cells.header
    filename, width = header.filename, header.width
    i_sid, i_total, i_cur, i_market = plan.sid, plan.total, plan.currency, plan.market
    i_posted, i_posted2, i_qty = plan.posted, plan.posted_date, plan.quantity
    v2_amount = plan.amount  # None in V1, whose amounts are in its slots
    slots = plan.slots
    amount_get, instant_get, int_get = cells.amount.get, cells.instant.get, cells.integer.get
    bad_amount, bad_instant, bad_int = cells.bad_amount, cells.bad_instant, cells.bad_int
    plain, put_amount = PLAIN_AMOUNT.fullmatch, cells.amount.put
    marketplaces = tally.marketplaces
    currency = last_posted = last_posted2 = ""
    repeating = False  # from where the first entry repeats on, rows are checked, not passed
    # No cell equals None: every row up to the summary row takes the cold path below,
    # so a row of empty cells before it (a spreadsheet's `;;;;`) is skipped as blank.
    sid: str | None = None
    count = 0
    total = Decimal(0)

    # csv's line_num is the last line of a row; a quoted value may span lines, and a
    # message names the line where the row starts: one after where the previous ended.
    last = reader.line_num
    blank = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if len(row) != width:
                regular = irregular_row(row, header, reader, line)
                if regular is None:
                    blank += 1
                    check_blank_lines(blank, line, filename)
                    continue
                row = regular
            if row[i_sid] != sid or row[i_total]:
                # Cold path: the summary row, a repeated header or summary, another settlement.
                if is_blank(row):
                    blank += 1
                    check_blank_lines(blank, line, filename)
                    continue
                action = entries.cold_row(row, line, count, total)
                if action == _SKIP:
                    continue
                if action == _NEW_ENTRY:
                    count, total = 0, Decimal(0)
                    summary = entries.summary
                    assert summary is not None  # the row was one
                    sid, currency = summary.settlement_id, summary.currency
                repeating = entries.end_line is not None
            if v2_amount is not None:
                text = row[v2_amount]
                value = amount_get(text)
                if value is None:
                    if plain(text):  # inlined: the common shape, parsed without a call
                        value = Decimal(text)
                        put_amount(text, value)
                    elif not (row[i_total].strip() and not text.strip()):
                        # Only the summary row may leave the amount empty.
                        value = bad_amount(text, line, v2_amount)
                if value is not None:
                    total += value
                    count += 1
            else:
                for _desc, index, _type, _default in slots:
                    text = row[index]
                    if text:
                        value = amount_get(text)
                        if value is None:
                            if plain(text):
                                value = Decimal(text)
                                put_amount(text, value)
                            elif not text.strip():
                                continue
                            else:
                                value = bad_amount(text, line, index)
                        total += value
                        count += 1
            # The lines of one order share their timestamps: compare before looking up.
            text = row[i_posted]
            if text != last_posted:
                if text and instant_get(text) is None:
                    bad_instant(text, line, i_posted)
                last_posted = text
            if i_posted2 is not None:
                text = row[i_posted2]
                if text != last_posted2:
                    if text and instant_get(text) is None:
                        bad_instant(text, line, i_posted2)
                    last_posted2 = text
            if i_qty is not None:
                text = row[i_qty]
                if text and int_get(text) is None:
                    bad_int(text, line, i_qty)
            text = row[i_cur]
            if text and text != currency and text.strip().upper() != currency:
                raise ReportError(
                    filename,
                    f"Eine Abrechnung hat genau eine Währung: hier steht „{text}“, in der "
                    f"Summenzeile aber „{currency}“.",
                    line=line,
                    column=header.name(i_cur),
                )
            if row[i_market] not in marketplaces:
                add_distinct(marketplaces, row[i_market], header, line, i_market)
            if not repeating:
                yield line, row
    except csv.Error:
        raise invalid_csv(filename, last + 1) from None
    tally.count, tally.total = count, total


def _two_settlements(
    sid: str, other: str, line: int, header: Header, plan: SettlementPlan
) -> ReportError:
    return ReportError(
        header.filename,
        f"Die Datei enthält mehr als eine Abrechnung (settlement-id {sid} und {other}). "
        "Bitte jede Abrechnung als eigene Datei hochladen.",
        line=line,
        column=header.name(plan.sid),
    )


class PayoutReport:
    """A validated settlement report; `lines()` streams its amounts again from the file."""

    kind = "payout"

    def __init__(
        self,
        *,
        source: Source,
        plan: SettlementPlan,
        summary: SettlementSummary,
        line_count: int,
        sum_of_amounts: Decimal,
        marketplaces: list[str],
        sha256: str,
        end_line: int | None,
        cells: Cells | None = None,
    ) -> None:
        self._source = source
        self._cells = cells  # the validating pass's, with the values it parsed
        self._plan = plan
        self.format = plan.format
        self.summary = summary
        self.line_count = line_count
        self.sum_of_amounts = sum_of_amounts
        self.marketplaces = marketplaces
        self.sha256 = sha256
        self._end_line = end_line

    @property
    def filename(self) -> str:
        return self._source.filename

    @property
    def reconciled(self) -> bool:
        return self.sum_of_amounts == self.summary.total_amount

    def __repr__(self) -> str:
        return (
            f"<PayoutReport {self.format} {self.summary.settlement_id} "
            f"{money(self.summary.total_amount)} {self.summary.currency} lines={self.line_count}>"
        )

    def lines(self) -> Iterator[SettlementLine]:
        """Stream every amount of the settlement as a SettlementLine (a fresh pass each call).

        Repeated entries of the same settlement (checked identical by `read_report`)
        are skipped. If the file changed on disk since `read_report`, ReportError.
        """
        with self._source.reread(self.sha256) as (reader, header):
            rows = numbered_rows(reader, header)
            cells = Cells(header, parsed_by=self._cells)
            sid, end = self.summary.settlement_id, self._end_line
            yield from _lines_of(self._plan, cells, header, rows, sid, end)

    def to_json(self) -> dict[str, object]:
        s = self.summary
        return {
            "kind": self.kind,
            "format": self.format,
            "settlement_id": s.settlement_id,
            "currency": s.currency,
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "deposit_date": s.deposit_date.isoformat() if s.deposit_date else None,
            "total_amount": money(s.total_amount),
            "sum_of_amounts": money(self.sum_of_amounts),
            "reconciled": self.reconciled,
            "lines": self.line_count,
            "marketplaces": self.marketplaces,
        }


def _lines_of(
    plan: SettlementPlan,
    cells: Cells,
    header: Header,
    rows: Iterable[tuple[int, list[str]]],
    sid: str | None,
    end: int | None,
) -> Iterator[SettlementLine]:
    """The lines of validated rows: every cell parses. Rows of another `sid` (blank rows and
    repeated headers) are skipped, and the rows from line `end` on (a repetition of the
    settlement); None: the rows come checked (the validating pass yields only the rows of the
    first entry). Lines are built positionally, in the field order of SettlementLine; this is
    the hot path of batch building."""
    make_line = SettlementLine._make
    amount_get, instant_get, int_get = cells.amount.get, cells.instant.get, cells.integer.get
    # Every row gets one empty cell appended, so an absent column reads as "".
    shared_head = (
        plan.ttype, plan.order, _or_last(plan.morder), _or_last(plan.adjustment),
        _or_last(plan.shipment), plan.market,
    )  # fmt: skip
    tail = itemgetter(
        _or_last(plan.fulfillment), _or_last(plan.order_item),
        _or_last(plan.merchant_order_item), _or_last(plan.merchant_adjustment_item),
        _or_last(plan.sku),
    )  # fmt: skip
    i_promo, i_sid, i_posted, i_posted2 = (
        _or_last(plan.promotion), plan.sid, plan.posted, _or_last(plan.posted_date)
    )  # fmt: skip
    i_qty = _or_last(plan.quantity)
    strip = str.strip
    v2_amount = plan.amount  # None in V1, whose amounts are in its slots
    head = itemgetter(*shared_head, *plan.amount_names)
    slots = [(_or_last(desc), i, t, default) for desc, i, t, default in plan.slots]
    last_text: str | None = None
    last_posted: datetime | None = None
    for line, row in rows:
        if sid is not None:
            if row[i_sid] != sid and row[i_sid].strip() != sid:
                continue  # a blank row or a repeated header
            if end is not None and line >= end:
                return
        row.append("")
        text = row[i_posted] or row[i_posted2]
        if text != last_text:
            last_text, last_posted = text, instant_get(text)
            if last_posted is None:
                last_posted = cells.bad_instant(text, line, i_posted)
        text = row[i_qty]
        quantity = int_get(text) if text else None
        if quantity is None and text:
            quantity = cells.int_at(row, i_qty, line)
        if v2_amount is not None:
            text = row[v2_amount]
            amount = amount_get(text)
            if amount is None:
                if not text.strip():
                    continue  # the summary row
                amount = cells.amount_at(row, v2_amount, line)
            yield make_line(
                (
                    line,
                    *map(strip, head(row)),
                    amount,
                    last_posted,
                    *map(strip, tail(row)),
                    quantity,
                    row[i_promo].strip(),
                )
            )
            continue
        first = tuple(map(strip, head(row)))
        after = tuple(map(strip, tail(row)))
        for desc, index, amount_type, default in slots:
            if row[index].strip():
                yield make_line(
                    (
                        line,
                        *first,
                        amount_type,
                        row[desc].strip() or default,
                        cells.amount_at(row, index, line),
                        last_posted,
                        *after,
                        quantity,
                        row[i_promo].strip(),
                    )
                )


def _or_last(index: int | None) -> int:
    return -1 if index is None else index
