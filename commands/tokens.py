"""`flask tokens create`: a personal access token for the JSON API, printed once."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from extensions import db
from models import ApiToken, User

tokens_cli = AppGroup("tokens", help="API-Tokens verwalten.")


@tokens_cli.command("create")
@click.option("--email", required=True, help="E-Mail des Benutzers, für den der Token gilt")
@click.option("--name", default="Kommandozeile", show_default=True, help="Name des Tokens")
def create_token(email: str, name: str) -> None:
    """Erstellt einen API-Token und gibt ihn aus (nur dieses eine Mal)."""
    user = db.session.scalar(sa.select(User).where(User.email == User.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"Zu {email} gibt es keinen Benutzer.")
    if not user.is_active:
        raise click.ClickException(f"Der Benutzer {email} ist deaktiviert.")
    name = name.strip()
    if not name or len(name) > 100:
        raise click.ClickException("Der Name muss 1 bis 100 Zeichen lang sein.")
    row, token = ApiToken.issue(user, name)
    db.session.add(row)
    db.session.commit()
    # stdout carries the token alone, for scripts: TOKEN=$(flask tokens create --email ...)
    click.echo(f"API-Token „{name}“ für {user.email} (wird nur jetzt angezeigt):", err=True)
    click.echo(token)
