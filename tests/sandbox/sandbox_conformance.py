"""Checks sandbox responses against the official SP-API models (tests/fixtures/spapi-models)."""

import json
import re
from collections import defaultdict
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker

MODELS = Path(__file__).parent.parent / "fixtures" / "spapi-models"
RATE_LIMIT = "x-amzn-RateLimit-Limit"
# operationId -> statuses it answered with, across the test session.
SEEN: dict[str, set[int]] = defaultdict(set)

format_checker = FormatChecker()


@format_checker.checks("date-time", raises=ValueError)
def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is None:
        raise ValueError(f"{value} has no offset")
    return True


@cache
def operations() -> list[tuple[re.Pattern, str, dict, dict]]:
    """(path pattern, method, operation, model) of every operation of every model."""
    found = []
    for name in ("reports_2021-06-30.json", "sellers.json"):
        model = json.loads((MODELS / name).read_text())
        for template, methods in model["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, op in methods.items():
                if method != "parameters":
                    found.append((pattern, method.upper(), op, model))
    return found


def operation_for(method: str, path: str) -> tuple[dict, dict] | None:
    for pattern, op_method, op, model in operations():
        if op_method == method.upper() and pattern.match(path):
            return op, model
    return None


def validate(instance, schema: dict, model: dict) -> None:
    root = {"definitions": model["definitions"], **schema}
    Draft4Validator(root, format_checker=format_checker).validate(instance)


def check_response(method: str, path: str, response) -> str | None:
    """Assert that `response` is one the official model allows; return its operationId."""
    found = operation_for(method, path)
    if found is None:
        return None
    op, model = found
    status = str(response.status_code)
    assert "x-amzn-RequestId" in response.headers, f"{op['operationId']} {status}: no request id"
    assert status in op["responses"], f"{op['operationId']} answered {status}, not in the model"
    declared = op["responses"][status]
    if RATE_LIMIT in response.headers:
        assert RATE_LIMIT in declared.get("headers", {}), f"{RATE_LIMIT} on {status}"
    if response.status_code in (200, 201, 202, 400, 404):
        assert RATE_LIMIT in response.headers, f"{op['operationId']} {status}: no {RATE_LIMIT}"
    schema = declared.get("schema")
    if schema is None:
        assert not response.get_data(), f"{op['operationId']} {status} must have no body"
    else:
        assert response.mimetype == "application/json"
        validate(response.get_json(), schema, model)
    return op["operationId"]


LWA_SUCCESS = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "refresh_token"],
    "properties": {
        "access_token": {"type": "string", "pattern": r"^Atza\|"},
        "refresh_token": {"type": "string", "pattern": r"^Atzr\|"},
        "token_type": {"enum": ["bearer"]},
        "expires_in": {"enum": [3600]},
    },
}
LWA_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "additionalProperties": False,
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


# A client_credentials (grantless) grant: no refresh token, the scope instead.
LWA_GRANTLESS = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope"],
    "not": {"required": ["refresh_token"]},
    "properties": {
        "access_token": {"type": "string", "pattern": r"^Atc\|"},
        "token_type": {"enum": ["bearer"]},
        "expires_in": {"enum": [3600]},
        "scope": {"type": "string"},
    },
}


def check_lwa_response(response) -> None:
    if response.status_code == 200 and "scope" in response.get_json():
        Draft4Validator(LWA_GRANTLESS).validate(response.get_json())
        return
    schema = LWA_SUCCESS if response.status_code == 200 else LWA_ERROR
    Draft4Validator(schema).validate(response.get_json())


class _RequestsResponse:
    """A requests.Response seen through the Flask response attributes the checks use."""

    def __init__(self, response):
        self._response = response
        self.status_code = response.status_code
        self.headers = response.headers
        self.mimetype = response.headers.get("Content-Type", "").split(";")[0].strip()

    def get_data(self) -> bytes:
        return self._response.content

    def get_json(self):
        return self._response.json()


def check_requests_response(response, *args, **kwargs):
    """A `requests` response hook: check every answer of a live sandbox."""
    path = urlsplit(response.request.url).path
    adapted = _RequestsResponse(response)
    operation = check_response(response.request.method, path, adapted)
    if operation:
        SEEN[operation].add(response.status_code)
    if path == "/auth/o2/token":
        check_lwa_response(adapted)
    return response
