"""Cell values as Amazon writes them: amounts, instants and calendar dates.

Each parser raises ValueError on anything it does not recognise; the report
parsers turn that into a ReportError naming the line and column. `Cache` keeps
the parse of the first strings seen (up to a bound), because a report repeats the
same amounts and timestamps on many lines and a dict lookup is far cheaper than a
parse. `PLAIN_AMOUNT` is the shape of nearly every amount (`-12.34`), which the
hot loops turn into a Decimal directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

# Amazon writes money with at most two decimals; this shape is parsed without a call.
# Digits are bounded (15 before the mark, 12 after): a longer "amount" is no money, and
# would cost memory in the caches and precision in the sums (28 digits).
PLAIN_AMOUNT = re.compile(r"[+-]?\d{1,15}(?:\.\d\d?)?", re.ASCII)
_DECIMAL = re.compile(r"[+-]?\d{1,15}(?:[.,]\d{1,12})?", re.ASCII)
# Thousands separators only appear together with the other decimal mark
# ("1.234,56" / "1,234.56").
_EU_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3}){1,4},\d{1,12}", re.ASCII)
_US_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3}){1,4}\.\d{1,12}", re.ASCII)
# One separator and three digits: "1.234" is 1234 in a German spreadsheet's
# "#.##0" format and 1.234 otherwise; "1,234" the other way round. Amazon's amounts
# have two decimals, so such a value only comes from a re-saved file, and guessing
# would be off by a factor of 1000 without a word: refused. ("0.190" is unambiguous.)
_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}", re.ASCII)


class AmbiguousAmount(ValueError):
    """`1.234` / `1,234`: a thousands separator or a decimal mark, nobody can tell."""


def parse_amount(text: str) -> Decimal:
    """Parse `12.34`, `-12,34`, `1.234,56` or `1,234.56` into a Decimal."""
    s = text.strip()
    if _AMBIGUOUS.fullmatch(s):
        raise AmbiguousAmount(text)
    if _DECIMAL.fullmatch(s):
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


_DAY_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DAY_DE = re.compile(r"(\d{2})([.-])(\d{2})\2(\d{4})", re.ASCII)
_INSTANT_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)
_INSTANT_UTC = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:UTC|GMT)", re.ASCII)
_INSTANT_DE_UTC = re.compile(
    r"(\d{2})([.-])(\d{2})\2(\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:UTC|GMT)", re.ASCII
)
_MIDNIGHT = datetime.min.time()


def parse_day(text: str) -> date:
    """Parse a calendar date: `YYYY-MM-DD`, `DD-MM-YYYY` or `DD.MM.YYYY`."""
    s = text.strip()
    if m := _DAY_ISO.fullmatch(s):
        y, mo, d = m.groups()
    elif m := _DAY_DE.fullmatch(s):
        d, _, mo, y = m.groups()
    else:
        raise ValueError(text)
    return date(int(y), int(mo), int(d))


def parse_instant(text: str) -> datetime:
    """Parse a point in time into an aware datetime (UTC unless the text has an offset).

    Accepted: ISO 8601 with offset or `Z` (`2025-10-09T22:07:18+00:00`),
    `2023-01-05 07:13:19 UTC`, `05.01.2023 07:13:19 UTC`, and the date-only forms of
    `parse_day` (midnight UTC). A time without a zone is refused: it would be a guess.
    """
    s = text.strip()
    # The patterns check the shape; fromisoformat (C) then checks the ranges, fast.
    if _INSTANT_UTC.fullmatch(s):
        return datetime.fromisoformat(s[:19] + "+00:00")
    if _INSTANT_ISO.fullmatch(s):
        return datetime.fromisoformat(s)
    if _INSTANT_DE_UTC.fullmatch(s):
        return datetime.fromisoformat(f"{s[6:10]}-{s[3:5]}-{s[0:2]}T{s[11:19]}+00:00")
    return datetime.combine(parse_day(s), _MIDNIGHT, UTC)


T = TypeVar("T")


class Cache(Generic[T]):
    """Memoises a parser over a bounded number of distinct strings (flat memory).

    Hot loops use it as `value = cache.get(text)` and, when that is None,
    `value = cache.miss(text)`: two C-level calls on the common path.
    """

    __slots__ = ("_parse", "_values", "_limit", "get")

    def __init__(self, parse: Callable[[str], T], limit: int = 20_000) -> None:
        self._parse = parse
        self._values: dict[str, T] = {}
        self._limit = limit
        self.get: Callable[[str], T | None] = self._values.get

    def put(self, text: str, value: T) -> None:
        """Remember a value a hot loop parsed itself (PLAIN_AMOUNT), within the bound."""
        if len(self._values) < self._limit:
            self._values[text] = value

    def miss(self, text: str) -> T:
        value = self._parse(text)
        # Once full, the cache keeps the values it has (the first ones seen are the
        # frequent ones) rather than churning: clearing it costs more than it saves.
        if len(self._values) < self._limit:
            self._values[text] = value
        return value


def money(value: Decimal) -> str:
    """Two decimals with a point, as JSON writes amounts (text for people: formatting.number)."""
    return f"{value:.2f}"
