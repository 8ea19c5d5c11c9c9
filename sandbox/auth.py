"""Login with Amazon's token endpoint and Seller Central's consent page (DESIGN §2.2)."""

import secrets
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, jsonify, redirect, render_template, request

from sandbox.api import request_id, state

bp = Blueprint("auth", __name__, template_folder="templates")


def lwa_response(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["x-amzn-RequestId"] = request_id()
    return response


def lwa_error(status: int, error: str, description: str):
    return lwa_response({"error": error, "error_description": description}, status)


def invalid_grant(parameter: str):
    return lwa_error(
        400, "invalid_grant", f"The request has an invalid grant parameter : {parameter}"
    )


@bp.post("/auth/o2/token")
def token():
    sandbox = state()
    params = request.form.to_dict() or (request.get_json(silent=True) or {})
    if not isinstance(params, dict):
        params = {}
    if request.authorization and request.authorization.type == "basic":
        # Some OAuth clients send the client credentials as HTTP Basic; LWA accepts both.
        params.setdefault("client_id", request.authorization.username)
        params.setdefault("client_secret", request.authorization.password)
    grant_type = params.get("grant_type")
    refresh_seller = None
    if grant_type == "refresh_token":
        refresh_seller = sandbox.refresh_token_seller(
            params.get("refresh_token"), str(params.get("client_id"))
        )
    seller_id = refresh_seller.selling_partner_id if refresh_seller else None
    fault = sandbox.faults.take({"500", "503"}, "token", seller_id)
    if fault is not None:
        if fault.kind == "500":
            return lwa_error(500, "server_error", "Internal server error")
        return lwa_error(503, "temporarily_unavailable", "Service temporarily unavailable")
    if params.get("client_id") != sandbox.client_id or (
        params.get("client_secret") != sandbox.client_secret
    ):
        return lwa_error(401, "invalid_client", "Client authentication failed")
    if not grant_type:
        return lwa_error(
            400, "invalid_request", "The request is missing a required parameter : grant_type"
        )
    if grant_type == "authorization_code":
        if not params.get("code"):
            return lwa_error(
                400, "invalid_request", "The request is missing a required parameter : code"
            )
        seller = sandbox.redeem_code(params["code"], sandbox.client_id, params.get("redirect_uri"))
        if seller is None:
            return invalid_grant("code")
        refresh_token = sandbox.issue_refresh_token(seller, sandbox.client_id)
    elif grant_type == "refresh_token":
        if not params.get("refresh_token"):
            return lwa_error(
                400,
                "invalid_request",
                "The request is missing a required parameter : refresh_token",
            )
        seller = refresh_seller
        if seller is None or sandbox.faults.take({"revoked_token"}, "token", seller_id):
            return invalid_grant("refresh_token")
        refresh_token = params["refresh_token"]
    elif grant_type == "client_credentials":
        return grantless_token(params.get("scope"))
    else:
        return lwa_error(
            400,
            "unsupported_grant_type",
            f"The authorization grant type is not supported : {grant_type}",
        )
    return lwa_response(
        {
            "access_token": sandbox.issue_access_token(seller, sandbox.client_id),
            "refresh_token": refresh_token,
            "token_type": "bearer",
            "expires_in": 3600,
        }
    )


# Scopes of grantless operations (Notifications, Application Management).
GRANTLESS_SCOPES = {
    "sellingpartnerapi::notifications",
    "sellingpartnerapi::client_credential:rotation",
}


def grantless_token(scope: str | None):
    """A client_credentials grant: an access token for grantless operations only, no refresh
    token. It is no seller's token, so the Reports and Sellers APIs refuse it (403)."""
    if scope not in GRANTLESS_SCOPES:
        return lwa_error(400, "invalid_scope", "The request has an invalid parameter : scope")
    sandbox = state()
    token = sandbox.signer.issue(
        "Atc", {"c": sandbox.client_id, "scope": scope, "n": secrets.token_hex(4)}
    )
    return lwa_response(
        {"access_token": token, "scope": scope, "token_type": "bearer", "expires_in": 3600}
    )


def consent_target(redirect_uri: str | None) -> str | None:
    """Where the consent may send the seller: a registered URI, or, when none are registered
    (development), any http(s) URI the caller names."""
    registered = state().redirect_uris
    if not redirect_uri:
        return registered[0] if registered else None
    if registered:
        return redirect_uri if redirect_uri in registered else None
    return redirect_uri if urlsplit(redirect_uri).scheme in ("http", "https") else None


def with_query(url: str, params: dict) -> str:
    return url + ("&" if urlsplit(url).query else "?") + urlencode(params)


@bp.route("/apps/authorize/consent", methods=["GET", "POST"])
def consent():
    sandbox = state()
    values = request.values
    problem = None
    if values.get("application_id") != sandbox.application_id:
        problem = "Die Anwendung ist unbekannt (application_id)."
    elif sandbox.draft and values.get("version") != "beta":
        problem = "Die Anwendung ist ein Entwurf: version=beta fehlt."
    elif not values.get("state"):
        problem = "Der Parameter state fehlt."
    target = consent_target(values.get("redirect_uri"))
    if problem is None and target is None:
        problem = "Die redirect_uri ist für diese Anwendung nicht registriert."
    if problem:
        return render_template("sandbox/consent.html", problem=problem), 400
    seller = sandbox.seller(values.get("seller", "")) or sandbox.sellers[0]
    if request.method == "GET":
        return render_template(
            "sandbox/consent.html",
            problem=None,
            seller=seller,
            sellers=sandbox.sellers,
            values=values,
        )
    if values.get("decision") == "confirm":
        code = sandbox.create_code(seller, values.get("redirect_uri") or target)
        return redirect(
            with_query(
                target,
                {
                    "state": values["state"],
                    "selling_partner_id": seller.selling_partner_id,
                    "spapi_oauth_code": code,
                },
            )
        )
    if values.get("decision") == "cancel":
        return redirect(
            with_query(
                target,
                {
                    "state": values["state"],
                    "error": "access_denied",
                    "error_description": "The seller declined the authorization.",
                },
            )
        )
    abort(400)
