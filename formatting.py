"""German number and date formats (Babel): the only ones in Kontor.

Pure functions, no Flask: the parsers' and the booking engine's messages, the CLI
and the templates format alike. app.py registers them as template filters:

{{ amount|money("EUR") }}  -> 1.234,56 €
{{ amount|number }}        -> 1.234,56   (number(count, 0) -> 1.000.001)
{{ day|date_de }}          -> 27.11.2026
{{ instant|datetime_de }}  -> 27.11.2026, 05:54 (Europe/Berlin)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

LOCALE = "de_DE"
TIMEZONE = ZoneInfo("Europe/Berlin")


def money(amount: Decimal | int | None, currency: str = "EUR") -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=LOCALE)


def number(amount: Decimal | int | None, decimals: int = 2) -> str:
    if amount is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(amount, format=pattern, locale=LOCALE)


def date_de(day: date | datetime | None) -> str:
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(TIMEZONE).date()
    return format_date(day, format="dd.MM.yyyy", locale=LOCALE)


def datetime_de(instant: datetime | None) -> str:
    if instant is None:
        return ""
    return format_datetime(instant, format="dd.MM.yyyy, HH:mm", tzinfo=TIMEZONE, locale=LOCALE)
