"""Reports API 2021-06-30: paths, status codes, parameters and validation of the model."""

import base64
import gzip
import json
from datetime import datetime, timedelta
from operator import itemgetter

import pytest

from tests.sandbox.sandbox_helpers import NOW, REPORTS, SETTLEMENT, VAT, download

DE = "A1PA6795UKMFR9"
FR = "A13V1IB3VIYZZH"
PL = "A1C3SOZRARQ6R3"


def settlements(client, headers, **params):
    response = client.get(
        REPORTS,
        query_string={"reportTypes": SETTLEMENT, "pageSize": 100, **params},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()["reports"]


def error(response) -> dict:
    [only] = response.get_json()["errors"]
    return only


def test_settlements_appear_by_themselves_per_marketplace_every_14_days(client, headers, seller):
    reports = settlements(client, headers)
    assert reports, "the seeded seller has settlement reports"
    assert {r["processingStatus"] for r in reports} == {"DONE"}
    by_marketplace = {}
    for report in reports:
        [marketplace] = report["marketplaceIds"]
        by_marketplace.setdefault(marketplace, []).append(report)
    assert set(by_marketplace) == set(seller.marketplace_ids)
    for listed in by_marketplace.values():
        starts = sorted({r["dataStartTime"] for r in listed})
        assert 6 <= len(starts) <= 7  # 90 days / 14
        for report in listed:
            length = _parse(report["dataEndTime"]) - _parse(report["dataStartTime"])
            assert length == timedelta(days=14)


def _parse(text):
    return datetime.fromisoformat(text)


def test_reports_are_listed_newest_first_within_the_last_90_days(client, headers):
    reports = settlements(client, headers)
    created = [_parse(r["createdTime"]) for r in reports]
    assert created == sorted(created, reverse=True)
    assert min(created) >= NOW - timedelta(days=90)
    assert max(created) <= NOW


def test_pages_follow_next_token_as_the_only_parameter(client, headers):
    everything = settlements(client, headers)
    first = client.get(
        REPORTS, query_string={"reportTypes": SETTLEMENT, "pageSize": 7}, headers=headers
    ).get_json()
    collected = list(first["reports"])
    token = first["nextToken"]
    while token:
        page = client.get(REPORTS, query_string={"nextToken": token}, headers=headers).get_json()
        collected += page["reports"]
        token = page.get("nextToken")
    assert [r["reportId"] for r in collected] == [r["reportId"] for r in everything]


@pytest.mark.parametrize(
    "token",
    [
        # Well-formed base64 JSON, but not a token the sandbox issued (once a 500).
        base64.urlsafe_b64encode(b'{"offset": 0}').decode(),
        base64.urlsafe_b64encode(b'{"offset": "x", "reportTypes": ["A"]}').decode(),
        "!!!",
        "",
    ],
)
def test_a_forged_or_garbled_next_token_answers_400_not_500(client, headers, token):
    response = client.get(REPORTS, query_string={"nextToken": token}, headers=headers)
    assert response.status_code == 400
    assert error(response)["code"] == "InvalidInput"


def test_an_altered_next_token_answers_400(client, headers):
    token = client.get(
        REPORTS, query_string={"reportTypes": SETTLEMENT, "pageSize": 2}, headers=headers
    ).get_json()["nextToken"]
    body, _, signature = token.rpartition(".")
    filters = json.loads(base64.urlsafe_b64decode(body))
    altered = base64.urlsafe_b64encode(json.dumps({**filters, "pageSize": 100}).encode())
    response = client.get(
        REPORTS, query_string={"nextToken": f"{altered.decode()}.{signature}"}, headers=headers
    )
    assert response.status_code == 400


def test_a_next_token_of_another_seller_answers_400(client, headers, api, state):
    token = client.get(
        REPORTS, query_string={"reportTypes": SETTLEMENT, "pageSize": 2}, headers=headers
    ).get_json()["nextToken"]
    response = api(state.sellers[1]).get(REPORTS, query_string={"nextToken": token})
    assert response.status_code == 400


def test_no_report_starts_processing_before_it_was_created(client, headers, clock):
    response = client.post(
        REPORTS,
        json={"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "2026-10-01T00:00:00Z"},
        headers=headers,
    )
    assert response.status_code == 202
    clock.advance(60)
    reports = (
        settlements(client, headers)
        + client.get(REPORTS, query_string={"reportTypes": VAT}, headers=headers).get_json()[
            "reports"
        ]
    )
    for report in reports:
        created = datetime.fromisoformat(report["createdTime"])
        started = datetime.fromisoformat(report["processingStartTime"])
        ended = datetime.fromisoformat(report["processingEndTime"])
        assert created <= started <= ended <= clock.now(), report


def test_default_page_size_is_ten(client, headers):
    body = client.get(REPORTS, query_string={"reportTypes": SETTLEMENT}, headers=headers).get_json()
    assert len(body["reports"]) == 10 and "nextToken" in body


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "reportTypes or nextToken"),
        ({"processingStatuses": "DONE"}, "reportTypes or nextToken"),
        ({"nextToken": "x", "reportTypes": SETTLEMENT}, "only parameter"),
        ({"nextToken": "x", "pageSize": "5"}, "only parameter"),
        ({"nextToken": "not-a-token"}, "nextToken"),
        ({"reportTypes": SETTLEMENT, "pageSize": "0"}, "pageSize"),
        ({"reportTypes": SETTLEMENT, "pageSize": "101"}, "pageSize"),
        ({"reportTypes": SETTLEMENT, "pageSize": "ten"}, "pageSize"),
        ({"reportTypes": SETTLEMENT, "processingStatuses": "READY"}, "processingStatuses"),
        ({"reportTypes": ",".join(["A"] * 11)}, "at most 10"),
        ({"reportTypes": SETTLEMENT, "marketplaceIds": ",".join([DE] * 11)}, "at most 10"),
        ({"reportTypes": SETTLEMENT, "createdSince": "yesterday"}, "createdSince"),
        (
            {"reportTypes": SETTLEMENT, "createdSince": (NOW - timedelta(days=91)).isoformat()},
            "90 days",
        ),
        (
            {
                "reportTypes": SETTLEMENT,
                "createdSince": (NOW - timedelta(days=2)).isoformat(),
                "createdUntil": (NOW - timedelta(days=3)).isoformat(),
            },
            "createdSince",
        ),
    ],
)
def test_invalid_get_reports_parameters_answer_400(client, headers, params, message):
    response = client.get(REPORTS, query_string=params, headers=headers)
    assert response.status_code == 400
    assert error(response)["code"] == "InvalidInput"
    assert message in error(response)["message"]


