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
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

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


def clean_text(value: str, limit: int) -> str:
    """A text field as DATEV accepts it: Windows-1252, no control characters, at most `limit`."""
    if not value.isascii():
        value = value.encode(fmt.ENCODING, "datev_transliterate").decode(fmt.ENCODING)
    if not value.isprintable():  # a C-speed test; the regex runs only when needed
        value = _CONTROL.sub(" ", value)
    return value[:limit]


def quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


class _Repeated(dict):
    """quote(clean_text()) of the values of a field that repeat on many rows (currency, rule,
    settlement), each computed once; emptied when full, so memory stays bounded."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def __missing__(self, value: str) -> str:
        if len(self) > 4096:
            self.clear()
        quoted = self[value] = quote(clean_text(value, self.limit))
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
_CURRENCIES, _TAX_KEYS, _RULES = _Repeated(3), _Repeated(4), _Repeated(210)
_SETTLEMENT_REFS, _ORIGIN_VAT_IDS = _Repeated(50), _Repeated(15)
_DAYS: dict = {}  # Belegdatum TTMM per date


def format_booking(b: Booking) -> str:
    """One booking as a line of the file (without the line end)."""
    return ";".join(booking_cells(b))


def booking_cells(b: Booking) -> list[str]:
    """The 125 fields of one booking's line, as the file holds them: text in quotes, and only
    characters of Windows-1252 (the rest transliterated)."""
    if b.amount <= 0:
        raise ValueError(f"Umsatz muss positiv sein, nicht {b.amount}")
    row = _TEMPLATE.copy()
    row[_UMSATZ] = _amount(b.amount)
    row[_SOLL_HABEN] = '"S"' if b.side == "S" else '"H"'
    row[_WKZ_UMSATZ] = _CURRENCIES[b.currency]
    if b.rate is not None:
        row[_KURS] = f"{b.rate:.6f}".replace(".", ",")
        row[_BASIS_UMSATZ] = _amount(b.base_amount)
        row[_WKZ_BASIS_UMSATZ] = '"EUR"'
    row[_KONTO] = b.account
    row[_GEGENKONTO] = b.contra_account
    if b.tax_key:
        row[_BU] = _TAX_KEYS[b.tax_key]
    day = _DAYS.get(b.date)
    if day is None:
        if len(_DAYS) > 4096:
            _DAYS.clear()
        day = _DAYS[b.date] = f"{b.date.day:02d}{b.date.month:02d}"
    row[_BELEGDATUM] = day
    if b.document_no:
        row[_BELEGFELD_1] = quote(_in_cp1252(b.document_no))
    if b.document_no_2:
        row[_BELEGFELD_2] = quote(_in_cp1252(b.document_no_2))
    if b.text:
        row[_BUCHUNGSTEXT] = quote(clean_text(b.text, 60))
    if b.rule:
        row[_ART_1] = '"Buchungsregel"'
        row[_INHALT_1] = _RULES[b.rule]
    if b.source:
        row[_ART_2] = '"Quelle"'
        row[_INHALT_2] = quote(clean_text(b.source, 210))
    if b.invoice_url:
        row[_ART_3] = '"Rechnung"'
        row[_INHALT_3] = quote(clean_text(b.invoice_url, 210))
    if b.eu_country_vat_id:
        row[_EU_LAND] = quote(_in_cp1252(b.eu_country_vat_id))
    if b.eu_tax_rate is not None:
        row[_EU_STEUERSATZ] = _amount(b.eu_tax_rate)
    if b.sachverhalt:
        row[_SACHVERHALT] = b.sachverhalt  # a number: bare, as in DATEV's sample
    if b.settlement_ref:
        row[_ABRECHNUNGSREFERENZ] = _SETTLEMENT_REFS[b.settlement_ref]
    if b.origin_vat_id:
        row[_URSPRUNG] = _ORIGIN_VAT_IDS[b.origin_vat_id]
    return row


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


def _flush(entry: tuple[WrittenFile, TextIO, LineChecker, list[str]]) -> None:
    pending = entry[3]
    if pending:
        pending.append("")  # the last line's end
        entry[1].write(fmt.LINE_END.join(pending))
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
    current: dict[Period, tuple[WrittenFile, TextIO, LineChecker, list[str]]] = {}
    written: list[WrittenFile] = []
    handles: list[TextIO] = []
    checkers: list[tuple[WrittenFile, LineChecker]] = []

    def open_file(period: Period, part: int) -> tuple[WrittenFile, TextIO, LineChecker, list[str]]:
        path = out_dir / file_name(name, period, part)
        handle = open(  # noqa: SIM115 - closed below, also on failure
            path,
            "w",
            encoding=fmt.ENCODING,
            errors="datev_transliterate",
            newline="",
            buffering=1 << 20,
        )
        handles.append(handle)
        header = _encodable(header_line(settings, period, title, created_at))
        checker = LineChecker(path.name, header)
        checker.column_header(fmt.COLUMN_HEADER_LINE)
        handle.write(header + fmt.LINE_END)
        handle.write(fmt.COLUMN_HEADER_LINE + fmt.LINE_END)
        out = WrittenFile(path, period, part)
        written.append(out)
        checkers.append((out, checker))
        return out, handle, checker, []

    try:
        for booking in bookings:
            period = period_of(booking.date)
            entry = current.get(period)
            if entry is None:
                entry = current[period] = open_file(period, 1)
            elif entry[0].bookings >= max_per_file:
                _flush(entry)
                entry[1].close()
                entry = current[period] = open_file(period, entry[0].part + 1)
            target, _handle, checker, pending = entry
            cells = booking_cells(booking)  # Windows-1252 already: checked as the file holds it
            checker.check(cells)
            pending.append(";".join(cells))
            target.bookings += 1
            if len(pending) >= _LINES_PER_WRITE:
                _flush(entry)
        for entry in current.values():
            _flush(entry)
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
