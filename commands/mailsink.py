"""`flask mailsink run`: the development mail sink (mail.sink) on 127.0.0.1:8025."""

from __future__ import annotations

import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from mail.sink import start_mail_sink

mailsink_cli = AppGroup("mailsink", help="Lokaler Mail-Empfänger für die Entwicklung.")


@mailsink_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Nimmt E-Mails per SMTP an und legt sie in instance/mail/ ab."""
    folder = Path(current_app.instance_path) / "mail"
    controller, _ = start_mail_sink(host, port, folder)
    click.echo(f"Mail-Sink lauscht auf smtp://{host}:{port}, Nachrichten in {folder}")
    try:
        threading.Event().wait()
    finally:
        controller.stop()
