"""Factories for the rows most tests need: a user with an organisation, a client."""

from __future__ import annotations

from extensions import db as _db
from models import Client, Organisation, User
from tests.helpers import PASSWORD


def make_user(email: str, organisation: Organisation | None = None, **extra) -> User:
    user = User(
        organisation=organisation or Organisation(name=f"Organisation von {email}"),
        email=email,
        name=extra.pop("name", ""),
        **extra,
    )
    user.set_password(PASSWORD)
    _db.session.add(user)
    _db.session.commit()
    return user


def make_client(organisation_id: int, **fields) -> Client:
    values = {
        "name": "Muster Versand GmbH",
        "berater_nr": 1001,
        "mandant_nr": 1,
        "account_length": 4,
        "chart": "SKR03",
    }
    values.update(fields)
    client = Client(organisation_id=organisation_id, **values)
    _db.session.add(client)
    _db.session.commit()
    return client
