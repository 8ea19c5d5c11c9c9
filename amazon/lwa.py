"""Login with Amazon: access tokens from a refresh token (DESIGN §2.2).

Kontor asks LWA itself instead of leaving it to amzn-sp-api's AccessTokenCache: that one
cannot tell a revoked refresh token (400 invalid_grant, the connection needs renewal) from an
outage, and sleeps 14 s in retries before saying either.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Protocol

import requests

from amazon.errors import AmazonRequestRefused, AmazonUnavailable, TokenRevoked

TIMEOUT = (10, 30)  # connect, read (seconds)
# Renew a little before Amazon's expiry, so a request never leaves with a dying token.
EXPIRY_MARGIN = 60
# How long one run trusts a stored token without looking again (the store expires it itself).
STORED_TOKEN_TRUST = 300


@dataclass(frozen=True)
class Application:
    """The SP-API application's LWA client and the endpoint that issues its tokens."""

    client_id: str
    client_secret: str
    token_endpoint: str


def token_request(application: Application, grant: dict[str, str]) -> dict:
    """POST a grant to the token endpoint; the JSON answer, or a typed AmazonError."""
    data = {
        **grant,
        "client_id": application.client_id,
        "client_secret": application.client_secret,
    }
    try:
        response = requests.post(application.token_endpoint, data=data, timeout=TIMEOUT)
    except requests.RequestException as failure:
        raise AmazonUnavailable(detail=f"token endpoint: {type(failure).__name__}") from failure
    if response.status_code >= 500 or response.status_code == 429:
        raise AmazonUnavailable(detail=f"token endpoint answered {response.status_code}")
    try:
        body = response.json()
    except ValueError:
        raise AmazonUnavailable(
            detail=f"token endpoint answered {response.status_code} without JSON"
        ) from None
    if response.status_code == 200 and "access_token" in body:
        return body
    error = body.get("error", "") if isinstance(body, dict) else ""
    description = body.get("error_description", "") if isinstance(body, dict) else ""
    if error == "invalid_grant":
        raise TokenRevoked(detail=description)
    if error == "invalid_client":
        raise AmazonRequestRefused(
            "Amazon kennt die Kontor-Anwendung nicht (Client-ID oder Secret falsch).",
            detail=description,
        )
    raise AmazonRequestRefused(detail=f"{response.status_code} {error}: {description}")


class TokenStore(Protocol):
    """Where access tokens outlive one job run: a Redis client does (get, and set with ex)."""

    def get(self, name: str) -> bytes | None: ...

    def set(self, name: str, value: str, *, ex: int) -> object: ...


STORE_KEY = "kontor:amazon:lwa-access-token:{}"


class AccessTokens:
    """The access token of one refresh token, renewed when it is about to expire.

    Duck-types amzn-sp-api's AccessTokenCache: ApiClient only calls get_lwa_access_token().
    With a `store` the token is shared by every job run of the connection for its lifetime
    (one LWA round trip an hour instead of one per job); the key is a hash of application and
    refresh token, never the token itself. A token from the store may have been revoked since:
    the caller that sees Amazon refuse it calls `renew()`, which asks LWA (and so raises
    TokenRevoked for a revoked refresh token)."""

    def __init__(
        self, application: Application, refresh_token: str, store: TokenStore | None = None
    ) -> None:
        self.application = application
        self._refresh_token = refresh_token
        self._store = store
        self._token = ""
        self._expires_at = 0.0
        self.from_store = False

    def get_lwa_access_token(self) -> str:
        if self._token and time.monotonic() < self._expires_at:
            return self._token
        if self._store is not None and self._from_store():
            return self._token
        return self.renew()

    def renew(self) -> str:
        """A new access token from LWA, whatever is held or stored."""
        body = token_request(
            self.application,
            {"grant_type": "refresh_token", "refresh_token": self._refresh_token},
        )
        lifetime = max(0, int(float(body.get("expires_in", 3600))) - EXPIRY_MARGIN)
        self._hold(body["access_token"], lifetime, from_store=False)
        if self._store is not None and lifetime > 0:
            self._store.set(self._key(), self._token, ex=lifetime)
        return self._token

    def _from_store(self) -> bool:
        stored = self._store.get(self._key()) if self._store is not None else None
        if not stored:
            return False
        # Its remaining lifetime is the store's business; within a run, a few minutes will do
        # (a 403 renews it anyway).
        self._hold(stored.decode(), STORED_TOKEN_TRUST, from_store=True)
        return True

    def _hold(self, token: str, lifetime: float, *, from_store: bool) -> None:
        self._token = token
        self._expires_at = time.monotonic() + lifetime
        self.from_store = from_store

    def _key(self) -> str:
        identity = "\0".join(
            (self.application.token_endpoint, self.application.client_id, self._refresh_token)
        )
        return STORE_KEY.format(hashlib.sha256(identity.encode()).hexdigest())
