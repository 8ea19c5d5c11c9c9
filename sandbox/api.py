"""What every SP-API operation does before and after its own work: request ids, faults,
authentication, usage plans and Amazon's error format."""

import functools
import time
import uuid

from flask import current_app, g, jsonify, request

from sandbox.limits import USAGE_PLANS
from sandbox.state import SandboxState

QUOTA_EXCEEDED = "You exceeded your quota for the requested resource."
# The x-amzn-RateLimit-Limit header appears on these statuses only (official models)...
RATE_LIMIT_HEADER_STATUSES = {200, 201, 202, 204, 400, 404}
# ... except where a model declares it on more (sellers.json: getMarketplaceParticipations
# sends it on every answer but 403).
RATE_LIMIT_HEADER_STATUSES_OF = {
    "getMarketplaceParticipations": RATE_LIMIT_HEADER_STATUSES | {413, 415, 429, 500, 503},
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: str = ""):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def invalid_input(message: str, details: str = "") -> ApiError:
    return ApiError(400, "InvalidInput", message, details)


def state() -> SandboxState:
    return current_app.extensions["sandbox"]


def request_id() -> str:
    if "request_id" not in g:
        g.request_id = str(uuid.uuid4())
    return g.request_id


def error_response(status: int, code: str, message: str, details: str = ""):
    response = jsonify({"errors": [{"code": code, "message": message, "details": details}]})
    response.status_code = status
    response.headers["x-amzn-RequestId"] = request_id()
    return response


def inject_faults(operation: str, seller_id: str | None):
    """Sleep or fail as configured; returns a response to send instead, or None."""
    faults = state().faults
    slow = faults.take({"slow"}, operation, seller_id)
    if slow is not None:
        time.sleep(slow.seconds)
    fault = faults.take({"500", "503", "429"}, operation, seller_id)
    if fault is None:
        return None
    if fault.kind == "500":
        return error_response(
            500, "InternalFailure", "We encountered an internal error. Please try again."
        )
    if fault.kind == "503":
        return error_response(
            503, "ServiceUnavailable", "Service temporarily unavailable. Please try again."
        )
    return error_response(429, "QuotaExceeded", QUOTA_EXCEEDED)


def operation(name: str):
    """Wrap a view as the SP-API operation `name` (an operationId of the official models)."""
    rate = USAGE_PLANS[name][0]

    def decorator(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            response = answer(view, kwargs)
            response.headers["x-amzn-RequestId"] = request_id()
            if response.status_code in RATE_LIMIT_HEADER_STATUSES_OF.get(
                name, RATE_LIMIT_HEADER_STATUSES
            ):
                response.headers["x-amzn-RateLimit-Limit"] = str(rate)
            return response

        def answer(view, kwargs):
            sandbox = state()
            seller, why = sandbox.access_token_seller(request.headers.get("x-amz-access-token"))
            seller_id = seller.selling_partner_id if seller else None
            response = inject_faults(name, seller_id)
            if response is not None:
                return response
            if seller is None:
                return error_response(
                    403, "Unauthorized", "Access to requested resource is denied.", why
                )
            if not sandbox.limiter.take(name, seller.selling_partner_id):
                return error_response(429, "QuotaExceeded", QUOTA_EXCEEDED)
            g.seller = seller
            try:
                return current_app.make_response(view(**kwargs))
            except ApiError as error:
                return error_response(error.status, error.code, error.message, error.details)

        return wrapper

    return decorator
