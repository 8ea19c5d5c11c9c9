"""The website authorization workflow (DESIGN §2.2) with requests-oauthlib.

1. consent_url(): Seller Central's consent page for our application, with a `state`.
2. Amazon redirects back with state, selling_partner_id and spapi_oauth_code (5 minutes,
   single use), or with error=access_denied when the seller cancelled.
3. exchange_code(): the authorization_code grant at the LWA token endpoint gives the
   refresh token that amazon.connections stores encrypted.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from amazon.errors import AmazonError, AmazonUnavailable
from amazon.lwa import TIMEOUT, Application


class CodeExchangeFailed(AmazonError):
    """LWA did not turn the authorization code into a refresh token (expired, used, forged)."""

    default_message = (
        "Amazon hat die Anmeldung nicht bestätigt (der Bestätigungscode ist ungültig oder "
        "abgelaufen). Bitte richten Sie die Verbindung erneut ein."
    )


@dataclass(frozen=True)
class Consent:
    """The seller application registered in Seller Central, and where its pages are."""

    application_id: str
    client_id: str  # the LWA client (oauthlib puts it into the URL; Amazon goes by application_id)
    consent_url: str  # {seller central}/apps/authorize/consent
    redirect_uri: str
    draft: bool  # a draft application needs version=beta


def consent_url(consent: Consent, state: str) -> str:
    session = OAuth2Session(
        client_id=consent.client_id, redirect_uri=consent.redirect_uri, state=state
    )
    allow_http_on_loopback(consent.consent_url)
    extra = {"application_id": consent.application_id}
    if consent.draft:
        extra["version"] = "beta"
    url, _state = session.authorization_url(consent.consent_url, **extra)
    return url


def exchange_code(application: Application, code: str, redirect_uri: str) -> str:
    """The refresh token for an spapi_oauth_code."""
    session = OAuth2Session(client_id=application.client_id, redirect_uri=redirect_uri)
    allow_http_on_loopback(application.token_endpoint)
    try:
        token = session.fetch_token(
            application.token_endpoint,
            code=code,
            client_secret=application.client_secret,
            include_client_id=True,
            timeout=TIMEOUT,
        )
    except requests.RequestException as error:
        raise AmazonUnavailable(detail=f"code exchange: {type(error).__name__}") from error
    except OAuth2Error as error:
        if error.status_code and error.status_code >= 500:
            raise AmazonUnavailable(detail=f"code exchange: {error.error}") from error
        raise CodeExchangeFailed(detail=f"{error.error}: {error.description}") from error
    except ValueError as error:  # not JSON, e.g. an error page of a proxy
        raise AmazonUnavailable(detail="code exchange answered no JSON") from error
    refresh_token = token.get("refresh_token")
    if not refresh_token:
        raise CodeExchangeFailed(detail="the token answer carries no refresh_token")
    return refresh_token


def allow_http_on_loopback(url: str) -> None:
    """oauthlib refuses plain http (rightly). The sandbox on this machine speaks http; the
    production settings only accept https URLs (config.PRODUCTION_URL_SCHEMES), so this
    switch never opens outside development and tests."""
    parts = urlsplit(url)
    if parts.scheme == "http" and is_loopback(parts.hostname or ""):
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")


def is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False
