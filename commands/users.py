"""`flask users create`: create a user (and their organisation) from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from extensions import db
from forms.auth import MIN_PASSWORD_LENGTH
from models import Organisation, User

users_cli = AppGroup("users", help="Benutzer verwalten.")


@users_cli.command("create")
@click.option("--email", required=True, help="Anmelde-E-Mail")
@click.option(
    "--organisation", required=True, help="Name der Organisation (wird angelegt, falls neu)"
)
@click.option("--name", default="", help="Anzeigename")
@click.password_option("--password", help="Passwort (sonst wird danach gefragt)")
def create_user(email: str, organisation: str, name: str, password: str) -> None:
    """Legt einen Benutzer an."""
    email = User.normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
        )
    if db.session.scalar(sa.select(User).where(User.email == email)):
        raise click.ClickException(f"Zu {email} gibt es bereits einen Benutzer.")
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == organisation))
    user = User(organisation=org or Organisation(name=organisation), email=email, name=name)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Benutzer {email} in „{organisation}“ angelegt.")
