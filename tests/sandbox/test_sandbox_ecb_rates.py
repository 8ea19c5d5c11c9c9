"""The sandbox's ECB history: the ECB's download format, up to the sandbox's today, the days
after the real history labelled as sandbox data and repeating its last rates."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from datev.currency import EcbRates, RateError
from sandbox.ecb_rates import LABEL, SHIPPED_HISTORY

URL = "/_sandbox/ecb/eurofxref-hist.zip"


def shipped_newest() -> date:
    with zipfile.ZipFile(SHIPPED_HISTORY) as archive:
        (name,) = archive.namelist()
        first_row = archive.read(name).decode().splitlines()[1]
    return date.fromisoformat(first_row.split(",", 1)[0])


NEWEST = shipped_newest()
# A Wednesday five weeks after the real history ends.
TODAY = NEWEST + timedelta(days=35 + (2 - (NEWEST + timedelta(days=35)).weekday()) % 7)


@pytest.fixture
def config():
    return {"SANDBOX_CLOCK": datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)}


def history(client, tmp_path) -> EcbRates:
    response = client.get(URL)
    assert response.status_code == 200
    path = tmp_path / "eurofxref-hist.zip"
    path.write_bytes(response.data)
    return EcbRates.from_history_file(path, max_lookback_days=0)


def test_the_history_runs_to_the_sandboxs_today(client, tmp_path):
    rates = history(client, tmp_path)

    assert rates.rate("GBP", TODAY) == rates.rate("GBP", NEWEST)
    assert rates.rate("SEK", TODAY - timedelta(days=7)) == rates.rate("SEK", NEWEST)
    with pytest.raises(RateError):  # no rate for a day after the sandbox's today
        rates.rate("GBP", TODAY + timedelta(days=1))


def test_weekends_have_no_rate_as_at_the_ecb(client, tmp_path):
    rates = history(client, tmp_path)
    saturday = TODAY - timedelta(days=TODAY.weekday() + 2)

    with pytest.raises(RateError):
        rates.rate("GBP", saturday)


def test_the_real_history_is_unchanged(client, tmp_path):
    rates = history(client, tmp_path)
    shipped = EcbRates()

    for day in (NEWEST, date(2024, 3, 28), date(2008, 9, 15)):
        for currency in ("GBP", "PLN", "SEK", "USD"):
            assert rates.rate(currency, day) == shipped.rate(currency, day)
    assert rates.rate("GBP", date(2024, 3, 28)) == Decimal("0.85510")


def test_it_says_it_is_sandbox_data(client):
    response = client.get(URL)

    assert "later days repeat them" in response.headers[LABEL]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert b"not the ECB's" in archive.comment
    assert archive.namelist() == ["eurofxref-hist-SANDBOX.csv"]


def test_the_history_follows_the_sandboxs_clock(client):
    first = client.get(URL).data
    client.post("/_sandbox/clock", json={"advance": 7 * 86400})

    later = client.get(URL).data

    assert len(later) > len(first)
