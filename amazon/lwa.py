"""Login with Amazon: access tokens from a refresh token (DESIGN §2.2).

Kontor asks LWA itself instead of leaving it to amzn-sp-api's AccessTokenCache: that one
cannot tell a revoked refresh token (400 invalid_grant, the connection needs renewal) from an
outage, and sleeps 14 s in retries before saying either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from amazon.errors import AmazonRequestRefused, AmazonUnavailable, TokenRevoked

TIMEOUT = (10, 30)  # connect, read (seconds)
# Renew a little before Amazon's expiry, so a request never leaves with a dying token.
EXPIRY_MARGIN = 60


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


class AccessTokens:
    """The access token of one refresh token, renewed when it is about to expire.

    Duck-types amzn-sp-api's AccessTokenCache: ApiClient only calls get_lwa_access_token()."""

    def __init__(self, application: Application, refresh_token: str) -> None:
        self.application = application
        self._refresh_token = refresh_token
        self._token = ""
        self._expires_at = 0.0

    def get_lwa_access_token(self) -> str:
        if not self._token or time.monotonic() >= self._expires_at:
            body = token_request(
                self.application,
                {"grant_type": "refresh_token", "refresh_token": self._refresh_token},
            )
            self._token = body["access_token"]
            lifetime = float(body.get("expires_in", 3600))
            self._expires_at = time.monotonic() + max(0.0, lifetime - EXPIRY_MARGIN)
        return self._token
