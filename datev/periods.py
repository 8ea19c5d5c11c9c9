"""Booking periods: every EXTF file lies in one month, one calendar year and one fiscal year.

DATEV rejects a batch whose Datum vom/bis cross a calendar or fiscal year (#REW04404) and a
Belegdatum before the fiscal year begins (#REW00314). A month is the natural booking period of a
bookkeeping; a fiscal year starting mid-month (e.g. 07-15) splits that month in two.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from datev.settings import BatchSettings


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date  # Datum vom
    end: date  # Datum bis, inclusive
    fiscal_year_start: date  # WJ-Beginn

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def period_of(day: date, settings: BatchSettings) -> Period:
    fy_start = settings.fiscal_year_start(day)
    fy_end = settings.next_fiscal_year_start(day) - timedelta(days=1)
    month_start = day.replace(day=1)
    month_end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return Period(max(month_start, fy_start), min(month_end, fy_end), fy_start)


class PeriodCache:
    """Memoises `period_of` per day: a batch has few distinct days and many bookings."""

    def __init__(self, settings: BatchSettings) -> None:
        self._settings = settings
        self._by_day: dict[date, Period] = {}

    def __call__(self, day: date) -> Period:
        period = self._by_day.get(day)
        if period is None:
            period = self._by_day[day] = period_of(day, self._settings)
        return period
