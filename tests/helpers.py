"""Helpers the tests share: free ports, the test app's configuration, logging in with CSRF."""

from __future__ import annotations

import re
import socket

from sqlalchemy.pool import NullPool

PASSWORD = "richtig-gutes-passwort"  # the password of every user the factories make


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_config(database_url: str, redis_url: str) -> dict:
    return {
        "TESTING": True,
        "KONTOR_ENV": "test",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
        # Every test builds its own app and engine; without a pool no connection outlives it.
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
        "REDIS_URL": redis_url,
    }


def sqlalchemy_url(url: str) -> str:
    from config import database_url

    return database_url({"DATABASE_URL": url}, "")


def csrf_token_of(response) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', response.text)
    assert match, "the page carries no CSRF token"
    return match.group(1)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def csrf_token(self, path: str = "/login") -> str:
        return csrf_token_of(self._client.get(path))

    def login(self, email: str = "anna@example.org", password: str = PASSWORD):
        token = self.csrf_token("/login")
        return self._client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = self.csrf_token("/clients")
        return self._client.post("/logout", data={"csrf_token": token})
