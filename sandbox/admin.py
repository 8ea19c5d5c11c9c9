"""The parts of the sandbox that are not Amazon's API: pre-signed document downloads (Amazon's
S3) and /_sandbox, the control panel tests use to steer the clock, faults and revocations."""

from datetime import datetime

from flask import Blueprint, Response, abort, jsonify, request
from markupsafe import escape

from sandbox.api import inject_faults, request_id, state
from sandbox.ecb_rates import LABEL, sandbox_history
from sandbox.limits import Fault
from sandbox.state import iso

bp = Blueprint("admin", __name__)

S3_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
    "<Message>{message}</Message>{extra}<RequestId>{request_id}</RequestId></Error>"
)


def s3_error(status: int, code: str, message: str, extra: str = "") -> Response:
    body = S3_ERROR.format(code=code, message=message, extra=extra, request_id=request_id())
    return Response(body, status=status, content_type="application/xml")


def unsigned_amz_headers() -> list[str]:
    """x-amz-* request headers a pre-signed URL (SignedHeaders=host) does not cover. S3 refuses
    them, so a client must not send its SP-API headers (x-amz-access-token) to the URL."""
    return sorted(
        name.lower()
        for name, _ in request.headers
        if name.lower().startswith("x-amz-") and name.lower() != "x-amz-content-sha256"
    )


@bp.get("/_documents/<document_id>")
def download(document_id):
    """A pre-signed URL: no token, valid for 5 minutes, gzip-compressed Windows-1252 text."""
    sandbox = state()
    if "Authorization" in request.headers:
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
    content_encoding = request.args.get("response-content-encoding", "")
    verdict = sandbox.check_presigned(
        document_id,
        request.args.get("X-Amz-Date", ""),
        request.args.get("X-Amz-Signature", ""),
        content_encoding,
    )
    if verdict == "invalid":
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    unsigned = unsigned_amz_headers()
    if unsigned:
        return s3_error(
            403,
            "AccessDenied",
            "There were headers present in the request which were not signed",
            f"<HeadersNotSigned>{escape(', '.join(unsigned))}</HeadersNotSigned>",
        )
    found = sandbox.find_document(document_id)
    owner = found[0].selling_partner_id if found else None
    failure = inject_faults("downloadDocument", owner)
    if failure is not None:
        if failure.status_code == 500:
            return s3_error(
                500, "InternalError", "We encountered an internal error. Please try again."
            )
        # S3 throttles with 503 SlowDown; it never answers 429.
        return s3_error(503, "SlowDown", "Please reduce your request rate.")
    expired = sandbox.faults.take({"expired_url"}, "downloadDocument", owner)
    if verdict == "expired" or expired:
        return s3_error(403, "AccessDenied", "Request has expired")
    if found is None:
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")
    body = sandbox.compress(found[1]())
    if sandbox.faults.take({"truncated_gzip"}, "downloadDocument", owner):
        body = body[: len(body) // 2]
    headers = {"Content-Type": "text/plain;charset=Cp1252"}
    if content_encoding:
        # Signed into the URL by getReportDocument?enableContentEncodingUrlHeader=true: HTTP
        # clients then decompress by themselves. Without it S3 sends the gzip bytes as they are.
        headers["Content-Encoding"] = content_encoding
    return Response(body, headers=headers)


@bp.before_request
def loopback_only():
    if request.path.startswith("/_sandbox") and request.remote_addr not in (
        "127.0.0.1",
        "::1",
        None,
    ):
        abort(403)


@bp.get("/_sandbox/sellers")
def sellers():
    """Every seeded seller with the credentials a third-party client needs."""
    return jsonify(
        [{**credentials(s.number), "store_name": s.profile.store_name} for s in state().sellers]
    )


def credentials(number: int) -> dict:
    sandbox = state()
    seller = sandbox.sellers[number - 1]
    return {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "refresh_token": sandbox.seeded_refresh_token(seller),
        "selling_partner_id": seller.selling_partner_id,
        "marketplace_ids": seller.marketplace_ids,
    }


@bp.get("/_sandbox/clock")
@bp.post("/_sandbox/clock")
def clock():
    """POST {"now": ISO date-time, "frozen": bool} or {"advance": seconds}."""
    sandbox = state()
    if request.method == "POST":
        body = request.get_json(force=True, silent=True) or {}
        if "now" in body:
            when = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
            sandbox.clock.set(when, frozen=body.get("frozen"))
        elif "frozen" in body:
            sandbox.clock.set(sandbox.clock.now(), frozen=bool(body["frozen"]))
        if "advance" in body:
            sandbox.clock.advance(float(body["advance"]))
    return {"now": iso(sandbox.clock.now()), "frozen": sandbox.clock.frozen}


@bp.route("/_sandbox/faults", methods=["GET", "POST", "DELETE"])
def faults():
    """POST one fault or a list of faults (see sandbox.limits.Fault); DELETE clears them."""
    sandbox = state()
    if request.method == "POST":
        body = request.get_json(force=True, silent=True)
        try:
            for spec in body if isinstance(body, list) else [body or {}]:
                sandbox.faults.add(Fault.from_dict(spec))
        except (ValueError, TypeError) as error:
            return {"error": str(error)}, 400
    elif request.method == "DELETE":
        sandbox.faults.clear()
    return jsonify(sandbox.faults.list())


@bp.post("/_sandbox/revoke")
def revoke():
    """The seller removes the app in Seller Central: all its tokens stop working."""
    sandbox = state()
    body = request.get_json(force=True, silent=True) or {}
    seller = sandbox.seller(str(body.get("selling_partner_id")))
    if seller is None:
        return {"error": "unknown selling_partner_id"}, 404
    sandbox.revoke(seller)
    return {"revoked": seller.selling_partner_id}


@bp.post("/_sandbox/reset")
def reset():
    state().reset()
    return {"reset": True}


@bp.get("/_sandbox/sellers/<selling_partner_id>/settlements")
def all_settlements(selling_partner_id):
    """Every settlement of the last twelve months, also those older than the API's 90 days,
    as Seller Central's download page would offer them for upload."""
    sandbox = state()
    seller = sandbox.seller(selling_partner_id) or abort(404)
    entries = sandbox.settlement_entries(seller, include_expired=True)
    return jsonify(
        [
            {
                **entry.to_json(),
                "download": f"/_sandbox/sellers/{selling_partner_id}/documents/{entry.document_id}",
            }
            for entry in entries
        ]
    )


@bp.get("/_sandbox/sellers/<selling_partner_id>/documents/<document_id>")
def document(selling_partner_id, document_id):
    """A report document as plain Windows-1252 text, as Seller Central downloads it."""
    sandbox = state()
    seller = sandbox.seller(selling_partner_id) or abort(404)
    found = sandbox.find_document(document_id, seller, include_expired=True) or abort(404)
    return Response(
        found[1]().encode("cp1252"), headers={"Content-Type": "text/plain;charset=Cp1252"}
    )


@bp.get("/_sandbox/ecb/eurofxref-hist.zip")
def ecb_history():
    """ECB reference rates up to the sandbox's today, in the ECB's download format: the shipped
    history, its last rates repeated on later days (sandbox data, see sandbox.ecb_rates)."""
    body, newest = sandbox_history(state().clock.now().date())
    return Response(
        body,
        headers={
            "Content-Type": "application/zip",
            LABEL: f"ECB rates up to {newest.isoformat()}, later days repeat them",
        },
    )
