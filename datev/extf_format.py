"""The DATEV-Format (EXTF) Buchungsstapel, format version 13: header layout and the 125 columns.

Column names are spelled exactly as in DATEV's own sample batch (including DATEV's quirks such as
"Zusatzinformation- Inhalt 1" without a space). Each column has a kind that decides its quoting
(text is written in double quotes, everything else bare) and a pattern the validator checks.
Sources: developer.datev.de "DATEV-Format", DATEV's "Musterdaten DATEV-Format" (see
tests/fixtures/datev/README.md) and DESIGN.md §3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENCODING = "cp1252"
LINE_END = "\r\n"
SEPARATOR = ";"
FORMAT_VERSION = 13
HEADER_VERSION = 700
CATEGORY_BOOKINGS = 21
FORMAT_NAME = "Buchungsstapel"
HEADER_FIELD_COUNT = 31
MAX_BOOKINGS_PER_FILE = 99_999

TEXT = "text"  # quoted
AMOUNT = "amount"  # 1234,56, positive
NUMBER = "number"  # bare digits or decimal number
ACCOUNT = "account"  # bare digits
DDMM = "ddmm"  # Belegdatum TTMM
DATE = "date"  # TTMMJJJJ


@dataclass(frozen=True, slots=True)
class Column:
    number: int
    name: str
    kind: str
    pattern: re.Pattern[str] | None = None  # applied to the unquoted value when it is not empty
    free_text_limit: int | None = None  # free text of at most this many characters


def _p(expr: str) -> re.Pattern[str]:
    return re.compile(expr)


_FREE_TEXT = "[^\\x00-\\x1f\\x7f]{0,"


def _text(n: int) -> re.Pattern[str]:
    return re.compile(_FREE_TEXT + str(n) + "}")


def _free_text_limit(pattern: re.Pattern[str] | None) -> int | None:
    if pattern is None or not pattern.pattern.startswith(_FREE_TEXT):
        return None
    return int(pattern.pattern[len(_FREE_TEXT) : -1])


# DATEV also reads whole amounts without decimals ("64083" in its own sample).
# Lookaheads end at ";" too: the validator also embeds these patterns in a whole-row pattern.
_AMOUNT = _p(r"(?!0+(?:,0{1,2})?(?:;|$))\d{1,10}(?:,\d{1,2})?")
_ACCOUNT = _p(r"\d{1,9}")
_DATE = _p(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{4}")
_RATE = _p(r"\d{1,2},\d{2}")
_DIGIT01 = _p(r"[01]")

# (name, kind, pattern) for columns 1..125 of format version 13.
_SPEC: list[tuple[str, str, re.Pattern[str] | None]] = [
    ("Umsatz (ohne Soll/Haben-Kz)", AMOUNT, _AMOUNT),
    ("Soll/Haben-Kennzeichen", TEXT, _p(r"[SH]")),
    ("WKZ Umsatz", TEXT, _p(r"[A-Z]{3}")),
    ("Kurs", NUMBER, _p(r"(?!0{1,4},0{1,6}(?:;|$))\d{1,4},\d{1,6}")),
    ("Basis-Umsatz", AMOUNT, _AMOUNT),
    ("WKZ Basis-Umsatz", TEXT, _p(r"[A-Z]{3}")),
    ("Konto", ACCOUNT, _ACCOUNT),
    ("Gegenkonto (ohne BU-Schlüssel)", ACCOUNT, _ACCOUNT),
    ("BU-Schlüssel", TEXT, _p(r"\d{1,4}")),
    ("Belegdatum", DDMM, _p(r"(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])")),
    ("Belegfeld 1", TEXT, _p(r"[A-Za-z0-9$&%*+\-/]{0,36}")),
    ("Belegfeld 2", TEXT, _p(r"[A-Za-z0-9$&%*+\-/]{0,12}")),
    ("Skonto", AMOUNT, _p(r"\d{1,8},\d{2}")),
    ("Buchungstext", TEXT, _text(60)),
    ("Postensperre", NUMBER, _DIGIT01),
    ("Diverse Adressnummer", TEXT, _text(9)),
    ("Geschäftspartnerbank", NUMBER, _p(r"\d{1,3}")),
    ("Sachverhalt", NUMBER, _p(r"\d{1,2}")),
    ("Zinssperre", NUMBER, _DIGIT01),
    ("Beleglink", TEXT, _text(210)),
]
for _i in range(1, 9):
    _SPEC.append((f"Beleginfo - Art {_i}", TEXT, _text(20)))
    _SPEC.append((f"Beleginfo - Inhalt {_i}", TEXT, _text(210)))
_SPEC += [
    ("KOST1 - Kostenstelle", TEXT, _text(36)),
    ("KOST2 - Kostenstelle", TEXT, _text(36)),
    ("Kost-Menge", NUMBER, _p(r"\d{1,12}(,\d{1,4})?")),
    ("EU-Land u. UStID (Bestimmung)", TEXT, _p(r"[A-Z]{2}[A-Z0-9+*]{0,13}")),
    ("EU-Steuersatz (Bestimmung)", NUMBER, _RATE),
    ("Abw. Versteuerungsart", TEXT, _p(r"[IKPS]")),
    ("Sachverhalt L+L", NUMBER, _p(r"\d{1,3}")),
    ("Funktionsergänzung L+L", NUMBER, _p(r"\d{1,3}")),
    ("BU 49 Hauptfunktionstyp", NUMBER, _p(r"\d")),
    ("BU 49 Hauptfunktionsnummer", NUMBER, _p(r"\d{1,2}")),
    ("BU 49 Funktionsergänzung", NUMBER, _p(r"\d{1,3}")),
]
for _i in range(1, 21):
    _SPEC.append((f"Zusatzinformation - Art {_i}", TEXT, _text(20)))
    _SPEC.append((f"Zusatzinformation- Inhalt {_i}", TEXT, _text(210)))
_SPEC += [
    ("Stück", NUMBER, _p(r"\d{1,8}")),
    ("Gewicht", NUMBER, _p(r"\d{1,8},\d{2}")),
    ("Zahlweise", NUMBER, _p(r"\d{1,2}")),
    ("Forderungsart", TEXT, _text(10)),
    ("Veranlagungsjahr", NUMBER, _p(r"\d{4}")),
    ("Zugeordnete Fälligkeit", DATE, _DATE),
    ("Skontotyp", NUMBER, _p(r"\d")),
    ("Auftragsnummer", TEXT, _text(30)),
    ("Buchungstyp", TEXT, _p(r"[A-Z]{2}")),
    ("USt-Schlüssel (Anzahlungen)", NUMBER, _p(r"\d{1,4}")),
    ("EU-Land (Anzahlungen)", TEXT, _p(r"[A-Z]{2}")),
    ("Sachverhalt L+L (Anzahlungen)", NUMBER, _p(r"\d{1,3}")),
    ("EU-Steuersatz (Anzahlungen)", NUMBER, _RATE),
    ("Erlöskonto (Anzahlungen)", ACCOUNT, _ACCOUNT),
    ("Herkunft-Kz", TEXT, _p(r"[A-Z]{2}")),
    ("Buchungs GUID", TEXT, _text(36)),
    ("KOST-Datum", DATE, _DATE),
    ("SEPA-Mandatsreferenz", TEXT, _text(35)),
    ("Skontosperre", NUMBER, _DIGIT01),
    ("Gesellschaftername", TEXT, _text(76)),
    ("Beteiligtennummer", NUMBER, _p(r"\d{1,4}")),
    ("Identifikationsnummer", TEXT, _text(11)),
    ("Zeichnernummer", TEXT, _text(20)),
    ("Postensperre bis", DATE, _DATE),
    ("Bezeichnung SoBil-Sachverhalt", TEXT, _text(30)),
    ("Kennzeichen SoBil-Buchung", NUMBER, _p(r"\d{1,2}")),
    ("Festschreibung", NUMBER, _DIGIT01),
    ("Leistungsdatum", DATE, _DATE),
    ("Datum Zuord. Steuerperiode", DATE, _DATE),
    ("Fälligkeit", DATE, _DATE),
    ("Generalumkehr (GU)", TEXT, _DIGIT01),
    ("Steuersatz", NUMBER, _RATE),
    ("Land", TEXT, _p(r"[A-Z]{2}")),
    ("Abrechnungsreferenz", TEXT, _text(50)),
    ("BVV-Position", NUMBER, _p(r"\d")),
    ("EU-Land u. UStID (Ursprung)", TEXT, _p(r"[A-Z]{2}[A-Z0-9+*]{0,13}")),
    ("EU-Steuersatz (Ursprung)", NUMBER, _RATE),
    ("Abw. Skontokonto", ACCOUNT, _ACCOUNT),
]

COLUMNS: tuple[Column, ...] = tuple(
    Column(number, name, kind, pattern, _free_text_limit(pattern))
    for number, (name, kind, pattern) in enumerate(_SPEC, 1)
)
COLUMN_COUNT = 125
assert len(COLUMNS) == COLUMN_COUNT
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
COLUMN_HEADER_LINE = SEPARATOR.join(COLUMN_NAMES)


class Col:
    """1-based numbers of the columns the engine fills (DESIGN.md §3 uses these numbers)."""

    UMSATZ = 1
    SOLL_HABEN = 2
    WKZ_UMSATZ = 3
    KURS = 4
    BASIS_UMSATZ = 5
    WKZ_BASIS_UMSATZ = 6
    KONTO = 7
    GEGENKONTO = 8
    BU_SCHLUESSEL = 9
    BELEGDATUM = 10
    BELEGFELD_1 = 11
    BELEGFELD_2 = 12
    BUCHUNGSTEXT = 14
    BELEGLINK = 20
    BELEGINFO_ART_1 = 21
    BELEGINFO_INHALT_1 = 22
    BELEGINFO_ART_2 = 23
    BELEGINFO_INHALT_2 = 24
    BELEGINFO_ART_3 = 25
    BELEGINFO_INHALT_3 = 26
    EU_LAND_USTID = 40
    EU_STEUERSATZ = 41
    SACHVERHALT_LL = 43
    FESTSCHREIBUNG = 114
    GENERALUMKEHR = 118
    ABRECHNUNGSREFERENZ = 121
    EU_LAND_USTID_URSPRUNG = 123
