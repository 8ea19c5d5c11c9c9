"""`flask mailsink run`: the development mail sink (mail.sink) on 127.0.0.1:8025, and its page
of the kept messages (mail.viewer) on 127.0.0.1:8026."""

from __future__ import annotations

import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from mail.sink import start_mail_sink
from mail.viewer import create_viewer

mailsink_cli = AppGroup("mailsink", help="Lokaler Mail-Empfänger für die Entwicklung.")


@mailsink_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8025, show_default=True, type=int)
@click.option(
    "--web-port", default=8026, show_default=True, type=int, help="Seite der Nachrichten; 0: keine."
)
def run(host: str, port: int, web_port: int) -> None:
    """Nimmt E-Mails per SMTP an, legt sie in instance/mail/ ab und zeigt sie auf einer Seite."""
    folder = Path(current_app.instance_path) / "mail"
    controller, _ = start_mail_sink(host, port, folder)
    click.echo(f"Mail-Sink lauscht auf smtp://{host}:{port}, Nachrichten in {folder}")
    try:
        if web_port:
            click.echo(f"Nachrichten ansehen: http://{host}:{web_port}/")
            run_simple(host, web_port, create_viewer(folder))
        else:
            threading.Event().wait()
    finally:
        controller.stop()
