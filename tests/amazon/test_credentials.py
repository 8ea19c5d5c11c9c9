"""Refresh tokens at rest: encrypted under TOKEN_ENCRYPTION_KEY, and re-encrypted when the key
changes (first key encrypts, all decrypt)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from amazon.credentials import (
    UndecryptableToken,
    decrypt_refresh_token,
    encrypt_refresh_token,
)
from extensions import db
from models import AmazonConnection
from tests.factories import make_client, make_user

KEY_A = Fernet.generate_key().decode()
KEY_B = Fernet.generate_key().decode()
TOKEN = "Atzr|IwEBIJ-a-refresh-token"


def test_the_first_key_encrypts_and_every_key_decrypts():
    stored = encrypt_refresh_token(TOKEN, keys=f"{KEY_B},{KEY_A}")

    assert TOKEN not in stored
    assert decrypt_refresh_token(stored, keys=KEY_B) == TOKEN
    with pytest.raises(UndecryptableToken):
        decrypt_refresh_token(stored, keys=KEY_A)
    older = encrypt_refresh_token(TOKEN, keys=KEY_A)
    assert decrypt_refresh_token(older, keys=f"{KEY_B},{KEY_A}") == TOKEN


def test_the_app_key_is_the_default(app):
    app.config["TOKEN_ENCRYPTION_KEY"] = KEY_A

    assert decrypt_refresh_token(encrypt_refresh_token(TOKEN), keys=KEY_A) == TOKEN


def stored_connection(token_keys: str, **fields) -> AmazonConnection:
    user = make_user(fields.pop("email", "anna@example.org"))
    client = make_client(user.organisation_id, mandant_nr=fields.pop("mandant_nr", 1))
    connection = AmazonConnection(
        client_id=client.id,
        selling_partner_id=fields.pop("seller", "A2SELLER1"),
        refresh_token_encrypted=encrypt_refresh_token(TOKEN, keys=token_keys),
        connected_on=date(2026, 11, 20),
    )
    db.session.add(connection)
    db.session.commit()
    return connection


def test_rotate_key_reencrypts_every_token_so_the_new_key_alone_opens_it(app, runner):
    app.config["TOKEN_ENCRYPTION_KEY"] = KEY_A
    first = stored_connection(KEY_A)
    second = stored_connection(KEY_A, email="ben@example.org", seller="A2SELLER2")

    app.config["TOKEN_ENCRYPTION_KEY"] = f"{KEY_B},{KEY_A}"
    result = runner.invoke(args=["amazon", "rotate-key"])

    assert result.exit_code == 0, result.output
    assert "2 Refresh-Token(s)" in result.output
    db.session.expire_all()
    for connection in (first, second):
        stored = db.session.get(AmazonConnection, connection.id).refresh_token_encrypted
        assert decrypt_refresh_token(stored, keys=KEY_B) == TOKEN


def test_rotate_key_changes_nothing_when_a_token_opens_with_no_key(app, runner):
    app.config["TOKEN_ENCRYPTION_KEY"] = KEY_A
    connection = stored_connection(KEY_A)
    before = connection.refresh_token_encrypted
    stored_connection(KEY_B, email="ben@example.org", seller="A2SELLER2")

    result = runner.invoke(args=["amazon", "rotate-key"])

    assert result.exit_code == 1
    assert "nichts wurde geändert" in result.output
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(AmazonConnection.refresh_token_encrypted).filter_by(id=connection.id)
        )
        == before
    )
