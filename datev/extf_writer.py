"""Streaming writer of DATEV EXTF Buchungsstapel files (format version 13).

Bookings arrive as an iterable in any order; each goes straight to the file of its period (see
`datev.periods`), a new file starts after 99,999 bookings. Nothing is collected in memory, so a
report with millions of rows is written with the memory of a few open files.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from datev import extf_format as fmt
from datev.bookings import Booking
from datev.extf_format import Col
from datev.extf_validator import LineChecker, ValidationResult
from datev.periods import Period, PeriodCache
from datev.settings import BatchSettings

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FILE_NAME_FORBIDDEN = re.compile(r"[^A-Za-z0-9_-]+")


# Letters that Unicode does not decompose into a base letter plus accent.
_NO_DECOMPOSITION = str.maketrans("ŁłĐđıĦħŦŧ", "LlDdiHhTt")


def _transliterate(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: replace what Windows-1252 cannot hold by its plain-letter form."""
    assert isinstance(error, UnicodeEncodeError)
    bad = error.object[error.start : error.end].translate(_NO_DECOMPOSITION)
    plain = unicodedata.normalize("NFKD", bad).encode("ascii", "ignore").decode("ascii")
    return plain or "?", error.end


codecs.register_error("datev_transliterate", _transliterate)


# What Windows-1252 holds besides ASCII (0x80-0x9F are letters and signs there, not controls).
_CP1252_EXTRA = bytes(range(0x80, 0x100)).decode(fmt.ENCODING, "ignore")
# A character that clean_text changes: a control character or one Windows-1252 lacks. Searching
# for it costs a tenth of the encode and decode round trip that finds it otherwise.
_NEEDS_CLEANING = re.compile(f"[^ -~{re.escape(_CP1252_EXTRA)}]")


def clean_text(value: str, limit: int) -> str:
    """A text field as DATEV accepts it: Windows-1252, no control characters, at most `limit`."""
    if value.isascii():
        if value.isprintable():  # C-speed tests; the regexes run only when needed
            return value[:limit]
    elif _NEEDS_CLEANING.search(value) is None:
        return value[:limit]
    else:
        value = value.encode(fmt.ENCODING, "datev_transliterate").decode(fmt.ENCODING)
    if not value.isprintable():
        value = _CONTROL.sub(" ", value)
    return value[:limit]


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _Repeated(dict):
    """quote(clean_text()) of the values of a field that repeat on many rows (currency, rule,
    settlement), each computed once; emptied when full, so memory stays bounded."""

    __slots__ = ("limit", "prefix")

    def __init__(self, limit: int, prefix: str = "") -> None:
        super().__init__()
        self.limit = limit
        self.prefix = prefix  # fields before it that go with it, ";" included

    def __missing__(self, value: str) -> str:
        if len(self) > 4096:
            self.clear()
        quoted = self[value] = self.prefix + quote(clean_text(value, self.limit))
        return quoted


def _amount(value) -> str:
    return f"{value:.2f}".replace(".", ",")


_EMPTY_ROW: tuple[str, ...] = tuple('""' if c.kind == fmt.TEXT else "" for c in fmt.COLUMNS)
# Every booking has these: Festschreibung 0 (DATEV's default would lock the batch) and no
# Generalumkehr.
_TEMPLATE = list(_EMPTY_ROW)
_TEMPLATE[Col.FESTSCHREIBUNG - 1] = "0"
_TEMPLATE[Col.GENERALUMKEHR - 1] = '"0"'
# 0-based indexes of the fields a booking fills (an attribute lookup per field costs).
_UMSATZ, _SOLL_HABEN, _WKZ_UMSATZ, _KURS, _BASIS_UMSATZ, _WKZ_BASIS_UMSATZ = range(6)
_KONTO, _GEGENKONTO, _BU, _BELEGDATUM = (
    Col.KONTO - 1, Col.GEGENKONTO - 1, Col.BU_SCHLUESSEL - 1, Col.BELEGDATUM - 1,
)  # fmt: skip
_BELEGFELD_1, _BELEGFELD_2, _BUCHUNGSTEXT = (
    Col.BELEGFELD_1 - 1, Col.BELEGFELD_2 - 1, Col.BUCHUNGSTEXT - 1,
)  # fmt: skip
_ART_1, _INHALT_1, _ART_2, _INHALT_2, _ART_3, _INHALT_3 = range(
    Col.BELEGINFO_ART_1 - 1, Col.BELEGINFO_INHALT_3
)
_EU_LAND, _EU_STEUERSATZ, _SACHVERHALT = (
    Col.EU_LAND_USTID - 1, Col.EU_STEUERSATZ - 1, Col.SACHVERHALT_LL - 1,
)  # fmt: skip
_ABRECHNUNGSREFERENZ, _URSPRUNG = Col.ABRECHNUNGSREFERENZ - 1, Col.EU_LAND_USTID_URSPRUNG - 1
_CURRENCIES, _TAX_KEYS = _Repeated(3), _Repeated(4)
_RULE_INFO = _Repeated(210, prefix='"Buchungsregel";')  # Beleginfo - Art 1 and Inhalt 1
_SETTLEMENT_REFS, _ORIGIN_VAT_IDS = _Repeated(50), _Repeated(15)
_DAYS: dict = {}  # Belegdatum TTMM per date

