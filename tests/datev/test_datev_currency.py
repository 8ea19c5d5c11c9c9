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
