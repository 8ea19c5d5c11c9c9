"""Reports API v2021-06-30: the nine operations on their official paths."""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
from datetime import UTC, datetime, timedelta

from flask import Blueprint, current_app, g, request

from sandbox.api import ApiError, invalid_input, operation, state
from sandbox.sellers import derive
from sandbox.state import KNOWN_REPORT_TYPES, RETENTION, SETTLEMENT_REPORT_TYPES, iso

bp = Blueprint("reports", __name__, url_prefix="/reports/2021-06-30")

STATUSES = {"CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"}
PERIODS = {
    "PT5M",
    "PT15M",
    "PT30M",
    "PT1H",
    "PT2H",
    "PT4H",
    "PT8H",
    "PT12H",
    "P1D",
    "P2D",
    "P3D",
    "PT84H",
    "P7D",
    "P14D",
    "P15D",
    "P18D",
    "P30D",
    "P1M",
}
LIST_PARAMETERS = (
    "reportTypes",
    "processingStatuses",
    "marketplaceIds",
    "pageSize",
    "createdSince",
    "createdUntil",
)
# Clients compute "90 days ago" on their own clock a moment before the request arrives.
LOOKBACK_GRACE = timedelta(minutes=5)


def parse_time(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise invalid_input(f"Invalid {name}: {value!r} is not an ISO 8601 date-time.") from None
    return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)


def list_parameter(name: str, max_items: int, allowed: set[str] | None = None) -> list[str]:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise invalid_input(f"{name} must be given once, as a comma-separated list.")
    items = values[0].split(",") if values else []
    if not items or not all(item.strip() for item in items):
        raise invalid_input(f"{name} must contain at least one non-empty value.")
    if len(items) > max_items:
        raise invalid_input(f"{name} accepts at most {max_items} values.")
    items = [item.strip() for item in items]
    if allowed is not None:
        wrong = [item for item in items if item not in allowed]
        if wrong:
            raise invalid_input(f"Invalid {name}: {', '.join(wrong)}.")
    return items


def _token_signature(body: str) -> str:
    key = derive(state().seed, "next-token-key")
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()[:32]


def encode_token(filters: dict) -> str:
    """An opaque nextToken: the filters of the listing, signed, so that a forged or altered
    token is refused (400) like Amazon's, rather than failing inside the sandbox."""
    body = base64.urlsafe_b64encode(json.dumps(filters).encode()).decode()
    return f"{body}.{_token_signature(body)}"


def decode_token(token: str) -> dict:
    body, _, signature = token.strip().rpartition(".")
    if not body or not hmac.compare_digest(signature, _token_signature(body)):
        raise invalid_input("Invalid nextToken.")
    try:
        filters = json.loads(base64.urlsafe_b64decode(body.encode()))
    except (ValueError, binascii.Error):
        raise invalid_input("Invalid nextToken.") from None
    if filters.get("seller") != g.seller.selling_partner_id:
        # A token belongs to the listing (and the seller) it was issued for.
        raise invalid_input("Invalid nextToken.")
    return filters


def filters_from_query() -> dict:
    if "reportTypes" not in request.args:
        raise invalid_input("Either reportTypes or nextToken is required.")
    now = state().clock.now()
    filters = {
        "reportTypes": list_parameter("reportTypes", 10),
        "offset": 0,
        "seller": g.seller.selling_partner_id,
    }
    if "processingStatuses" in request.args:
        filters["processingStatuses"] = list_parameter("processingStatuses", 100, STATUSES)
    if "marketplaceIds" in request.args:
        filters["marketplaceIds"] = list_parameter("marketplaceIds", 10)
    page_size = request.args.get("pageSize", "10")
    if not page_size.strip().isdigit() or not 1 <= int(page_size) <= 100:
        raise invalid_input("pageSize must be an integer from 1 to 100.")
    filters["pageSize"] = int(page_size)
    since = request.args.get("createdSince")
    since = parse_time(since, "createdSince") if since else now - RETENTION
    if since < now - RETENTION - LOOKBACK_GRACE:
        raise invalid_input("createdSince cannot be more than 90 days in the past.")
    until = request.args.get("createdUntil")
    until = parse_time(until, "createdUntil") if until else now
    if since > until:
        raise invalid_input("createdSince must be before createdUntil.")
    filters["createdSince"], filters["createdUntil"] = iso(since), iso(until)
    return filters


@bp.get("/reports")
@operation("getReports")
def get_reports():
    token = request.args.get("nextToken")
    if token is not None:
        if any(name in request.args for name in LIST_PARAMETERS):
            raise invalid_input("nextToken must be the only parameter when it is given.")
        filters = decode_token(token)
    else:
        filters = filters_from_query()
    since = datetime.fromisoformat(filters["createdSince"])
    until = datetime.fromisoformat(filters["createdUntil"])
    entries = [
        e
        for e in state().all_entries(g.seller)
        if e.report_type in filters["reportTypes"]
        and e.status in filters.get("processingStatuses", STATUSES)
        and set(e.marketplace_ids) & set(filters.get("marketplaceIds", e.marketplace_ids))
        and since <= e.created <= until
    ]
    entries.sort(key=lambda e: (e.created, e.report_id), reverse=True)
    offset, size = filters["offset"], filters["pageSize"]
    body = {"reports": [e.to_json() for e in entries[offset : offset + size]]}
    if offset + size < len(entries):
        body["nextToken"] = encode_token({**filters, "offset": offset + size})
    return body