# The line is built as one string rather than as 125 cells: between the fields a booking fills,
# the template's constant fields stand as constant text, and fields 27 to 125 (EU fields,
# Sachverhalt, Abrechnungsreferenz, ...) take one of a few values per batch, so that part of
# the line is made once per combination (`_tail`).
_EMPTY_TEXT = '""'
_NO_RATE = ";".join(_TEMPLATE[_KURS : _WKZ_BASIS_UMSATZ + 1])  # Kurs;Basis-Umsatz;WKZ
_SKONTO = _TEMPLATE[_BUCHUNGSTEXT - 1]
_POSTENSPERRE_TO_BELEGLINK = ";".join(_TEMPLATE[_BUCHUNGSTEXT + 1 : _ART_1])
_NO_BELEGINFO = ";".join(_TEMPLATE[_ART_1 : _ART_1 + 2])
_FIRST_OF_TAIL = _INHALT_3 + 1
_TAILS: dict[tuple, str] = {}
_ACCOUNTS: dict[tuple, tuple[str, str]] = {}
assert _TEMPLATE[_BU] == _TEMPLATE[_BELEGFELD_1] == _TEMPLATE[_BELEGFELD_2] == _EMPTY_TEXT
assert _TEMPLATE[_BUCHUNGSTEXT] == _EMPTY_TEXT
assert ";".join(_TEMPLATE[_ART_2 : _ART_2 + 2]) == _NO_BELEGINFO
assert ";".join(_TEMPLATE[_ART_3 : _ART_3 + 2]) == _NO_BELEGINFO


def format_booking(b: Booking) -> str:
    """One booking as a line of the file (without the line end): the 125 fields, text in
    quotes, and only characters of Windows-1252 (the rest transliterated)."""
    if b.amount <= 0:
        raise ValueError(f"Umsatz muss positiv sein, nicht {b.amount}")
    if b.rate is None:
        rate = _NO_RATE
    else:
        rate = f'{f"{b.rate:.6f}".replace(".", ",")};{_amount(b.base_amount)};"EUR"'
    fields = (b.side, b.currency, b.account, b.contra_account, b.tax_key)
    accounts = _ACCOUNTS.get(fields) or _accounts(fields)
    day = _DAYS.get(b.date)
    if day is None:
        if len(_DAYS) > 4096:
            _DAYS.clear()
        day = _DAYS[b.date] = f"{b.date.day:02d}{b.date.month:02d}"
    key = (b.eu_country_vat_id, b.eu_tax_rate, b.sachverhalt, b.settlement_ref, b.origin_vat_id)
    tail = _TAILS.get(key) or _tail(key)
    rule = _RULE_INFO[b.rule] if b.rule else _NO_BELEGINFO
    source = f'"Quelle";{_text(b.source, 210)}' if b.source else _NO_BELEGINFO
    invoice = f'"Rechnung";{_text(b.invoice_url, 210)}' if b.invoice_url else _NO_BELEGINFO
    return (
        f"{_amount(b.amount)};{accounts[0]};{rate};{accounts[1]};{day};"
        f"{_quoted_cp1252(b.document_no)};{_quoted_cp1252(b.document_no_2)};{_SKONTO};"
        f"{_text(b.text, 60)};{_POSTENSPERRE_TO_BELEGLINK};{rule};{source};{invoice};{tail}"
    )