def test_list_parameters_are_comma_separated_not_repeated(client, headers):
    response = client.get(
        REPORTS + f"?reportTypes={SETTLEMENT}&marketplaceIds={DE}&marketplaceIds={FR}",
        headers=headers,
    )
    assert response.status_code == 400
    both = settlements(client, headers, marketplaceIds=f"{DE},{FR}")
    assert {r["marketplaceIds"][0] for r in both} == {DE, FR}


def test_filters_by_marketplace_status_and_creation_time(client, headers):
    since = NOW - timedelta(days=30)
    recent = settlements(client, headers, marketplaceIds=DE, createdSince=since.isoformat())
    assert recent and all(_parse(r["createdTime"]) >= since for r in recent)
    assert all(r["marketplaceIds"] == [DE] for r in recent)
    assert settlements(client, headers, processingStatuses="IN_QUEUE,FATAL") == []


def test_unknown_query_parameters_and_any_host_are_accepted(client, headers):
    response = client.get(
        REPORTS,
        query_string={"reportTypes": SETTLEMENT, "utm_source": "x", "includeEverything": "1"},
        headers={**headers, "Host": "sellingpartnerapi-eu.amazon.com"},
    )
    assert response.status_code == 200


def test_get_report_returns_the_report_at_top_level(client, headers):
    listed = settlements(client, headers)[0]
    response = client.get(f"{REPORTS}/{listed['reportId']}", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == listed


def test_unknown_report_is_404(client, headers):
    response = client.get(f"{REPORTS}/12345", headers=headers)
    assert response.status_code == 404
    assert error(response)["code"] == "NotFound"


def test_reports_of_another_seller_are_not_found(client, headers, api, state):
    other = settlements(client, api(state.sellers[1]).headers)[0]
    assert client.get(f"{REPORTS}/{other['reportId']}", headers=headers).status_code == 404
    document = f"/reports/2021-06-30/documents/{other['reportDocumentId']}"
    assert client.get(document, headers=headers).status_code == 404


def test_settlement_reports_cannot_be_requested(client, headers):
    response = client.post(
        REPORTS, json={"reportType": SETTLEMENT, "marketplaceIds": [DE]}, headers=headers
    )
    assert response.status_code == 429
    assert error(response) == {
        "code": "QuotaExceeded",
        "message": "You exceeded your quota for the requested resource.",
        "details": "",
    }
    assert "x-amzn-RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(
    "body, message",
    [
        ({"marketplaceIds": [DE]}, "reportType"),
        ({"reportType": "GET_NO_SUCH_REPORT", "marketplaceIds": [DE]}, "reportType"),
        ({"reportType": VAT}, "marketplaceIds"),
        ({"reportType": VAT, "marketplaceIds": []}, "marketplaceIds"),
        ({"reportType": VAT, "marketplaceIds": [PL]}, "marketplaceIds"),
        ({"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "soon"}, "dataStartTime"),
        (
            {
                "reportType": VAT,
                "marketplaceIds": [DE],
                "dataStartTime": (NOW + timedelta(days=1)).isoformat(),
            },
            "dataStartTime",
        ),
        (
            {
                "reportType": VAT,
                "marketplaceIds": [DE],
                "dataStartTime": "2026-10-31T00:00:00Z",
                "dataEndTime": "2026-10-01T00:00:00Z",
            },
            "dataStartTime",
        ),
        ({"reportType": VAT, "marketplaceIds": [DE], "reportOptions": {"a": 1}}, "reportOptions"),
    ],
)
def test_invalid_create_report_bodies_answer_400(client, headers, body, message):
    response = client.post(REPORTS, json=body, headers=headers)
    assert response.status_code == 400
    assert message in error(response)["message"]


def test_create_report_ignores_unknown_body_keys(client, headers):
    response = client.post(
        REPORTS,
        json={
            "reportType": VAT,
            "marketplaceIds": [DE],
            "dataStartTime": "2026-10-01T00:00:00Z",
            "dataEndTime": "2026-10-31T23:59:59Z",
            "futureField": {"x": 1},
        },
        headers=headers,
    )
    assert response.status_code == 202
    assert set(response.get_json()) == {"reportId"}


def test_create_report_refuses_a_body_that_is_not_json(client, headers):
    response = client.post(REPORTS, data="reportType=x", headers=headers)
    assert response.status_code == 400


def test_report_document_is_a_presigned_gzip_url_valid_for_five_minutes(client, headers, clock):
    report = settlements(client, headers)[0]
    response = client.get(
        f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers
    )
    assert response.status_code == 200
    document = response.get_json()
    assert document["reportDocumentId"] == report["reportDocumentId"]
    assert document["compressionAlgorithm"] == "GZIP"
    text = download(client, document["url"]).decode("cp1252")
    assert text.startswith("settlement-id\t")
    clock.advance(299)
    assert client.get(document["url"]).status_code == 200
    clock.advance(1)
    expired = client.get(document["url"])
    assert expired.status_code == 403
    assert b"Request has expired" in expired.get_data()


def test_a_document_url_sends_gzip_bytes_without_content_encoding_by_default(client, headers):
    report = settlements(client, headers)[0]
    url = client.get(
        f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers
    ).get_json()["url"]
    response = client.get(url)
    # Amazon's default is Content-Encoding identity: a client must gunzip by itself.
    assert "Content-Encoding" not in response.headers
    assert response.get_data()[:2] == b"\x1f\x8b"


def test_enable_content_encoding_url_header_makes_the_download_say_content_encoding_gzip(
    client, headers
):
    report = settlements(client, headers)[0]
    path = f"/reports/2021-06-30/documents/{report['reportDocumentId']}"
    document = client.get(
        path, query_string={"enableContentEncodingUrlHeader": "true"}, headers=headers
    ).get_json()
    assert document["compressionAlgorithm"] == "GZIP"
    response = client.get(document["url"])
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.get_data()).startswith(b"settlement-id\t")
    # The override is signed into the URL: dropping it breaks the signature, as on S3.
    stripped = document["url"].replace("&response-content-encoding=gzip", "")
    assert client.get(stripped).status_code == 403
    wrong = client.get(
        path, query_string={"enableContentEncodingUrlHeader": "maybe"}, headers=headers
    )
    assert wrong.status_code == 400


def test_document_urls_need_their_signature_but_no_token(client, headers):
    report = settlements(client, headers)[0]
    url = client.get(
        f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers
    ).get_json()["url"]
    assert client.get(url).status_code == 200
    tampered = url[:-4] + "0000"
    assert client.get(tampered).status_code == 403


def test_a_document_url_refuses_the_sp_api_headers_as_s3_does(client, headers):
    # S3 refuses x-amz-* headers the pre-signed URL does not sign, and a second auth
    # mechanism: a client must not reuse its SP-API session headers for the download.
    report = settlements(client, headers)[0]
    url = client.get(
        f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers
    ).get_json()["url"]
    refused = client.get(url, headers=headers)
    assert refused.status_code == 403
    assert b"<HeadersNotSigned>x-amz-access-token</HeadersNotSigned>" in refused.get_data()
    both = client.get(url, headers={"Authorization": "Bearer Atza|x"})
    assert both.status_code == 400
    assert b"<Code>InvalidArgument</Code>" in both.get_data()
    assert client.get(url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}).status_code == 200


