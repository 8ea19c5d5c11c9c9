"""`flask demo`: seed an idempotent demo organisation, user and client."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from extensions import db
from models import Client, Organisation, User
from models.booking_rules import seed_client_rules

DEMO_ORGANISATION = "Demo Handel GmbH"
DEMO_EMAIL = "demo@kontor.local"
DEMO_PASSWORD = "kontor-demo"  # noqa: S105 - a published demo login, only seeded on request
DEMO_CLIENT = {
    "name": "Espadrille Versand GmbH",
    "berater_nr": 1001,
    "mandant_nr": 10001,
    "fiscal_year_start_month": 1,
    "fiscal_year_start_day": 1,
    "account_length": 4,
    "chart": "SKR03",
    "vat_id": "DE136695976",
    "amazon_seller_id": None,
}


def seed_demo() -> tuple[User, Client]:
    """Create the demo data where it is missing; running it again changes nothing."""
    user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAIL))
    if user is None:
        organisation = db.session.scalar(
            sa.select(Organisation).where(Organisation.name == DEMO_ORGANISATION)
        ) or Organisation(name=DEMO_ORGANISATION)
        user = User(organisation=organisation, email=DEMO_EMAIL, name="Demo-Nutzerin")
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.flush()
    client = db.session.scalar(
        sa.select(Client).where(
            Client.organisation_id == user.organisation_id,
            Client.berater_nr == DEMO_CLIENT["berater_nr"],
            Client.mandant_nr == DEMO_CLIENT["mandant_nr"],
        )
    )
    if client is None:
        client = Client(organisation_id=user.organisation_id, **DEMO_CLIENT)
        db.session.add(client)
        db.session.flush()
    seed_client_rules(client)  # idempotent: adds only what is missing
    db.session.commit()
    return user, client


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Legt die Demo-Daten an (mehrfach ausführbar)."""
    user, client = seed_demo()
    click.echo(f"Demo bereit: Anmeldung {DEMO_EMAIL} / {DEMO_PASSWORD}, Mandant „{client.name}“.")
