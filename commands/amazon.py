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
