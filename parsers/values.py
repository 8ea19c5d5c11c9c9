"""Cell values as Amazon writes them: amounts, instants and calendar dates.

Each parser raises ValueError on anything it does not recognise; the report
parsers turn that into a ReportError naming the line and column. `Cache` keeps
the parse of recently seen strings, because a report repeats the same few amounts
and timestamps on many lines and a dict lookup is far cheaper than a parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+", re.ASCII)
# Thousands separators only appear together with the other decimal mark
# ("1.234,56" / "1,234.56"); a lone "1.234" is read as a decimal point.
_EU_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+", re.ASCII)
_US_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+\.\d+", re.ASCII)


def parse_amount(text: str) -> Decimal:
    """Parse `12.34`, `-12,34`, `1.234,56` or `1,234.56` into a Decimal."""
    s = text.strip()
    if _PLAIN.fullmatch(s):
        normalised = s
    elif _DECIMAL_COMMA.fullmatch(s):
        normalised = s.replace(",", ".")
    elif _EU_THOUSANDS.fullmatch(s):
        normalised = s.replace(".", "").replace(",", ".")
    elif _US_THOUSANDS.fullmatch(s):
        normalised = s.replace(",", "")
    else:
        raise ValueError(text)
    try:
        return Decimal(normalised)
    except InvalidOperation:  # pragma: no cover - the patterns admit only valid numbers
        raise ValueError(text) from None


def _clock(text: str, hh_mm_ss: str) -> tuple[int, int, int]:
    if len(hh_mm_ss) != 8 or hh_mm_ss[2] != ":" or hh_mm_ss[5] != ":":
        raise ValueError(text)
    return int(hh_mm_ss[0:2]), int(hh_mm_ss[3:5]), int(hh_mm_ss[6:8])


def _digits(text: str, *parts: str) -> None:
    for part in parts:
        if not part.isascii() or not part.isdigit():
            raise ValueError(text)


def parse_day(text: str) -> date:
    """Parse a calendar date: `YYYY-MM-DD`, `DD-MM-YYYY` or `DD.MM.YYYY`."""
    s = text.strip()
    if len(s) != 10:
        raise ValueError(text)
    if s[4] == "-" and s[7] == "-":
        y, m, d = s[0:4], s[5:7], s[8:10]
    elif (s[2] == "-" and s[5] == "-") or (s[2] == "." and s[5] == "."):
        d, m, y = s[0:2], s[3:5], s[6:10]
    else:
        raise ValueError(text)
    _digits(text, y, m, d)
    return date(int(y), int(m), int(d))


def parse_instant(text: str) -> datetime:
    """Parse a point in time into an aware datetime (UTC unless the text has an offset).

    Accepted: ISO 8601 with offset or `Z` (`2025-10-09T22:07:18+00:00`),
    `2023-01-05 07:13:19 UTC`, `05.01.2023 07:13:19 UTC`, and the date-only forms of
    `parse_day` (midnight UTC).
    """
    s = text.strip()
    n = len(s)
    if n == 10:
        return datetime.combine(parse_day(s), datetime.min.time(), UTC)
    if n == 23 and s[19:] in (" UTC", " GMT"):
        day = parse_day(s[:10])
        if s[10] != " ":
            raise ValueError(text)
        hour, minute, second = _clock(text, s[11:19])
        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)
    if n >= 20 and s[4] == "-" and s[10] in "T ":
        _digits(text, s[0:4], s[5:7], s[8:10])
        try:
            value = datetime.fromisoformat(s)
        except ValueError:
            raise ValueError(text) from None
        if value.tzinfo is None:
            raise ValueError(text)
        return value
    raise ValueError(text)


class Cache:
    """Memoises a parser over a bounded number of distinct strings (flat memory).

    Hot loops use it as `value = cache.get(text)` and, when that is None,
    `value = cache.miss(text)`: two C-level calls on the common path.
    """

    __slots__ = ("_parse", "_values", "_limit", "get")

    def __init__(self, parse: Callable[[str], object], limit: int = 20_000) -> None:
        self._parse = parse
        self._values: dict[str, object] = {}
        self._limit = limit
        self.get = self._values.get

    def miss(self, text: str):  # noqa: ANN201 - returns what the wrapped parser returns
        value = self._parse(text)
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[text] = value
        return value
