"""Constants and small helpers shared by the sandbox tests."""

import gzip
from datetime import UTC, datetime

import requests

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTLEMENT = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
VAT = "GET_VAT_TRANSACTION_DATA"
REPORTS = "/reports/2021-06-30/reports"


def grant(client, state, **params):
    """POST /auth/o2/token with the registered client's credentials and `params`."""
    data = {"client_id": state.client_id, "client_secret": state.client_secret, **params}
    return client.post("/auth/o2/token", data=data)


def refresh_grant(client, state, seller):
    """The refresh_token grant of a seeded seller (the response, whatever it is)."""
    return grant(
        client, state, grant_type="refresh_token", refresh_token=state.seeded_refresh_token(seller)
    )


def token_for(client, state, seller) -> str:
    response = refresh_grant(client, state, seller)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def http_access_token(base_url: str, credentials: dict, session=requests) -> str:
    """An access token over real HTTP for the credentials `flask sandbox credentials` prints."""
    response = session.post(
        f"{base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            **{key: credentials[key] for key in ("refresh_token", "client_id", "client_secret")},
        },
        timeout=10,
    )
    return response.json()["access_token"]


def download(client, url: str) -> bytes:
    """Fetch a pre-signed document URL (no token) and gunzip it."""
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/plain;charset=Cp1252"
    return gzip.decompress(response.get_data())


def table(text: str) -> list[dict]:
    """Rows of a tab-separated report as dicts by header name."""
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def amount(text: str):
    from decimal import Decimal

    return Decimal(text.replace(",", ".")) if text else Decimal(0)
