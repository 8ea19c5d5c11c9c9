"""Amazon's usage plans, injected faults and the sandbox's control endpoints."""

import gzip
import time
import zlib

import pytest

from sandbox.limits import Fault
from tests.sandbox.sandbox_helpers import NOW, REPORTS, SETTLEMENT, refresh_grant, token_for

QUOTA = {
    "code": "QuotaExceeded",
    "message": "You exceeded your quota for the requested resource.",
    "details": "",
}
LIST = {"reportTypes": SETTLEMENT}


def list_reports(client, headers):
    return client.get(REPORTS, query_string=LIST, headers=headers)


def test_get_reports_allows_a_burst_of_ten_then_answers_429(client, headers, clock):
    for _ in range(10):
        response = list_reports(client, headers)
        assert response.status_code == 200
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.0222"
    refused = list_reports(client, headers)
    assert refused.status_code == 429
    assert refused.get_json() == {"errors": [QUOTA]}
    assert "x-amzn-RateLimit-Limit" not in refused.headers
    assert refused.headers["x-amzn-RequestId"]
    clock.advance(1 / 0.0222 - 1)
    assert list_reports(client, headers).status_code == 429
    clock.advance(1)
    assert list_reports(client, headers).status_code == 200


def test_get_report_refills_two_per_second(client, headers, clock):
    report_id = list_reports(client, headers).get_json()["reports"][0]["reportId"]
    statuses = [
        client.get(f"{REPORTS}/{report_id}", headers=headers).status_code for _ in range(16)
    ]
    assert statuses == [200] * 15 + [429]
    clock.advance(0.5)
    assert client.get(f"{REPORTS}/{report_id}", headers=headers).status_code == 200


def test_buckets_are_per_seller_and_operation(client, headers, api, state):
    for _ in range(10):
        list_reports(client, headers)
    assert list_reports(client, headers).status_code == 429
    assert api(state.sellers[1]).get(REPORTS, query_string=LIST).status_code == 200
    assert client.get("/sellers/v1/marketplaceParticipations", headers=headers).status_code == 200


def test_bad_requests_count_against_the_quota_and_carry_the_header(client, headers):
    for _ in range(10):
        response = client.get(REPORTS, headers=headers)
        assert response.status_code == 400
        assert "x-amzn-RateLimit-Limit" in response.headers
    assert list_reports(client, headers).status_code == 429


@pytest.mark.parametrize("config", [{"SANDBOX_TIME_SCALE": 100}])
def test_time_scale_speeds_up_the_refill(client, headers, clock, config):
    for _ in range(10):
        list_reports(client, headers)
    assert list_reports(client, headers).status_code == 429
    clock.advance(1 / 0.0222 / 100)
    assert list_reports(client, headers).status_code == 200


@pytest.mark.parametrize("config", [{"SANDBOX_RATE_LIMITS": False}])
def test_rate_limits_can_be_switched_off(client, headers, config):
    assert all(list_reports(client, headers).status_code == 200 for _ in range(20))


@pytest.mark.parametrize(
    "config", [{"SANDBOX_FAULTS": [{"kind": "500", "operation": "getReports", "times": 1}]}]
)
def test_configured_fault_answers_500_once(client, headers, config):
    failed = list_reports(client, headers)
    assert failed.status_code == 500
    assert failed.get_json()["errors"][0]["code"] == "InternalFailure"
    assert "x-amzn-RateLimit-Limit" not in failed.headers
    assert list_reports(client, headers).status_code == 200


def test_faults_can_be_injected_listed_and_cleared_over_http(client, headers, seller):
    response = client.post(
        "/_sandbox/faults",
        json=[{"kind": "503", "seller": seller.selling_partner_id}, {"kind": "429", "times": 1}],
    )
    assert response.status_code == 200 and len(response.get_json()) == 2
    unavailable = list_reports(client, headers)
    assert unavailable.status_code == 503
    assert unavailable.get_json()["errors"][0]["code"] == "ServiceUnavailable"
    assert client.delete("/_sandbox/faults").get_json() == []
    assert list_reports(client, headers).status_code == 200
    assert client.post("/_sandbox/faults", json={"kind": "meteor"}).status_code == 400


def test_slow_fault_delays_the_answer(client, headers):
    client.post("/_sandbox/faults", json={"kind": "slow", "seconds": 0.3, "times": 1})
    started = time.monotonic()
    assert list_reports(client, headers).status_code == 200
    assert time.monotonic() - started >= 0.3


def document_url(client, headers):
    report = list_reports(client, headers).get_json()["reports"][0]
    path = f"/reports/2021-06-30/documents/{report['reportDocumentId']}"
    return client.get(path, headers=headers).get_json()["url"]


