"""`flask amazon ...`: the Amazon connections from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from amazon.credentials import UndecryptableToken, reencrypt_refresh_token
from extensions import db
from models import AmazonConnection

amazon_cli = AppGroup("amazon", help="Amazon-Verbindungen (Selling Partner API).")


@amazon_cli.command("rotate-key")
def rotate_key() -> None:
    """Verschlüsselt alle gespeicherten Refresh-Tokens mit dem ersten Schlüssel von
    TOKEN_ENCRYPTION_KEY neu (danach können die alten Schlüssel entfernt werden)."""
    connections = db.session.scalars(
        sa.select(AmazonConnection).order_by(AmazonConnection.id).with_for_update()
    ).all()
    failed = []
    for connection in connections:
        try:
            connection.refresh_token_encrypted = reencrypt_refresh_token(
                connection.refresh_token_encrypted
            )
        except UndecryptableToken:
            failed.append(connection)
    if failed:
        db.session.rollback()
        ids = ", ".join(str(connection.id) for connection in failed)
        raise click.ClickException(
            f"{len(failed)} Token(s) lassen sich mit keinem Schlüssel entschlüsseln "
            f"(Verbindung {ids}); nichts wurde geändert. Fehlt ein alter Schlüssel in "
            "TOKEN_ENCRYPTION_KEY?"
        )
    db.session.commit()
    click.echo(f"{len(connections)} Refresh-Token(s) mit dem ersten Schlüssel neu verschlüsselt.")


@amazon_cli.command("sync")
@click.option("--client", "client_id", type=int, help="Nur den Shop mit dieser ID abholen.")
@click.option(
    "--wait",
    is_flag=True,
    help="Hier abholen und auf das Ergebnis warten, statt den Workern einen Auftrag zu geben.",
)
def sync_command(client_id: int | None, wait: bool) -> None:
    """Holt die neuen Berichte der aktiven Amazon-Verbindungen ab (wie die tägliche Abholung)."""
    from jobs.amazon_sync import enqueue_sync, run_inline, sync_run
    from models.amazon_connection import ConnectionState

    query = sa.select(AmazonConnection).order_by(AmazonConnection.id)
    if client_id is not None:
        query = query.where(AmazonConnection.client_id == client_id)
    connections = db.session.scalars(query).all()
    if client_id is not None and not connections:
        raise click.ClickException(f"Der Shop {client_id} ist nicht mit Amazon verbunden.")
    failed = 0
    for connection in connections:
        if connection.state != ConnectionState.ACTIVE.value:
            click.echo(f"Shop {connection.client_id}: {connection.state_label}, übersprungen.")
            failed += client_id is not None
            continue
        if not wait:
            run = enqueue_sync(connection)
            click.echo(f"Shop {connection.client_id}: Abholung {run.id} eingereiht.")
            continue
        run = run_inline(sync_run(connection))
        click.echo(
            f"Shop {connection.client_id}: {run.state_label}. {run.message} {run.error}".strip()
        )
        failed += run.state == "failed"
    if failed:
        raise click.ClickException(f"{failed} Abholung(en) fehlgeschlagen.")
