"""`flask sandbox run` and `flask sandbox credentials`: the local Amazon for development.

A plain click group: the sandbox is its own application and needs nothing from Kontor's app.
Configuration comes from the environment (SANDBOX_SEED, SANDBOX_TIME_SCALE, ... see
sandbox.app.DEFAULTS).
"""

import json

import click
from werkzeug.serving import run_simple

from sandbox import create_sandbox_app
from sandbox.admin import credentials as seller_credentials

sandbox_cli = click.Group("sandbox", help="The local Amazon (SP-API, Login with Amazon, consent).")


@sandbox_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Serve the sandbox on http://HOST:PORT (threaded)."""
    app = create_sandbox_app()
    click.echo(f"Amazon sandbox on http://{host}:{port} (LWA: /auth/o2/token)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@sandbox_cli.command("credentials")
@click.option("--seller", default=1, show_default=True, type=int, help="Seeded seller, from 1.")
def credentials(seller: int) -> None:
    """Print the LWA credentials of a seeded seller as JSON."""
    app = create_sandbox_app()
    sellers = app.extensions["sandbox"].sellers
    if not 1 <= seller <= len(sellers):
        raise click.BadParameter(f"choose a seller from 1 to {len(sellers)}", param_hint="--seller")
    with app.app_context():
        click.echo(json.dumps(seller_credentials(seller), indent=2, ensure_ascii=False))
