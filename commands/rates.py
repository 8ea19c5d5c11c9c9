"""`flask rates refresh`: the ECB reference rates now, not at the clock's next daily run.

The clock's process runs it once as it starts (Procfile, Procfile.dev), so a fresh
installation books foreign currencies with current rates from its first import; in
development the rates come from the sandbox (config.development_defaults).
"""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from datev.currency import RateError
from jobs.rates import refresh_ecb_rates

rates_cli = AppGroup("rates", help="EZB-Referenzkurse verwalten.")


@rates_cli.command("refresh")
@click.option(
    "--wait",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="So viele Sekunden lang erneut versuchen (etwa bis die Sandbox läuft).",
)
def refresh_command(wait: int) -> None:
    """Lädt die EZB-Kurse von ECB_RATES_URL nach ECB_RATES_FILE."""
    deadline = time.monotonic() + wait
    while True:
        try:
            newest = refresh_ecb_rates()
            break
        except RateError as error:
            if time.monotonic() >= deadline:
                raise click.ClickException(str(error)) from error
            time.sleep(1)
    click.echo(
        f"EZB-Kurse bis {newest} geladen: {current_app.config['ECB_RATES_FILE']} "
        f"(von {current_app.config['ECB_RATES_URL']})"
    )
