"""The sandbox serves threaded, as `flask sandbox run` does: concurrent requests must neither
corrupt its state nor get round Amazon's limits."""

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import requests

from sandbox.clock import SandboxClock
from tests.sandbox.sandbox_helpers import NOW, VAT, http_access_token
from tests.sandbox.sandbox_server import serve

DE = "A1PA6795UKMFR9"


def test_concurrent_create_reports_get_the_burst_exactly_and_distinct_ids():
    with serve({"SANDBOX_CLOCK": SandboxClock(NOW, frozen=True)}) as (base_url, _):
        credentials = requests.get(f"{base_url}/_sandbox/sellers", timeout=10).json()[0]
        headers = {"x-amz-access-token": http_access_token(base_url, credentials)}
        body = {"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "2026-10-01T00:00:00Z"}

        def create(_):
            return requests.post(
                f"{base_url}/reports/2021-06-30/reports", json=body, headers=headers, timeout=30
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(create, range(24)))
    accepted = [r.json()["reportId"] for r in responses if r.status_code == 202]
    assert sorted(r.status_code for r in responses) == [202] * 15 + [429] * 9
    assert len(set(accepted)) == 15


def test_an_authorization_code_redeemed_concurrently_works_exactly_once():
    with serve({"SANDBOX_CLOCK": SandboxClock(NOW, frozen=True)}) as (base_url, app):
        state = app.extensions["sandbox"]
        consent = requests.post(
            f"{base_url}/apps/authorize/consent",
            data={
                "application_id": state.application_id,
                "state": "s",
                "redirect_uri": "http://127.0.0.1:5000/amazon/callback",
                "decision": "confirm",
            },
            allow_redirects=False,
            timeout=10,
        )
        code = parse_qs(urlsplit(consent.headers["Location"]).query)["spapi_oauth_code"][0]

        def redeem(_):
            return requests.post(
                f"{base_url}/auth/o2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "client_id": state.client_id,
                    "client_secret": state.client_secret,
                },
                timeout=30,
            ).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(redeem, range(8)))
    assert statuses == [200] + [400] * 7
