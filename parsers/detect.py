"""`read_report`: recognise the report from its content and validate it completely."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

from . import settlement, vat
from .errors import NOT_AMAZON, ReportError
from .records import ReportPeek
from .source import Source, locate_problem, mostly_utf8, os_reason, sniff, unknown_encoding
from .table import CsvReader, Header, is_blank, normalise, read_header

T = TypeVar("T")


def _kind(header: Header, source: Source) -> str:
    first = normalise(header.cells[0]) if header.cells else ""
    if first in ("extf", "dtvf") or source.header_text.lstrip('"').startswith(("EXTF", "DTVF")):
        raise ReportError(
            source.filename,
            "Das ist eine DATEV-Datei (Buchungsstapel), kein Amazon-Bericht. Bitte den "
            "Bericht hochladen, den Amazon Seller Central liefert.",
            line=header.line,
        )
    if "settlement-id" in header:
        return "payout"
    if "transaction-type" in header and (
        "activity-period" in header or "total-activity-value-amt-vat-incl" in header
    ):
        return "order"
    raise ReportError(source.filename, NOT_AMAZON, line=header.line)


def _read(source: Source) -> settlement.PayoutReport | vat.OrderReport:
    try:
        with source.rows() as (reader, hashing):
            header = read_header(reader, source.filename)
            scan = settlement.scan if _kind(header, source) == "payout" else vat.scan
            return scan(source, reader, header, hashing.sha256.hexdigest)
    except OSError as exc:  # gone or unreadable since it was sniffed
        raise ReportError(
            source.filename, f"Die Datei kann nicht gelesen werden ({os_reason(exc)})."
        ) from None


def read_report(
    path: str | os.PathLike[str], *, filename: str | None = None
) -> settlement.PayoutReport | vat.OrderReport:
    """Read an Amazon Payout (settlement) or Order (VAT Transactions) report.

    The kind and layout come from the content. The whole file is validated in one
    streaming pass before anything is returned; a refused file raises ReportError
    with a German message naming `filename` (default: the path's name), the line
    and the column.
    """
    return with_encoding(Path(path), filename, _read)


class ReadInTwoPasses(Exception):  # an instruction, not an error
    """`reading_report` cannot go on in one pass (the file's encoding turned out to be another
    one than its first bytes said): undo what was done with its records and use `read_report`,
    which reads the file as it is and refuses it with the right message where it must."""


@contextmanager
def reading_report(
    path: str | os.PathLike[str], *, filename: str | None = None
) -> Iterator[settlement.PayoutStream | vat.OrderStream]:
    """The report of `path` read once: its records stream while each row is validated as
    `read_report` validates it (ReportError, with read_report's message, at the first refused
    row or, at the end, when the whole does not add up); the validated report once the
    records are all read. For a caller that can undo what it did with the records (an
    import in one database transaction); it must also undo on ReadInTwoPasses.
    """
    source = sniff(Path(path), filename or Path(path).name)
    with ExitStack() as stack:
        try:
            reader, hashing = stack.enter_context(source.rows())
            header = read_header(reader, source.filename)
        except UnicodeDecodeError:
            raise ReadInTwoPasses from None
        except OSError as exc:  # gone or unreadable since it was sniffed
            raise ReportError(
                source.filename, f"Die Datei kann nicht gelesen werden ({os_reason(exc)})."
            ) from None
        kind = _kind(header, source)
        stream = settlement.PayoutStream if kind == "payout" else vat.OrderStream
        try:
            size = max(source.path.stat().st_size, 1)
            reading = stream(source, reader, header, hashing.sha256.hexdigest)
            reading.share_read = lambda: min(hashing.bytes_read / size, 1.0)
            yield reading
        except UnicodeDecodeError:
            raise ReadInTwoPasses from None


def peek_report(path: str | os.PathLike[str], *, filename: str | None = None) -> ReportPeek:
    """The kind and identity of a report from its header and first data row only.

    For the quick checks of an upload (wrong kind, duplicate, conflict) before the whole file
    is read in a job. Raises ReportError for what those lines already show to be refused;
    everything after them is checked by `read_report`.
    """

    def peek(source: Source) -> ReportPeek:
        try:
            with source.rows() as (reader, _hashing):
                header = read_header(reader, source.filename)
                kind = _kind(header, source)
                try:
                    first = _first_row(reader, header)
                except csv.Error:
                    first = None  # the full read refuses it with the line
                if kind == "payout":
                    return settlement.peek(header, first)
                return vat.peek(header, first)
        except OSError as exc:
            raise ReportError(
                source.filename, f"Die Datei kann nicht gelesen werden ({os_reason(exc)})."
            ) from None

    return with_encoding(Path(path), filename, peek)


def _first_row(reader: CsvReader, header: Header) -> tuple[int, list[str]] | None:
    """The first non-blank data row and its line; None where it is irregular (the full read
    gives the right message for that)."""
    last = reader.line_num
    for row in reader:
        line, last = last + 1, reader.line_num
        if is_blank(row):
            continue
        if len(row) != header.width:
            if len(row) > header.width and is_blank(row[header.width :]):
                return line, row[: header.width]
            return None
        return line, row
    return None


def with_encoding(path: Path, filename: str | None, action: Callable[[Source], T]) -> T:
    """Run `action` on the sniffed source, falling back to Windows-1252 where a file that
    looked like UTF-8 is not, and refusing damaged encodings with read_report's messages."""
    source = sniff(path, filename or path.name)
    try:
        return action(source)
    except UnicodeDecodeError:
        if source.encoding == "cp1252":  # neither UTF-8 nor Windows-1252 from the start
            raise unknown_encoding(source) from None
        problem = locate_problem(source)
        if source.encoding.startswith("utf-16") and source.path.stat().st_size % 2:
            raise ReportError(
                source.filename,
                "Die Datei endet mitten in einem Zeichen: sie wurde beim Herunterladen oder "
                "Kopieren abgeschnitten. Bitte den Bericht erneut herunterladen.",
                line=problem.line if problem else None,
            ) from None
        # After UTF-8 umlauts, an invalid byte is damage, and reading the file as
        # Windows-1252 would turn every „ä“ into „Ã¤“ without a word; unless most of its
        # letters are Windows-1252 (with a title holding a literal „Ã¤“ further up).
        if (
            source.encoding != "utf-8"
            or problem is None
            or (problem.after_text and mostly_utf8(source))
        ):
            raise ReportError(
                source.filename,
                "Die Datei enthält Zeichen, die in ihrer Zeichenkodierung ungültig sind "
                f"({_encoding_name(source.encoding)}): sie ist beschädigt. Bitte den Bericht "
                "erneut herunterladen.",
                line=problem.line if problem else None,
                column=problem.column if problem else None,
            ) from None
    # Looked like UTF-8 at the start, but is not: Windows-1252, as EU documents are served.
    source = source.with_encoding("cp1252")
    try:
        return action(source)
    except UnicodeDecodeError:
        raise unknown_encoding(source) from None


def _encoding_name(encoding: str) -> str:
    return {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(encoding, encoding.upper())
