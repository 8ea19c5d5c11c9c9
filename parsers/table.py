"""The header, its lookup, and the irregular rows every report parser must handle alike."""

from __future__ import annotations

import _csv
import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from formatting import number

from .errors import NOT_AMAZON, ReportError
from .values import AmbiguousAmount, Cache, parse_amount, parse_day, parse_instant

# csv.reader()'s type, which csv does not export: an iterator of rows with a line_num.
CsvReader = _csv.Reader


def normalise(name: str) -> str:
    """Header key: `TRANSACTION_TYPE` and `transaction-type` both become `transaction-type`."""
    return name.strip().strip('"').strip().lower().replace("_", "-").replace(" ", "-")


class Header:
    """The header row: column positions by name, unknown columns tolerated."""

    def __init__(self, cells: list[str], filename: str, line: int) -> None:
        self.cells = [c.strip().lstrip("\ufeff").strip() for c in cells]
        self.filename = filename
        self.line = line
        self.width = len(cells)
        self._index: dict[str, int] = {}
        self._duplicates: set[str] = set()
        for i, name in enumerate(self.cells):
            key = normalise(name)
            if not key:
                continue
            if key in self._index:
                self._duplicates.add(key)
            else:
                self._index[key] = i

    def __contains__(self, key: str) -> bool:
        return normalise(key) in self._index

    def find(self, key: str) -> int | None:
        """The position of a column, None if the header lacks it; refuses a duplicate."""
        key = normalise(key)
        self._refuse_duplicate(key)
        return self._index.get(key)

    def require(self, keys: Iterable[str], what: str) -> dict[str, int]:
        """The positions of `keys`; refuses a header that lacks any of them."""
        keys = tuple(keys)
        missing = [k for k in keys if normalise(k) not in self._index]
        if missing:
            raise self.missing(missing, what)
        positions = {}
        for k in keys:
            key = normalise(k)
            self._refuse_duplicate(key)
            positions[k] = self._index[key]
        return positions

    def _refuse_duplicate(self, key: str) -> None:
        if key in self._duplicates:
            raise ReportError(
                self.filename,
                "Die Spalte kommt in der Kopfzeile mehrfach vor.",
                line=self.line,
                column=self.cells[self._index[key]],
            )

    def missing(self, keys: Sequence[str], what: str) -> ReportError:
        """The refusal of a `what` (a report's name) whose header lacks the columns `keys`."""
        names = ", ".join(f"„{k}“" for k in keys)
        return ReportError(
            self.filename,
            f"Der {what} ist unvollständig: es fehlt die Spalte {names}."
            if len(keys) == 1
            else f"Der {what} ist unvollständig: es fehlen die Spalten {names}.",
            line=self.line,
            column=keys[0],
        )

    def name(self, index: int) -> str:
        """The column's name as the file spells it, for messages (never empty)."""
        return self.cells[index] or f"ohne Namen, Nr. {index + 1}"


def read_header(reader: CsvReader, filename: str) -> Header:
    """The first non-blank row, as a Header; refuses files without one."""
    try:
        for row in reader:
            if not is_blank(row):
                return Header(row, filename, reader.line_num)
    except csv.Error:
        raise ReportError(filename, NOT_AMAZON, line=1) from None
    raise ReportError(filename, "Die Datei ist leer.")


def is_blank(row: list[str]) -> bool:
    # A line of "\x1a" (Ctrl-Z), the end-of-file mark old Windows tools append: nothing.
    return not any(cell.strip() for cell in row) or row == ["\x1a"]


# A real report has few blank lines: twice converted line ends ("\r\r\n") make every
# other line blank, a spreadsheet may export thousands of rows of empty cells after
# the data. Hundreds of megabytes of nothing but line ends are hostile or damaged, and
# would cost minutes (a second per million lines): refused once they are a million
# and nine in ten of the lines read.
MAX_BLANK_LINES = 1_000_000