def json_body() -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise invalid_input("The request body must be a JSON object.")
    return body


def marketplace_ids(body: dict) -> list[str]:
    ids = body.get("marketplaceIds")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 25:
        raise invalid_input("marketplaceIds must be a list of 1 to 25 marketplace ids.")
    unknown = [mp for mp in ids if mp not in g.seller.marketplace_ids]
    if unknown:
        raise invalid_input(
            f"Invalid marketplaceIds: {', '.join(map(str, unknown))}.",
            "The seller does not participate in these marketplaces.",
        )
    return ids


def report_type(body: dict) -> str:
    value = body.get("reportType")
    if not isinstance(value, str) or value not in KNOWN_REPORT_TYPES:
        raise invalid_input(f"Invalid reportType: {value!r}.")
    return value


def report_options(body: dict) -> dict:
    options = body.get("reportOptions") or {}
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise invalid_input("reportOptions must map names to strings.")
    return options


@bp.post("/reports")
@operation("createReport")
def create_report():
    body = json_body()
    kind = report_type(body)
    ids = marketplace_ids(body)
    report_options(body)
    if kind in SETTLEMENT_REPORT_TYPES:
        # Amazon creates settlement reports itself; requesting one is always over quota.
        raise ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
    now = state().clock.now()
    times = {}
    for name in ("dataStartTime", "dataEndTime"):
        if body.get(name) is not None:
            times[name] = parse_time(str(body[name]), name)
            if times[name] > now:
                raise invalid_input(f"{name} must be prior to or equal to the current time.")
    start, end = times.get("dataStartTime"), times.get("dataEndTime")
    if start and end and start > end:
        raise invalid_input("dataStartTime must be before dataEndTime.")
    report_id = state().create_report(
        g.seller, kind, ids, times.get("dataStartTime"), times.get("dataEndTime")
    )
    return {"reportId": report_id}, 202


def found(entry, what: str):
    if entry is None:
        raise ApiError(404, "NotFound", f"{what} not found.")
    return entry


@bp.get("/reports/<report_id>")
@operation("getReport")
def get_report(report_id):
    return found(state().entry(g.seller, report_id), "Report").to_json()


@bp.delete("/reports/<report_id>")
@operation("cancelReport")
def cancel_report(report_id):
    found(state().entry(g.seller, report_id), "Report")
    if not state().cancel_report(g.seller, report_id):
        raise invalid_input("Only reports with processingStatus IN_QUEUE can be cancelled.")
    return "", 200


def public_base_url() -> str:
    """Where clients reach this sandbox: SANDBOX_PUBLIC_URL, else the address the server is
    bound to. Never the request's Host header: a client that sends a wrong one (e.g.
    python-amazon-sp-api over plain http drops the host's first character) must still get a
    document URL it can download."""
    configured = current_app.config.get("SANDBOX_PUBLIC_URL", "")
    if configured:
        return configured.rstrip("/")
    environ = request.environ
    host = environ.get("SERVER_NAME") or "127.0.0.1"
    if is_unspecified(host):  # bound to every interface: this machine's loopback reaches it
        host = "127.0.0.1"
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}:{environ.get('SERVER_PORT', '80')}"


def is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


@bp.get("/documents/<document_id>")
@operation("getReportDocument")
def get_report_document(document_id):
    flag = request.args.get("enableContentEncodingUrlHeader", "false").strip().lower()
    if flag not in ("true", "false"):
        raise invalid_input("enableContentEncodingUrlHeader must be true or false.")
    found(state().find_document(document_id, g.seller), "Report document")
    encoding = "gzip" if flag == "true" else ""
    return {
        "reportDocumentId": document_id,
        "url": state().presign(public_base_url(), document_id, encoding),
        "compressionAlgorithm": "GZIP",
    }


@bp.get("/schedules")
@operation("getReportSchedules")
def get_report_schedules():
    if "reportTypes" not in request.args:
        raise invalid_input("reportTypes is required.")
    types = list_parameter("reportTypes", 10)
    schedules = [s for s in state().schedules(g.seller) if s.report_type in types]
    return {"reportSchedules": [s.to_json() for s in schedules]}


@bp.post("/schedules")
@operation("createReportSchedule")
def create_report_schedule():
    body = json_body()
    kind = report_type(body)
    ids = marketplace_ids(body)
    options = report_options(body)
    if body.get("period") not in PERIODS:
        raise invalid_input(f"Invalid period: {body.get('period')!r}.")
    next_creation = body.get("nextReportCreationTime")
    if next_creation is not None:
        next_creation = parse_time(str(next_creation), "nextReportCreationTime")
    schedule_id = state().create_schedule(
        g.seller, kind, ids, body["period"], options, next_creation
    )
    return {"reportScheduleId": schedule_id}, 201


@bp.get("/schedules/<schedule_id>")
@operation("getReportSchedule")
def get_report_schedule(schedule_id):
    schedule = next((s for s in state().schedules(g.seller) if s.schedule_id == schedule_id), None)
    return found(schedule, "Report schedule").to_json()


@bp.delete("/schedules/<schedule_id>")
@operation("cancelReportSchedule")
def cancel_report_schedule(schedule_id):
    if not state().cancel_schedule(g.seller, schedule_id):
        raise ApiError(404, "NotFound", "Report schedule not found.")
    return "", 200
