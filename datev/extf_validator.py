"""Validator of DATEV EXTF Buchungsstapel files (format version 13) with the rules of DESIGN.md §3.

Every file Kontor generates is validated before it is offered for download: while it is written,
by `LineChecker` (the writer hands over each line, nothing is read back), with the findings
`validate_file` gives for the finished file. Both check booking lines with `RowChecker`: the
whole-row pattern in two parts, fields 1-26 matched on every line and fields 27-125 (a few
distinct texts per batch) known by their text once they matched, then the cross-field checks;
any line that fails goes through the field-by-field check that says what is wrong. DATEV's own
sample batch passes `validate_file` without a finding. The file is read line by line, so memory
does not grow with its size. Messages are German: they are shown to users.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from datev import extf_format as fmt
from datev.errors import DatevError
from datev.extf_format import Col
from datev.limits import ACCOUNT_LENGTH, BERATER, MANDANT

MAX_ISSUES = 200


@dataclass(frozen=True, slots=True)
class Issue:
    line: int  # 1-based line of the file
    column: int | None  # 1-based field number, None for the whole line
    message: str

    def __str__(self) -> str:
        where = f"Zeile {self.line}" + (f", Feld {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ValidationResult:
    issues: list[Issue] = field(default_factory=list)
    bookings: int = 0
    period: tuple[dt.date, dt.date] | None = None
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.issues

    def add(self, line: int, column: int | None, message: str) -> None:
        if len(self.issues) < MAX_ISSUES:
            self.issues.append(Issue(line, column, message))
        else:
            self.truncated = True


class ExtfValidationError(DatevError):
    """A generated file failed validation; str() lists the first findings in German."""

    def __init__(self, path: Path, result: ValidationResult) -> None:
        self.path = path
        self.result = result
        first = "; ".join(str(issue) for issue in result.issues[:5])
        super().__init__(f"Die Datei {path.name} ist kein gültiger DATEV-Buchungsstapel: {first}")


def split_fields(line: str) -> list[tuple[str, bool]]:
    """Split one line at ';' honouring "..." quoting; returns (value, was_quoted) per field."""
    out: list[tuple[str, bool]] = []
    pieces = line.split(";")
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if piece.startswith('"'):
            # A quoted field may contain ';': join pieces until its quotes are balanced.
            while (
                piece.count('"') % 2 or len(piece) < 2 or not piece.endswith('"')
            ) and i + 1 < len(pieces):
                i += 1
                piece += ";" + pieces[i]
            inner = piece[1:-1] if len(piece) >= 2 and piece.endswith('"') else piece[1:]
            out.append((inner.replace('""', '"'), True))
        else:
            out.append((piece, False))
        i += 1
    return out


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        return None


def _decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@dataclass
class _Header:
    year: int
    start: dt.date
    end: dt.date
    fy_start: dt.date
    account_length: int
    currency: str
    _dates: dict[str, str] = field(default_factory=dict)

    def date_problem(self, ddmm: str) -> str:
        """ "" if Belegdatum TTMM is a day inside Datum vom/bis, else the German message."""
        problem = self._dates.get(ddmm)
        if problem is None:
            problem = ""
            if len(ddmm) == 4 and ddmm.isdigit():
                try:
                    day = dt.date(self.year, int(ddmm[2:]), int(ddmm[:2]))
                except ValueError:
                    problem = f"Belegdatum {ddmm} gibt es {self.year} nicht."
                else:
                    if not self.start <= day <= self.end:
                        problem = f"Belegdatum {ddmm} liegt außerhalb Datum vom/bis."
            self._dates[ddmm] = problem
        return problem


# Header fields DATEV's sample writes in quotes (Formatname, Herkunft, Exportiert von,
# Importiert von, Bezeichnung, Diktatkürzel, WKZ, Derivatskennzeichen, SKR, Anwendungsinformation,
# ...); all others are numbers or dates and stand bare.
_HEADER_TEXT_FIELDS = frozenset({1, 4, 8, 9, 10, 17, 18, 22, 24, 27, 30, 31})


def _check_header(fields: list[tuple[str, bool]], result: ValidationResult) -> _Header | None:
    line = 1
    if len(fields) != fmt.HEADER_FIELD_COUNT:
        result.add(line, None, f"Kopfzeile hat {len(fields)} statt 31 Felder.")
        return None
    values = [v for v, _ in fields]
    expected = {
        1: ("EXTF", True),
        2: (str(fmt.HEADER_VERSION), False),
        3: (str(fmt.CATEGORY_BOOKINGS), False),
        4: (fmt.FORMAT_NAME, True),
        5: (str(fmt.FORMAT_VERSION), False),
    }
    for number, (value, quoted) in expected.items():
        if fields[number - 1] != (value, quoted):
            result.add(line, number, f"erwartet {value!r}, gefunden {values[number - 1]!r}.")
    for number, (value, quoted) in enumerate(fields, 1):
        if number in expected or not value:
            continue
        if quoted != (number in _HEADER_TEXT_FIELDS):
            kind = "Text muss in" if number in _HEADER_TEXT_FIELDS else "Zahl darf nicht in"
            result.add(line, number, f'{kind} "..." stehen, wie in DATEVs Musterdatei.')
    if not (len(values[5]) == 17 and values[5].isdigit()):
        result.add(line, 6, "Erzeugt am muss JJJJMMTTHHMMSSFFF sein.")
    for number, limits in ((11, BERATER), (12, MANDANT)):
        if not (values[number - 1].isdigit() and int(values[number - 1]) in limits):
            result.add(line, number, limits.message)
    fy_start, start, end = (_parse_date(values[i]) for i in (12, 14, 15))
    for number, parsed in ((13, fy_start), (15, start), (16, end)):
        if parsed is None:
            result.add(line, number, f"kein gültiges Datum JJJJMMTT: {values[number - 1]!r}.")
    account_length = int(values[13]) if values[13].isdigit() else 0
    if account_length not in ACCOUNT_LENGTH:
        result.add(line, 14, ACCOUNT_LENGTH.message)
    if len(values[16]) > 30 or not fields[16][1]:
        result.add(line, 17, "Bezeichnung muss ein Text mit höchstens 30 Zeichen sein.")
    if values[18] not in ("", "1"):
        result.add(line, 19, "Buchungstyp muss 1 (Finanzbuchführung) sein.")
    if values[20] != "0":
        result.add(line, 21, "Festschreibung muss 0 sein (leer bedeutet: DATEV schreibt fest).")
    currency = values[21] or "EUR"
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        result.add(line, 22, f"WKZ {currency!r} ist kein ISO-Währungscode.")
    if values[26] not in ("", "03", "04"):
        result.add(line, 27, "SKR muss 03 oder 04 sein.")
    if fy_start is None or start is None or end is None:
        return None
    if start > end:
        result.add(line, 15, "Datum vom liegt nach Datum bis.")
    if start.year != end.year:
        result.add(line, 16, "Datum vom und Datum bis liegen in verschiedenen Kalenderjahren.")
    if fy_start.month == 2 and fy_start.day == 29:
        result.add(line, 13, "Ein Wirtschaftsjahr kann nicht am 29. Februar beginnen.")
        return None
    fy_next = fy_start.replace(year=fy_start.year + 1)
    if not fy_start <= start <= end < fy_next:
        result.add(line, 15, "Datum vom/bis liegen nicht in einem Wirtschaftsjahr ab WJ-Beginn.")
    result.period = (start, end)
    return _Header(start.year, start, end, fy_start, account_length, currency)


# Columns whose values the semantic checks need; the whole-row pattern captures them.
_SEMANTIC = (
    Col.UMSATZ, Col.SOLL_HABEN, Col.WKZ_UMSATZ, Col.KURS, Col.BASIS_UMSATZ,
    Col.WKZ_BASIS_UMSATZ, Col.KONTO, Col.GEGENKONTO, Col.BU_SCHLUESSEL, Col.BELEGDATUM,
    Col.BELEGLINK, Col.EU_LAND_USTID, Col.EU_STEUERSATZ, Col.SACHVERHALT_LL, Col.FESTSCHREIBUNG,
)  # fmt: skip
# DATEV takes a Beleglink only into its own document stores: a 4-letter system code and the
# document's id in quotes, e.g. BEDI "CB6A8F8F-099A-B3A9-2BAA-0CB64E299BA1" (not a URL).
_BELEGLINK = re.compile(r'[A-Z]{4} "[^"]{1,36}"')


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1].replace('""', '"')
    return raw


_TEXT_CHARS = r'[^"\x00-\x1f\x7f]'


def _free_text(limit: int) -> str:
    """Free text in quotes: at most `limit` characters other than quotes and control
    characters, "" standing for one quote. The first alternative, a text without quotes, is a
    single bounded character run (a tight loop in the regex engine); only a text with a quote
    takes the second, one group iteration per character."""
    return f'"{_TEXT_CHARS}{{0,{limit}}}"|"(?:{_TEXT_CHARS}|""){{0,{limit}}}"'


def _field_body(column: fmt.Column) -> str:
    """The alternatives one field of `column` may be, quotes included (the last one: empty)."""
    source = column.pattern.pattern if column.pattern is not None else '[^;"]*'
    if column.kind == fmt.TEXT:
        if column.free_text_limit is not None:
            return f"{_free_text(column.free_text_limit)}|"
        return f'"(?:{source})?"|'
    return f'{source}|""|'


def _row_pattern() -> re.Pattern[str]:
    """One pattern for a whole booking line: every field's quoting, pattern and length at once.

    A line that matches needs only the semantic checks; one that does not is taken apart field
    by field to say what is wrong. This keeps validating 500,000 lines in the order of seconds.
    """
    parts = []
    for column in fmt.COLUMNS:
        body = _field_body(column)
        # Atomic, and only where the field ends: a field has one possible end (a quoted one at
        # its closing quote, any other at the next ";"), so nothing is lost by never trying a
        # field again, and a line that fails late cannot make the engine retry the two ways a
        # plain text matches in every field before (2^n attempts).
        field = f"(?>(?:{body})(?=;|$))"
        if column.number in _SEMANTIC:
            parts.append(f"(?P<c{column.number}>{field})")
        else:
            parts.append(field)
    return re.compile(";".join(parts))


_ROW = _row_pattern()
# The captured fields in the order the pattern holds them (the order of the columns), and the
# one among them that is free text, whose quotes inside are doubled.
_CAPTURED = tuple(sorted(_SEMANTIC))
_GROUP_NUMBERS = tuple(_ROW.groupindex[f"c{col}"] for col in _CAPTURED)  # faster than names
_FREE_TEXT_CAPTURED = tuple(
    i for i, col in enumerate(_CAPTURED) if fmt.COLUMNS[col - 1].free_text_limit is not None
)


def _check_row(number: int, line: str, header: _Header | None, result: ValidationResult) -> None:
    match = _ROW.fullmatch(line)
    if match is not None:
        # The hot path: the pattern has checked every field's quoting, so a captured value is
        # quoted exactly when it starts with a quote; only free text may hold doubled quotes.
        captured = [v[1:-1] if v[:1] == '"' else v for v in match.group(*_GROUP_NUMBERS)]
        for i in _FREE_TEXT_CAPTURED:
            if '""' in captured[i]:
                captured[i] = captured[i].replace('""', '"')
        values = dict(zip(_CAPTURED, captured, strict=True))
    else:
        fields = split_fields(line)
        if not _check_fields(number, fields, result):
            return
        values = {col: fields[col - 1][0] for col in _SEMANTIC}
    _check_semantics(number, values, header, result)


# --- the fast line check -----------------------------------------------------------------

# A booking line in two parts. The head, fields 1 to 26, holds everything that differs from
# booking to booking (amounts, order ids, texts, sources); the tail, fields 27 to 125, takes
# one of a few values in a batch (EU fields, Sachverhalt, Festschreibung, Abrechnungsreferenz,
# all else empty). The head is matched by its part of the row pattern on every line; a tail
# that passed its part once is known by its text. Together they are the row pattern: split
# after the head's last field, whose end the pattern fixes (the ";" after field 26).
_HEAD_COLUMNS = Col.BELEGINFO_INHALT_3


def _fields_pattern(columns) -> str:
    parts = []
    for column in columns:
        # Atomic, and only where the field ends: as in _row_pattern.
        field = f"(?>(?:{_field_body(column)})(?=;|$))"
        parts.append(f"(?P<c{column.number}>{field})" if column.number in _SEMANTIC else field)
    return ";".join(parts)


_HEAD = re.compile(_fields_pattern(fmt.COLUMNS[:_HEAD_COLUMNS]) + ";")
_TAIL = re.compile(_fields_pattern(fmt.COLUMNS[_HEAD_COLUMNS:]))
_HEAD_SEMANTIC = tuple(col for col in _CAPTURED if col <= _HEAD_COLUMNS)
_TAIL_SEMANTIC = tuple(col for col in _CAPTURED if col > _HEAD_COLUMNS)
_HEAD_GROUPS = tuple(_HEAD.groupindex[f"c{col}"] for col in _HEAD_SEMANTIC)
_TAIL_GROUPS = tuple(_TAIL.groupindex[f"c{col}"] for col in _TAIL_SEMANTIC)
# Indexes into the head's captured fields: Umsatz, Kurs, Basis-Umsatz, and those the cross-field
# checks of a booking without Kurs and Basis-Umsatz read (the rest: Umsatz is only required).
_H_UMSATZ, _H_KURS, _H_BASIS = (
    _HEAD_SEMANTIC.index(c) for c in (Col.UMSATZ, Col.KURS, Col.BASIS_UMSATZ)
)
_head_key = itemgetter(
    *(i for i, c in enumerate(_HEAD_SEMANTIC) if c not in (Col.UMSATZ, Col.KURS, Col.BASIS_UMSATZ))
)
_EMPTY = ("", '""')  # an empty field, bare or quoted (numbers may be either)
# Enough for every distinct combination of a large batch; emptied when full (memory stays flat).
_MAX_REMEMBERED = 1 << 16


class _Tail:
    """A tail that matched its pattern: its semantic fields, and the heads' keys (see
    _head_key) of euro bookings that passed every check with it."""

    __slots__ = ("values", "heads_ok")

    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values
        self.heads_ok: set[tuple[str, ...]] = set()


class RowChecker:
    """The findings of `_check_row` for the booking lines of one file, at a fraction of its
    cost: a line that the head pattern, a known (or newly matched) tail and the cross-field
    checks pass is valid; any other goes through `_check_row` itself, so the findings and
    messages are the same by construction."""

    def __init__(self, header: _Header | None) -> None:
        self._header = header
        self._tails: dict[str, _Tail] = {}

    def check(self, number: int, line: str, result: ValidationResult) -> None:
        if self._header is None or not self._valid(number, line):
            _check_row(number, line, self._header, result)

    def _valid(self, number: int, line: str) -> bool:
        head = _HEAD.match(line)
        if head is None:
            return False
        tail_text = line[head.end() :]
        tail = self._tails.get(tail_text)
        if tail is None:
            match = _TAIL.fullmatch(tail_text)
            if match is None:
                return False
            if len(self._tails) >= _MAX_REMEMBERED:
                self._tails.clear()
            tail = self._tails[tail_text] = _Tail(
                tuple(_unquote(v) for v in match.group(*_TAIL_GROUPS))
            )
        cells = head.group(*_HEAD_GROUPS)
        # Without Kurs and Basis-Umsatz (and with an Umsatz) the cross-field checks read only
        # the fields of the head key and the tail: a combination that passed once passes again.
        euro = (
            cells[_H_UMSATZ] not in _EMPTY
            and cells[_H_KURS] in _EMPTY
            and cells[_H_BASIS] in _EMPTY
        )
        key = _head_key(cells)
        if euro and key in tail.heads_ok:
            return True
        values = dict(zip(_HEAD_SEMANTIC, map(_unquote, cells), strict=True))
        values.update(zip(_TAIL_SEMANTIC, tail.values, strict=True))
        scratch = ValidationResult()
        _check_semantics(number, values, self._header, scratch)
        if scratch.issues:
            return False
        if euro:
            _remember(tail.heads_ok, key)
        return True


class LineChecker:
    """Validates an EXTF file while it is written: the rules of `validate_file`, applied to
    each line before it goes to the file, so the file is never read back.

        checker = LineChecker(path.name, header_text)
        checker.check(line)       # per booking: its line as the file holds it (no line end)
        result = checker.finish()

    The lines are the file's text, Windows-1252 (the writer cleans every field before it
    checks the line, and writes strictly in that encoding), so what is checked is what DATEV
    reads.
    """

    def __init__(self, file_name: str, header_text: str) -> None:
        self.result = ValidationResult()
        if not (file_name.startswith("EXTF_") and file_name.endswith(".csv")):
            self.result.add(0, None, f"Dateiname {file_name} entspricht nicht EXTF_<Name>.csv.")
        self._line_checks(1, header_text)
        self._rows = RowChecker(_check_header(split_fields(header_text), self.result))
        self._number = 1

    def _line_checks(self, number: int, text: str) -> None:
        """What `validate_stream` checks on the raw line: no CR inside it, Windows-1252."""
        if "\r" in text:
            self.result.add(number, None, "Steuerzeichen CR innerhalb der Zeile.")
        try:
            text.encode(fmt.ENCODING)
        except UnicodeEncodeError:
            self.result.add(number, None, "Zeile ist nicht Windows-1252-kodiert.")

    def column_header(self, text: str) -> None:
        self._number = 2
        if text != fmt.COLUMN_HEADER_LINE:
            self.result.add(2, None, "Zeile 2 ist nicht die Spaltenüberschrift des Formats 13.")

    def check(self, line: str) -> None:
        """One booking line, Windows-1252 text (the writer writes it strictly in that
        encoding, so one that is not fails the writing)."""
        self._number += 1
        self.result.bookings += 1
        if "\r" in line:
            self.result.add(self._number, None, "Steuerzeichen CR innerhalb der Zeile.")
        self._rows.check(self._number, line, self.result)

    def finish(self) -> ValidationResult:
        """The findings of the whole file, as `validate_file` gives them."""
        result = self.result
        if result.bookings == 0:
            result.add(1, None, "Der Stapel enthält keine Buchungen.")
        if result.bookings > fmt.MAX_BOOKINGS_PER_FILE:
            result.add(1, None, f"Mehr als {fmt.MAX_BOOKINGS_PER_FILE} Buchungen in einer Datei.")
        return result


def _remember(known: set, value: tuple[str, ...]) -> None:
    if len(known) >= _MAX_REMEMBERED:
        known.clear()
    known.add(value)


def _check_fields(number: int, fields: list[tuple[str, bool]], result: ValidationResult) -> bool:
    if len(fields) != fmt.COLUMN_COUNT:
        result.add(number, None, f"Buchungszeile hat {len(fields)} statt 125 Felder.")
        return False
    for column, (value, quoted) in zip(fmt.COLUMNS, fields, strict=True):
        if not value:
            continue
        if column.kind == fmt.TEXT:
            if not quoted:
                result.add(number, column.number, f'{column.name}: Text muss in "..." stehen.')
        elif quoted:
            result.add(number, column.number, f'{column.name}: Zahl darf nicht in "..." stehen.')
        if column.pattern is not None and not column.pattern.fullmatch(value):
            result.add(number, column.number, f"{column.name}: ungültiger Wert {value!r}.")
    return True


_REQUIRED = (Col.UMSATZ, Col.SOLL_HABEN, Col.KONTO, Col.GEGENKONTO, Col.BELEGDATUM)


def _check_semantics(
    number: int, v: dict[int, str], header: _Header | None, result: ValidationResult
) -> None:
    """The checks across fields of one booking; `v` maps column numbers to unquoted values
    (subscripts rather than calls: this runs for every booking)."""
    konto, gegenkonto = v[Col.KONTO], v[Col.GEGENKONTO]
    if not (v[Col.UMSATZ] and v[Col.SOLL_HABEN] and konto and gegenkonto and v[Col.BELEGDATUM]):
        for required in _REQUIRED:
            if not v[required]:
                result.add(number, required, f"{fmt.COLUMNS[required - 1].name} fehlt.")
    if v[Col.FESTSCHREIBUNG] not in ("", "0"):
        result.add(number, Col.FESTSCHREIBUNG, "Festschreibung muss 0 sein.")
    if konto and konto == gegenkonto:
        result.add(number, Col.GEGENKONTO, "Konto und Gegenkonto sind gleich.")
    link = v[Col.BELEGLINK]
    if link and not _BELEGLINK.fullmatch(link):
        result.add(
            number, Col.BELEGLINK, 'Beleglink muss ein DATEV-Beleglink sein (z. B. BEDI "<ID>").'
        )
    if v[Col.EU_STEUERSATZ] and not v[Col.EU_LAND_USTID]:
        result.add(number, Col.EU_STEUERSATZ, "EU-Steuersatz ohne EU-Land u. UStID (Bestimmung).")
    sachverhalt = v[Col.SACHVERHALT_LL]
    if sachverhalt and not v[Col.BU_SCHLUESSEL]:
        # The Sachverhalt says which § 13b case the key books; without a key it means nothing.
        result.add(number, Col.SACHVERHALT_LL, "Sachverhalt L+L ohne BU-Schlüssel.")
    elif sachverhalt.isdigit() and int(sachverhalt) == 0:  # else the pattern check reported it
        result.add(number, Col.SACHVERHALT_LL, "Sachverhalt L+L 0 gibt es nicht.")
    if header is None:
        return
    longest = header.account_length + 1
    if len(konto) > longest or len(gegenkonto) > longest:
        for col in (Col.KONTO, Col.GEGENKONTO):
            if len(v[col]) > longest:
                result.add(
                    number,
                    col,
                    f"Konto {v[col]} ist länger als Sachkontenlänge "
                    f"{header.account_length} + 1 Stelle.",
                )
    problem = header.date_problem(v[Col.BELEGDATUM])
    if problem:
        result.add(number, Col.BELEGDATUM, problem)
    if v[Col.WKZ_UMSATZ] not in ("", header.currency) or v[Col.KURS]:
        _check_currency(number, v.__getitem__, header, result)
    elif v[Col.BASIS_UMSATZ] or v[Col.WKZ_BASIS_UMSATZ]:
        result.add(number, Col.KURS, "Kurs/Basis-Umsatz ohne Fremdwährung in WKZ Umsatz.")


def _check_currency(number, value, header: _Header, result: ValidationResult) -> None:
    wkz = value(Col.WKZ_UMSATZ)
    rate, base, base_wkz = value(Col.KURS), value(Col.BASIS_UMSATZ), value(Col.WKZ_BASIS_UMSATZ)
    foreign = bool(wkz) and wkz != header.currency
    if foreign and not (rate and base and base_wkz):
        result.add(number, Col.KURS, f"Fremdwährung {wkz}: Kurs, Basis-Umsatz und WKZ fehlen.")
        return
    if not foreign and (rate or base or base_wkz):
        result.add(number, Col.KURS, "Kurs/Basis-Umsatz ohne Fremdwährung in WKZ Umsatz.")
        return
    if not foreign:
        return
    if base_wkz != header.currency:
        result.add(number, Col.WKZ_BASIS_UMSATZ, f"WKZ Basis-Umsatz muss {header.currency} sein.")
    try:
        amount, kurs, basis = _decimal(value(Col.UMSATZ)), _decimal(rate), _decimal(base)
    except ArithmeticError:
        return  # the pattern check has reported it
    if kurs <= 0:
        return
    # DATEV's sample itself rounds its rates (124,00 CHF / 1,240402 = 99,97 given as 100,00),
    # so allow a cent plus 0.05 % before calling the base amount inconsistent.
    if abs(amount / kurs - basis) > Decimal("0.01") + basis * Decimal("0.0005"):
        result.add(number, Col.BASIS_UMSATZ, "Basis-Umsatz passt nicht zu Umsatz / Kurs.")


def _lines(stream: BinaryIO, result: ValidationResult) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, 1):
        if not raw.endswith(b"\r\n"):
            result.add(number, None, "Zeile endet nicht mit CRLF.")
            body = raw.rstrip(b"\r\n")
        else:
            body = raw[:-2]
        if b"\r" in body:
            result.add(number, None, "Steuerzeichen CR innerhalb der Zeile.")
        try:
            text = body.decode(fmt.ENCODING)
        except UnicodeDecodeError:
            result.add(number, None, "Zeile ist nicht Windows-1252-kodiert.")
            text = body.decode(fmt.ENCODING, "replace")
        yield number, text


def validate_stream(stream: BinaryIO) -> ValidationResult:
    result = ValidationResult()
    rows = RowChecker(None)
    for number, text in _lines(stream, result):
        if number == 1:
            rows = RowChecker(_check_header(split_fields(text), result))
        elif number == 2:
            if text != fmt.COLUMN_HEADER_LINE:
                result.add(2, None, "Zeile 2 ist nicht die Spaltenüberschrift des Formats 13.")
        else:
            result.bookings += 1
            rows.check(number, text, result)
    if result.bookings == 0:
        result.add(1, None, "Der Stapel enthält keine Buchungen.")
    if result.bookings > fmt.MAX_BOOKINGS_PER_FILE:
        result.add(1, None, f"Mehr als {fmt.MAX_BOOKINGS_PER_FILE} Buchungen in einer Datei.")
    return result


def validate_file(path: Path | str) -> ValidationResult:
    path = Path(path)
    result = ValidationResult()
    if not (path.name.startswith("EXTF_") and path.name.endswith(".csv")):
        result.add(0, None, f"Dateiname {path.name} entspricht nicht EXTF_<Name>.csv.")
    with path.open("rb") as stream:
        streamed = validate_stream(stream)
    streamed.issues[:0] = result.issues
    return streamed