def test_truncated_gzip_fault_cuts_the_download(client, headers):
    url = document_url(client, headers)
    client.post("/_sandbox/faults", json={"kind": "truncated_gzip", "times": 1})
    broken = client.get(url)
    assert broken.status_code == 200
    with pytest.raises((EOFError, zlib.error)):
        gzip.decompress(broken.get_data())
    gzip.decompress(client.get(url).get_data())


def test_expired_url_fault_refuses_the_download(client, headers):
    url = document_url(client, headers)
    client.post("/_sandbox/faults", json={"kind": "expired_url", "times": 1})
    refused = client.get(url)
    assert refused.status_code == 403
    assert b"<Code>AccessDenied</Code>" in refused.get_data()
    assert client.get(url).status_code == 200


def test_download_faults_answer_like_s3(client, headers):
    url = document_url(client, headers)
    client.post("/_sandbox/faults", json={"kind": "503", "operation": "downloadDocument"})
    response = client.get(url)
    assert response.status_code == 503
    assert response.mimetype == "application/xml"


def test_throttled_downloads_answer_503_slow_down_as_s3_does_never_429(client, headers):
    url = document_url(client, headers)
    client.post("/_sandbox/faults", json={"kind": "429", "operation": "downloadDocument"})
    response = client.get(url)
    assert response.status_code == 503
    assert b"<Code>SlowDown</Code>" in response.get_data()


def test_revoked_token_fault_refuses_the_refresh_of_one_seller(client, state):
    target, other = state.sellers[0], state.sellers[1]
    client.post(
        "/_sandbox/faults", json={"kind": "revoked_token", "seller": target.selling_partner_id}
    )
    response = refresh_grant(client, state, target)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"
    assert token_for(client, state, other)


def test_token_endpoint_can_fail_too(client, state, seller):
    client.post("/_sandbox/faults", json={"kind": "503", "operation": "token", "times": 1})
    response = refresh_grant(client, state, seller)
    assert response.status_code == 503
    assert response.get_json()["error"] == "temporarily_unavailable"


def test_clock_can_be_read_set_and_advanced(client):
    assert client.get("/_sandbox/clock").get_json() == {
        "now": NOW.isoformat(),
        "frozen": True,
    }
    moved = client.post("/_sandbox/clock", json={"now": "2027-01-05T08:00:00Z"}).get_json()
    assert moved["now"] == "2027-01-05T08:00:00+00:00"
    advanced = client.post("/_sandbox/clock", json={"advance": 60}).get_json()
    assert advanced["now"] == "2027-01-05T08:01:00+00:00"


def test_control_endpoints_answer_only_on_loopback(client):
    remote = {"REMOTE_ADDR": "192.0.2.10"}
    assert client.get("/_sandbox/clock", environ_base=remote).status_code == 403
    assert (
        client.post("/_sandbox/faults", json={"kind": "500"}, environ_base=remote).status_code
        == 403
    )
    assert client.get("/_sandbox/faults").get_json() == []


def test_reset_forgets_what_clients_did(client, headers, state, seller):
    for _ in range(10):
        list_reports(client, headers)
    client.post("/_sandbox/revoke", json={"selling_partner_id": seller.selling_partner_id})
    assert client.post("/_sandbox/reset").status_code == 200
    fresh = {"x-amz-access-token": token_for(client, state, seller)}
    assert list_reports(client, fresh).status_code == 200


def test_credentials_of_every_seeded_seller_are_listed(client, state):
    listed = client.get("/_sandbox/sellers").get_json()
    assert [s["selling_partner_id"] for s in listed] == [
        s.selling_partner_id for s in state.sellers
    ]
    assert set(listed[0]) >= {"client_id", "client_secret", "refresh_token", "marketplace_ids"}


def test_marketplace_participations_carry_the_rate_limit_header_on_429_and_500_as_its_model_says(
    client, headers, state
):
    # sellers.json declares x-amzn-RateLimit-Limit on every answer of
    # getMarketplaceParticipations but 403; the Reports API only on 2xx, 400 and 404.
    participations = "/sellers/v1/marketplaceParticipations"
    for _ in range(15):
        assert client.get(participations, headers=headers).status_code == 200
    refused = client.get(participations, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["x-amzn-RateLimit-Limit"] == "0.016"
    state.faults.add(Fault(kind="500", operation="getMarketplaceParticipations", times=1))
    failed = client.get(participations, headers=headers)
    assert failed.status_code == 500
    assert failed.headers["x-amzn-RateLimit-Limit"] == "0.016"
    assert "x-amzn-RateLimit-Limit" not in client.get(participations).headers  # 403