def _accounts(key: tuple) -> tuple[str, str]:
    """(Soll/Haben;WKZ Umsatz, Konto;Gegenkonto;BU-Schlüssel) for (side, currency, account,
    contra account, tax key): the fields around Kurs and Basis-Umsatz."""
    side, currency, account, contra_account, tax_key = key
    side = '"S"' if side == "S" else '"H"'
    if len(_ACCOUNTS) > 4096:
        _ACCOUNTS.clear()
    accounts = _ACCOUNTS[key] = (
        f"{side};{_CURRENCIES[currency]}",
        f"{_in_cp1252(account)};{_in_cp1252(contra_account)};"
        f"{_TAX_KEYS[tax_key] if tax_key else _EMPTY_TEXT}",
    )
    return accounts


def _text(value: str, limit: int) -> str:
    """quote(clean_text(value, limit)), with clean_text's first test inlined."""
    if not value:
        return _EMPTY_TEXT
    if value.isascii() and value.isprintable():
        return quote(value[:limit])
    return quote(clean_text(value, limit))


def _quoted_cp1252(value: str) -> str:
    return quote(_in_cp1252(value)) if value else _EMPTY_TEXT


def _tail(key: tuple) -> str:
    """Fields 27 to 125 of a booking's line, for (EU-Land u. UStID, EU-Steuersatz, Sachverhalt
    L+L, Abrechnungsreferenz, EU-Land u. UStID Ursprung)."""
    eu_country_vat_id, eu_tax_rate, sachverhalt, settlement_ref, origin_vat_id = key
    row = _TEMPLATE.copy()
    if eu_country_vat_id:
        row[_EU_LAND] = quote(_in_cp1252(eu_country_vat_id))
    if eu_tax_rate is not None:
        row[_EU_STEUERSATZ] = _amount(eu_tax_rate)
    if sachverhalt:
        row[_SACHVERHALT] = _in_cp1252(sachverhalt)  # a number: bare, as in DATEV's sample
    if settlement_ref:
        row[_ABRECHNUNGSREFERENZ] = _SETTLEMENT_REFS[settlement_ref]
    if origin_vat_id:
        row[_URSPRUNG] = _ORIGIN_VAT_IDS[origin_vat_id]
    if len(_TAILS) > 4096:
        _TAILS.clear()
    tail = _TAILS[key] = ";".join(row[_FIRST_OF_TAIL:])
    return tail


def _in_cp1252(value: str) -> str:
    """A field the engine does not clean (its pattern allows ASCII only), as the file holds
    it: the validator then sees what DATEV would."""
    return value if value.isascii() else _encodable(value)


def _encodable(cell: str) -> str:
    """The cell as the file holds it: what Windows-1252 lacks, transliterated."""
    return cell.encode(fmt.ENCODING, "datev_transliterate").decode(fmt.ENCODING)


def header_line(
    settings: BatchSettings, period: Period, title: str, created_at: datetime, currency: str = "EUR"
) -> str:
    """Line 1 exactly as DESIGN.md §3 and DATEV's sample write it; field 21 Festschreibung = 0."""
    stamp = created_at.strftime("%Y%m%d%H%M%S") + f"{created_at.microsecond // 1000:03d}"
    fields = [
        '"EXTF"',
        str(fmt.HEADER_VERSION),
        str(fmt.CATEGORY_BOOKINGS),
        quote(fmt.FORMAT_NAME),
        str(fmt.FORMAT_VERSION),
        stamp,
        "",
        '"RE"',
        '""',
        '""',
        str(settings.berater),
        str(settings.mandant),
        period.fiscal_year_start.strftime("%Y%m%d"),
        str(settings.account_length),
        period.start.strftime("%Y%m%d"),
        period.end.strftime("%Y%m%d"),
        quote(clean_text(title, 30)),
        quote(clean_text(settings.dictation, 2)),
        "1",
        "0",
        "0",
        quote(currency),
        "",
        '""',
        "",
        "",
        quote(settings.skr),
        "",
        "",
        '""',
        '""',
    ]
    assert len(fields) == fmt.HEADER_FIELD_COUNT
    return ";".join(fields)


@dataclass
class WrittenFile:
    path: Path
    period: Period
    part: int
    bookings: int = 0
    # The findings of validating the file while it was written (extf_validator.LineChecker).
    validation: ValidationResult | None = field(default=None, repr=False, compare=False)