def check_blank_lines(blank: int, line: int, filename: str) -> None:
    """Refuse a file that is mostly blank lines (cold path: called per blank line)."""
    if blank > MAX_BLANK_LINES and blank * 10 > line * 9:
        raise ReportError(
            filename,
            f"Die Datei besteht bis hierher fast nur aus Leerzeilen ({number(blank, 0)} von "
            f"{number(line, 0)} Zeilen sind leer): sie ist beschädigt oder kein Amazon-Bericht. "
            "Bitte den Bericht erneut herunterladen.",
            line=line,
        )


# The overview of a report (marketplaces, periods, transaction types) is kept in
# sets; a hostile file with a new long value on every row would grow them without
# bound. Real reports have a handful of short values.
MAX_DISTINCT = 1000
MAX_VALUE = 200


def add_distinct(values: set[str], text: str, header: Header, line: int, index: int) -> None:
    """Add a value the caller found not yet in `values`, within the bounds (cold path)."""
    if len(text) > MAX_VALUE:
        raise ReportError(
            header.filename,
            f"Der Wert ist mit {len(text)} Zeichen zu lang für diese Spalte (höchstens "
            f"{MAX_VALUE}).",
            line=line,
            column=header.name(index),
        )
    if len(values) >= MAX_DISTINCT:
        raise ReportError(
            header.filename,
            f"Die Spalte hat mehr als {MAX_DISTINCT} verschiedene Werte: das ist kein "
            "plausibler Amazon-Bericht.",
            line=line,
            column=header.name(index),
        )
    values.add(text)


def irregular_row(
    row: list[str], header: Header, reader: Iterator[list[str]], line: int
) -> list[str] | None:
    """Handle a row whose width differs from the header's.

    Returns None for a blank line (skipped), the row cut to the header's width when
    only empty cells stick out (a trailing delimiter), and refuses everything else;
    a short last row is a truncated file and gets its own message.
    """
    width = header.width
    if is_blank(row):
        return None
    if len(row) > width:
        if is_blank(row[width:]):
            return row[:width]
        raise ReportError(
            header.filename,
            f"Die Zeile hat {len(row)} Spalten, die Kopfzeile aber nur {width}. "
            "Vermutlich enthält ein Wert das Trennzeichen; bitte den Bericht unverändert "
            "aus Seller Central hochladen.",
            line=line,
        )
    for later in reader:
        if not is_blank(later):
            raise ReportError(
                header.filename,
                f"Die Zeile hat nur {len(row)} von {width} Spalten. Bitte den Bericht "
                "unverändert aus Seller Central hochladen.",
                line=line,
                column=header.name(len(row)) if row else None,
            )
    raise ReportError(
        header.filename,
        f"Die letzte Zeile ist unvollständig ({len(row)} von {width} Spalten): die Datei "
        "wurde beim Herunterladen oder Kopieren abgeschnitten. Bitte den Bericht erneut "
        "herunterladen.",
        line=line,
        column=header.name(len(row)) if row else None,
    )


def numbered_rows(reader: CsvReader, header: Header) -> Iterator[tuple[int, list[str]]]:
    """The rows of a validated file after its header, with the line each starts on, as wide
    as the header (blank lines of another width skipped, a trailing delimiter cut off)."""
    width = header.width
    # csv's line_num is the last line of a row; a quoted value may span lines, and a
    # row starts one after where the previous ended.
    last = reader.line_num
    for row in reader:
        line, last = last + 1, reader.line_num
        if len(row) != width:
            regular = irregular_row(row, header, reader, line)
            if regular is None:
                continue
            row = regular
        yield line, row


