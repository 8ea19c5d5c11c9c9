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


_REPEATED: dict[tuple[str, int], str] = {}


def _repeated_text(value: str, limit: int) -> str:
    """quote(clean_text()) for values that repeat on many rows (currency, rule, settlement)."""
    key = (value, limit)
    quoted = _REPEATED.get(key)
    if quoted is None:
        if len(_REPEATED) > 4096:
            _REPEATED.clear()
        quoted = _REPEATED[key] = quote(clean_text(value, limit))
    return quoted


def _amount(value) -> str:
    return f"{value:.2f}".replace(".", ",")


_EMPTY_ROW: tuple[str, ...] = tuple('""' if c.kind == fmt.TEXT else "" for c in fmt.COLUMNS)


def format_booking(b: Booking) -> str:
    """One booking as a line of the file (without the line end)."""
    return ";".join(booking_cells(b))


def booking_cells(b: Booking) -> list[str]:
    """The 125 fields of one booking's line, as the file holds them (text in quotes)."""
    if b.amount <= 0:
        raise ValueError(f"Umsatz muss positiv sein, nicht {b.amount}")
    row = list(_EMPTY_ROW)
    row[Col.UMSATZ - 1] = _amount(b.amount)
    row[Col.SOLL_HABEN - 1] = '"S"' if b.side == "S" else '"H"'
    row[Col.WKZ_UMSATZ - 1] = _repeated_text(b.currency, 3)
    if b.rate is not None:
        row[Col.KURS - 1] = f"{b.rate:.6f}".replace(".", ",")
        row[Col.BASIS_UMSATZ - 1] = _amount(b.base_amount)
        row[Col.WKZ_BASIS_UMSATZ - 1] = '"EUR"'
    row[Col.KONTO - 1] = b.account
    row[Col.GEGENKONTO - 1] = b.contra_account
    if b.tax_key:
        row[Col.BU_SCHLUESSEL - 1] = _repeated_text(b.tax_key, 4)
    row[Col.BELEGDATUM - 1] = f"{b.date.day:02d}{b.date.month:02d}"
    if b.document_no:
        row[Col.BELEGFELD_1 - 1] = quote(b.document_no)
    if b.document_no_2:
        row[Col.BELEGFELD_2 - 1] = quote(b.document_no_2)
    if b.text:
        row[Col.BUCHUNGSTEXT - 1] = quote(clean_text(b.text, 60))
    if b.rule:
        row[Col.BELEGINFO_ART_1 - 1] = '"Buchungsregel"'
        row[Col.BELEGINFO_INHALT_1 - 1] = _repeated_text(b.rule, 210)
    if b.source:
        row[Col.BELEGINFO_ART_2 - 1] = '"Quelle"'
        row[Col.BELEGINFO_INHALT_2 - 1] = quote(clean_text(b.source, 210))
    if b.invoice_url:
        row[Col.BELEGINFO_ART_3 - 1] = '"Rechnung"'
        row[Col.BELEGINFO_INHALT_3 - 1] = quote(clean_text(b.invoice_url, 210))
    if b.eu_country_vat_id:
        row[Col.EU_LAND_USTID - 1] = quote(b.eu_country_vat_id)
    if b.eu_tax_rate is not None:
        row[Col.EU_STEUERSATZ - 1] = _amount(b.eu_tax_rate)
    if b.sachverhalt:
        row[Col.SACHVERHALT_LL - 1] = b.sachverhalt  # a number: bare, as in DATEV's sample
    row[Col.FESTSCHREIBUNG - 1] = "0"
    row[Col.GENERALUMKEHR - 1] = '"0"'
    if b.settlement_ref:
        row[Col.ABRECHNUNGSREFERENZ - 1] = _repeated_text(b.settlement_ref, 50)
    if b.origin_vat_id:
        row[Col.EU_LAND_USTID_URSPRUNG - 1] = _repeated_text(b.origin_vat_id, 15)
    return row


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
    current: dict[Period, tuple[WrittenFile, TextIO, LineChecker]] = {}
    written: list[WrittenFile] = []
    handles: list[TextIO] = []
    checkers: list[tuple[WrittenFile, LineChecker]] = []

    def open_file(period: Period, part: int) -> tuple[WrittenFile, TextIO, LineChecker]:
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
        return out, handle, checker

    line_end = fmt.LINE_END
    try:
        for booking in bookings:
            period = period_of(booking.date)
            entry = current.get(period)
            if entry is None:
                entry = current[period] = open_file(period, 1)
            elif entry[0].bookings >= max_per_file:
                entry[1].close()
                entry = current[period] = open_file(period, entry[0].part + 1)
            target, handle, checker = entry
            cells = booking_cells(booking)
            line = ";".join(cells)
            if not line.isascii():
                try:
                    line.encode(fmt.ENCODING)
                except UnicodeEncodeError:
                    cells = [_encodable(cell) for cell in cells]
                    line = ";".join(cells)
            checker.check(cells)
            handle.write(line + line_end)
            target.bookings += 1
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