def file_name(name: str, period: Period, part: int) -> str:
    safe = _FILE_NAME_FORBIDDEN.sub("-", name).strip("-") or "Buchungsstapel"
    suffix = f"_{part}" if part > 1 else ""
    return f"EXTF_{safe}_{period.start:%Y%m%d}-{period.end:%Y%m%d}{suffix}.csv"


# Lines are encoded and written in groups: one write per line costs an encoder call each.
_LINES_PER_WRITE = 1000
# Windows-1252 and Latin-1 encode every character alike except U+0080-U+009F, which Windows-1252
# lacks (its bytes 0x80-0x9F are other characters, such as the euro sign), and Latin-1 encodes
# many times faster.
_C1_BYTES = bytes(range(0x80, 0xA0))


def _encoded(text: str) -> bytes:
    """`text` in Windows-1252, strictly (UnicodeEncodeError for a character it lacks)."""
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode(fmt.ENCODING)  # "€", "„", ...: or what neither has, which raises
    if len(data.translate(None, _C1_BYTES)) != len(data):
        return text.encode(fmt.ENCODING)  # raises: U+0080-U+009F are not in Windows-1252
    return data


def _flush(entry: tuple[WrittenFile, BinaryIO, LineChecker, list[str]]) -> None:
    pending = entry[3]
    if pending:
        pending.append("")  # the last line's end
        entry[1].write(_encoded(fmt.LINE_END.join(pending)))
        pending.clear()


def write_batch(
    bookings: Iterable[Booking],
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    name: str,
    title: str,
    created_at: datetime | None = None,
    max_per_file: int = fmt.MAX_BOOKINGS_PER_FILE,
) -> list[WrittenFile]:
    """Write `bookings` into EXTF files in `out_dir`, one or more per period, sorted by period.

    Each file is validated as it is written (`WrittenFile.validation`, the findings of
    `extf_validator.validate_file` without reading the file back). If generating or writing
    fails, every file begun is removed and the error propagates.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    created_at = created_at or datetime.now(UTC)
    period_of = PeriodCache(settings)
    current: dict[Period, list[tuple[WrittenFile, BinaryIO, LineChecker, list[str]]]] = {}
    written: list[WrittenFile] = []
    handles: list[BinaryIO] = []
    checkers: list[tuple[WrittenFile, LineChecker]] = []

    def open_file(
        period: Period, part: int
    ) -> tuple[WrittenFile, BinaryIO, LineChecker, list[str]]:
        path = out_dir / file_name(name, period, part)
        # Encoded strictly (`_encoded`): every field is Windows-1252 already (format_booking),
        # and the file must hold exactly the text the checker checked.
        handle = open(path, "wb", buffering=1 << 20)  # noqa: SIM115 - closed below, also on failure
        handles.append(handle)
        header = _encodable(header_line(settings, period, title, created_at))
        checker = LineChecker(path.name, header)
        checker.column_header(fmt.COLUMN_HEADER_LINE)
        handle.write(_encoded(header + fmt.LINE_END + fmt.COLUMN_HEADER_LINE + fmt.LINE_END))
        out = WrittenFile(path, period, part)
        written.append(out)
        checkers.append((out, checker))
        return out, handle, checker, []

    # The open file of each day's period, in a holder shared by the days of the period (a
    # date is a cheaper key than a Period, whose hash and equality are Python code).
    of_day: dict[date, list[tuple[WrittenFile, BinaryIO, LineChecker, list[str]]]] = {}
    try:
        for booking in bookings:
            holder = of_day.get(booking.date)
            if holder is None:
                period = period_of(booking.date)
                holder = current.get(period)
                if holder is None:
                    holder = current[period] = [open_file(period, 1)]
                of_day[booking.date] = holder
            entry = holder[0]
            if entry[0].bookings >= max_per_file:
                _flush(entry)
                entry[1].close()
                entry = holder[0] = open_file(entry[0].period, entry[0].part + 1)
            target, _handle, checker, pending = entry
            line = format_booking(booking)  # Windows-1252 already: checked as the file holds it
            checker.check(line)
            pending.append(line)
            target.bookings += 1
            if len(pending) >= _LINES_PER_WRITE:
                _flush(entry)
        for holder in current.values():
            _flush(holder[0])
    except BaseException:
        for handle in handles:
            handle.close()
        for out in written:
            out.path.unlink(missing_ok=True)
        raise
    for handle in handles:
        handle.close()
    for out, checker in checkers:
        out.validation = checker.finish()
    return sorted(written, key=lambda w: (w.period, w.part))
