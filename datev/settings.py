"""Per-client DATEV master data that a booking batch needs (the web app maps its Client to this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from datev.errors import DatevError
from datev.limits import ACCOUNT_LENGTH, BERATER, CHART_MESSAGE, MANDANT, Chart

__all__ = ["BatchSettings", "Chart", "SettingsError", "parse_fy_start"]


class SettingsError(DatevError):
    """Invalid DATEV master data; the message is German and meant for the user."""


@dataclass(frozen=True, slots=True)
class BatchSettings:
    """DATEV master data of one client (Mandant).

    `fy_start` is the first day of the fiscal year as (month, day); (1, 1) is the calendar year.
    `account_length` is the Sachkontenlänge: Sachkonten have at most that many digits,
    Personenkonten (the Sammeldebitor 10000 with length 4) exactly one more.
    """

    berater: int
    mandant: int
    chart: Chart = Chart.SKR03
    fy_start: tuple[int, int] = (1, 1)
    account_length: int = 4
    dictation: str = ""  # Diktatkürzel, two letters or empty

    def __post_init__(self) -> None:
        for number, limits in (
            (self.berater, BERATER),
            (self.mandant, MANDANT),
            (self.account_length, ACCOUNT_LENGTH),
        ):
            if number not in limits:
                raise SettingsError(limits.message)
        if self.chart not in tuple(Chart):
            raise SettingsError(CHART_MESSAGE)
        month, day = self.fy_start
        try:
            date(2023, month, day)  # a non-leap year: 29 February cannot start a fiscal year
        except ValueError:
            raise SettingsError(
                "Der Beginn des Wirtschaftsjahres ist kein gültiges Datum."
            ) from None

    @property
    def skr(self) -> str:
        """The two-digit SKR of header field 27 ("03" or "04")."""
        return self.chart[3:]

    def fiscal_year_start(self, day: date) -> date:
        """The first day of the fiscal year that `day` falls in."""
        month, dom = self.fy_start
        start = date(day.year, month, dom)
        return start if start <= day else date(day.year - 1, month, dom)

    def next_fiscal_year_start(self, day: date) -> date:
        start = self.fiscal_year_start(day)
        return date(start.year + 1, start.month, start.day)


def parse_fy_start(text: str) -> tuple[int, int]:
    """Parse "MM-DD" (as the CLI takes it) into (month, day)."""
    try:
        month_text, day_text = text.split("-")
        month, day = int(month_text), int(day_text)
        date(2023, month, day)
    except ValueError:
        raise SettingsError(
            f"Ungültiger Beginn des Wirtschaftsjahres {text!r}: erwartet MM-TT, z. B. 07-01."
        ) from None
    return month, day