class Cells:
    """Parses cells through bounded caches and turns failures into ReportErrors."""

    def __init__(self, header: Header, *, parsed_by: Cells | None = None) -> None:
        """`parsed_by`: the Cells of an earlier pass over the same file, whose parsed values
        the second pass reuses instead of parsing every distinct cell again."""
        self.header = header
        self.amount: Cache[Decimal] = parsed_by.amount if parsed_by else Cache(parse_amount)
        self.instant: Cache[datetime] = parsed_by.instant if parsed_by else Cache(parse_instant)
        self.day: Cache[date] = parsed_by.day if parsed_by else Cache(parse_day)
        self.integer: Cache[int] = parsed_by.integer if parsed_by else Cache(_parse_int)

    def _fail(self, message: str, line: int, index: int) -> ReportError:
        return ReportError(self.header.filename, message, line=line, column=self.header.name(index))

    def bad_amount(self, text: str, line: int, index: int) -> Decimal:
        if not text.strip():
            raise self._fail("Der Betrag fehlt.", line, index)
        try:
            return self.amount.miss(text)
        except AmbiguousAmount:
            raise self._fail(
                f"„{text}“ ist mehrdeutig: mit Tausender- oder mit Dezimaltrennzeichen? Bitte "
                "den Bericht unverändert aus Seller Central hochladen oder die Beträge ohne "
                "Tausendertrennzeichen speichern.",
                line,
                index,
            ) from None
        except ValueError:
            raise self._fail(f"„{text}“ ist kein gültiger Betrag.", line, index) from None

    def bad_instant(self, text: str, line: int, index: int) -> datetime | None:
        if not text.strip():
            return None
        try:
            return self.instant.miss(text)
        except ValueError:
            raise self._fail(
                f"„{text}“ ist kein gültiges Datum (erwartet z. B. „2025-10-09T22:07:18+00:00“, "
                "„2023-01-05 07:13:19 UTC“, „05.01.2023 07:13:19 UTC“ oder „05.01.2023“).",
                line,
                index,
            ) from None

    def bad_day(self, text: str, line: int, index: int) -> date | None:
        if not text.strip():
            return None
        try:
            return self.day.miss(text)
        except ValueError:
            raise self._fail(
                f"„{text}“ ist kein gültiges Datum (erwartet „TT-MM-JJJJ“, „TT.MM.JJJJ“ oder "
                "„JJJJ-MM-TT“).",
                line,
                index,
            ) from None

    def bad_int(self, text: str, line: int, index: int) -> int | None:
        if not text.strip():
            return None
        try:
            return self.integer.miss(text)
        except ValueError:
            raise self._fail(f"„{text}“ ist keine gültige Menge.", line, index) from None

    # Convenience for the second pass and cold paths.
    def amount_at(self, row: list[str], index: int, line: int) -> Decimal:
        text = row[index]
        value = self.amount.get(text)
        return self.bad_amount(text, line, index) if value is None else value

    def instant_at(self, row: list[str], index: int | None, line: int) -> datetime | None:
        if index is None or not row[index]:
            return None
        text = row[index]
        value = self.instant.get(text)
        return self.bad_instant(text, line, index) if value is None else value

    def day_at(self, row: list[str], index: int | None, line: int) -> date | None:
        if index is None or not row[index].strip():
            return None
        text = row[index]
        value = self.day.get(text)
        return self.bad_day(text, line, index) if value is None else value

    def int_at(self, row: list[str], index: int | None, line: int) -> int | None:
        if index is None or not row[index].strip():
            return None
        text = row[index]
        value = self.integer.get(text)
        return self.bad_int(text, line, index) if value is None else value


def _parse_int(text: str) -> int:
    s = text.strip()
    if s[-2:] in (".0", ",0") or s[-3:] in (".00", ",00"):
        # Spreadsheet exports write 1 as 1.0, a German one as 1,0 or 1,00.
        s = s[: s.rfind("." if "." in s else ",")]
    digits = s[1:] if s[:1] in "+-" else s
    if not digits or not digits.isascii() or not digits.isdigit():
        raise ValueError(text)
    return int(s)
