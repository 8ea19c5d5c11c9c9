"""Fixtures of the API tests: a user of an organisation with a token, and a stranger."""

from __future__ import annotations

import pytest

from tests.api.helpers import bearer, client_with_rules, issue_token
from tests.factories import make_user


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
    return user, client_with_rules(user.organisation_id, name="Fremde GmbH", mandant_nr=7)
