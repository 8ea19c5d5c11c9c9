"""Refresh tokens at rest: Fernet tokens under the keys of TOKEN_ENCRYPTION_KEY.

The setting holds one key or several separated by commas (cryptography's MultiFernet): the
first encrypts, every one decrypts, so a new key is put in front and `flask amazon rotate-key`
re-encrypts the stored tokens with it before the old key is dropped.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class UndecryptableToken(RuntimeError):
    """None of the configured keys opens the stored token (a key was dropped too early)."""


def token_cipher(keys: str | None = None) -> MultiFernet:
    """The MultiFernet of `keys` (comma-separated), by default the app's TOKEN_ENCRYPTION_KEY."""
    value = keys if keys is not None else current_app.config["TOKEN_ENCRYPTION_KEY"]
    return MultiFernet([Fernet(key.strip()) for key in value.split(",") if key.strip()])


def encrypt_refresh_token(plain: str, *, keys: str | None = None) -> str:
    return token_cipher(keys).encrypt(plain.encode()).decode("ascii")


def decrypt_refresh_token(stored: str, *, keys: str | None = None) -> str:
    try:
        return token_cipher(keys).decrypt(stored.encode("ascii")).decode()
    except InvalidToken:
        # Never say more: the stored value is a secret too.
        raise UndecryptableToken(
            "the stored refresh token opens with none of the keys of TOKEN_ENCRYPTION_KEY"
        ) from None


def reencrypt_refresh_token(stored: str, *, keys: str | None = None) -> str:
    """The same token encrypted with the first key (MultiFernet.rotate keeps its timestamp)."""
    try:
        return token_cipher(keys).rotate(stored.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise UndecryptableToken(
            "the stored refresh token opens with none of the keys of TOKEN_ENCRYPTION_KEY"
        ) from None
