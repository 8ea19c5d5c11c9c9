"""Every operation of the official models answers, and what it answers conforms.

The `client` fixture validates each response as it arrives (conftest.ConformingClient); this
module makes sure every operation is exercised, success and error alike, and that the checker
itself rejects what the models forbid."""

import json

import pytest
from flask import Response
from jsonschema import ValidationError

from tests.sandbox.sandbox_conformance import MODELS, SEEN, check_response
from tests.sandbox.sandbox_helpers import REPORTS, SETTLEMENT, VAT

DE = "A1PA6795UKMFR9"


def model_operations() -> set[str]:
    found = set()
    for name in ("reports_2021-06-30.json", "sellers.json"):
        model = json.loads((MODELS / name).read_text())
        for methods in model["paths"].values():
            found |= {op["operationId"] for key, op in methods.items() if key != "parameters"}
    return found


def test_every_operation_answers_successfully_and_with_errors(client, headers, clock):
    SEEN.clear()
    schedules = "/reports/2021-06-30/schedules"
    report_id = client.post(
        REPORTS,
        json={"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "2026-10-01T00:00:00Z"},
        headers=headers,
    ).get_json()["reportId"]
    client.delete(f"{REPORTS}/{report_id}", headers=headers)
    report_id = client.post(
        REPORTS,
        json={"reportType": VAT, "marketplaceIds": [DE], "dataStartTime": "2026-10-01T00:00:00Z"},
        headers=headers,
    ).get_json()["reportId"]
    clock.advance(10)
    report = client.get(f"{REPORTS}/{report_id}", headers=headers).get_json()
    client.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}", headers=headers)
    client.get(REPORTS, query_string={"reportTypes": SETTLEMENT}, headers=headers)
    schedule = client.post(
        schedules,
        json={"reportType": VAT, "marketplaceIds": [DE], "period": "P1D"},
        headers=headers,
    ).get_json()["reportScheduleId"]
    client.get(schedules, query_string={"reportTypes": VAT}, headers=headers)
    client.get(f"{schedules}/{schedule}", headers=headers)
    client.delete(f"{schedules}/{schedule}", headers=headers)
    client.get("/sellers/v1/marketplaceParticipations", headers=headers)
    client.get("/sellers/v1/account", headers=headers)
    # And the errors: 400, 403, 404 and 429.
    client.get(REPORTS, headers=headers)
    client.get(f"{REPORTS}/1", headers=headers)
    client.get("/sellers/v1/account")
    client.post(REPORTS, json={"reportType": SETTLEMENT, "marketplaceIds": [DE]}, headers=headers)
    assert set(SEEN) == model_operations()
    assert set().union(*SEEN.values()) >= {200, 201, 202, 400, 403, 404, 429}


def response(body, status=200, headers=None) -> Response:
    headers = {"x-amzn-RequestId": "r", "x-amzn-RateLimit-Limit": "2.0", **(headers or {})}
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


REPORT = {
    "reportId": "1",
    "reportType": SETTLEMENT,
    "createdTime": "2026-11-20T09:00:00+00:00",
    "processingStatus": "DONE",
}


def test_the_checker_accepts_a_valid_report():
    assert check_response("GET", f"{REPORTS}/1", response(REPORT)) == "getReport"


@pytest.mark.parametrize(
    "body",
    [
        {**REPORT, "processingStatus": "READY"},
        {key: value for key, value in REPORT.items() if key != "createdTime"},
        {**REPORT, "createdTime": "2026-11-20T09:00:00"},
        {"report": REPORT},
    ],
)
def test_the_checker_rejects_what_the_model_forbids(body):
    with pytest.raises(ValidationError):
        check_response("GET", f"{REPORTS}/1", response(body))


def test_the_checker_rejects_headers_and_statuses_the_model_does_not_allow():
    with pytest.raises(AssertionError):
        check_response(
            "GET",
            f"{REPORTS}/1",
            response(REPORT, headers={"x-amzn-RequestId": ""}).__class__(
                json.dumps(REPORT), status=200, mimetype="application/json"
            ),
        )
    errors = {"errors": [{"code": "QuotaExceeded", "message": "m"}]}
    with pytest.raises(AssertionError):
        check_response("GET", f"{REPORTS}/1", response(errors, status=429))
    with pytest.raises(AssertionError):
        check_response("GET", f"{REPORTS}/1", response(errors, status=418))