def test_unknown_document_is_404(client, headers):
    response = client.get(
        "/reports/2021-06-30/documents/amzn1.spdoc.1.4.eu.nothing", headers=headers
    )
    assert response.status_code == 404


def test_cancel_report_only_while_in_queue(client, headers):
    report_id = client.post(
        REPORTS,
        json={"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "2026-10-01T00:00:00Z"},
        headers=headers,
    ).get_json()["reportId"]
    response = client.delete(f"{REPORTS}/{report_id}", headers=headers)
    assert response.status_code == 200 and response.get_data() == b""
    report = client.get(f"{REPORTS}/{report_id}", headers=headers).get_json()
    assert report["processingStatus"] == "CANCELLED"
    again = client.delete(f"{REPORTS}/{report_id}", headers=headers)
    assert again.status_code == 400
    settled = settlements(client, headers)[0]["reportId"]
    assert client.delete(f"{REPORTS}/{settled}", headers=headers).status_code == 400
    assert client.delete(f"{REPORTS}/999", headers=headers).status_code == 404


def test_report_schedules_can_be_created_read_listed_and_cancelled(client, headers):
    schedules = "/reports/2021-06-30/schedules"
    body = {"reportType": VAT, "marketplaceIds": [DE], "period": "P30D", "unknown": True}
    created = client.post(schedules, json=body, headers=headers)
    assert created.status_code == 201
    schedule_id = created.get_json()["reportScheduleId"]
    one = client.get(f"{schedules}/{schedule_id}", headers=headers).get_json()
    assert one["period"] == "P30D" and one["reportType"] == VAT
    listed = client.get(schedules, query_string={"reportTypes": VAT}, headers=headers).get_json()
    assert [s["reportScheduleId"] for s in listed["reportSchedules"]] == [schedule_id]
    # The same type and marketplaces replace the schedule.
    replaced = client.post(schedules, json={**body, "period": "P1D"}, headers=headers)
    listed = client.get(schedules, query_string={"reportTypes": VAT}, headers=headers).get_json()
    assert [s["reportScheduleId"] for s in listed["reportSchedules"]] == [
        replaced.get_json()["reportScheduleId"]
    ]
    schedule_id = replaced.get_json()["reportScheduleId"]
    cancelled = client.delete(f"{schedules}/{schedule_id}", headers=headers)
    assert cancelled.status_code == 200
    assert client.get(f"{schedules}/{schedule_id}", headers=headers).status_code == 404
    assert client.delete(f"{schedules}/{schedule_id}", headers=headers).status_code == 404
    assert client.get(schedules, headers=headers).status_code == 400
    wrong = client.post(schedules, json={**body, "period": "P2W"}, headers=headers)
    assert wrong.status_code == 400


def test_sellers_api_lists_the_marketplaces_of_the_seller(client, api, state):
    for seller in state.sellers:
        response = api(seller).get("/sellers/v1/marketplaceParticipations")
        assert response.status_code == 200
        payload = response.get_json()["payload"]
        assert [p["marketplace"]["id"] for p in payload] == seller.marketplace_ids
        assert all(p["storeName"] == seller.profile.store_name for p in payload)
    uk_seller = state.sellers[2]
    payload = api(uk_seller).get("/sellers/v1/marketplaceParticipations").get_json()["payload"]
    uk = next(p["marketplace"] for p in payload if p["marketplace"]["id"] == "A1F83G8C2ARO7P")
    assert uk["defaultCurrencyCode"] == "GBP" and uk["domainName"] == "www.amazon.co.uk"


def test_sellers_account(client, headers):
    response = client.get("/sellers/v1/account", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["payload"]["sellingPlan"] == "PROFESSIONAL"


def test_unknown_paths_answer_in_amazons_error_format(client, headers):
    response = client.get("/reports/2021-06-30/nothing", headers=headers)
    assert response.status_code == 404
    assert error(response)["code"] == "NotFound"
    assert "x-amzn-RequestId" in response.headers


def test_every_settlement_is_also_published_as_the_older_v1_flat_file(client, headers):
    v1_type = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
    v2 = settlements(client, headers)
    v1 = client.get(
        REPORTS, query_string={"reportTypes": v1_type, "pageSize": 100}, headers=headers
    ).get_json()["reports"]
    period = itemgetter("marketplaceIds", "dataStartTime", "dataEndTime", "createdTime")
    assert sorted(map(period, v1)) == sorted(map(period, v2))
    assert {r["reportId"] for r in v1}.isdisjoint(r["reportId"] for r in v2)
    document = client.get(
        f"/reports/2021-06-30/documents/{v1[0]['reportDocumentId']}", headers=headers
    ).get_json()
    header = download(client, document["url"]).decode("cp1252").split("\n", 1)[0].split("\t")
    assert len(header) == 36 and "price-amount" in header
