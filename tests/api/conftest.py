"""Fixtures of the API tests: a user of an organisation with a token, and a stranger."""

from __future__ import annotations

import pytest

from extensions import db
from models import ApiToken
from tests.factories import make_client, make_user


def issue_token(user, name: str = "Skript") -> str:
    row, token = ApiToken.issue(user, name)
    db.session.add(row)
    db.session.commit()
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def anna(app):
    return make_user("anna@example.org", name="Anna Beispiel")


@pytest.fixture
def headers(anna):
    return bearer(issue_token(anna))


@pytest.fixture
def stranger(app):
    """Another organisation, with a client of its own."""
    user = make_user("fremd@example.org")
    return user, make_client(user.organisation_id, name="Fremde GmbH", mandant_nr=7)
