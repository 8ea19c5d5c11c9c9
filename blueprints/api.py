"""The JSON API for scripts and tax-office tools: `/api/v1`, personal access tokens.

Only `Authorization: Bearer <token>` authenticates: a session cookie does not, so a page the
user visits cannot make their browser call the API (which is why it needs no CSRF token).
A token acts for its user within their organisation; another organisation's ids answer 404
exactly like missing ones. Errors are JSON `{"error": ...}` (422: messages per field).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from blueprints.api_schemas import (
    ClientDetailSchema,
    ClientSchema,
    JobSchema,
    NewClientSchema,
)
from blueprints.clients import DUPLICATE_MANDANT
from extensions import db
from models import ApiToken, Client, JobRun
from models.base import utcnow
from models.booking_rules import seed_client_rules
from models.integration import ensure_integrations

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MISSING_AUTHORIZATION = "Bitte einen API-Token als „Authorization: Bearer <Token>“ senden."
REFUSED_AUTHORIZATION = "Dieser API-Token ist ungültig oder wurde widerrufen."
# How often a token's "zuletzt benutzt" is written: not on every request of a busy script.
LAST_USE_PRECISION = timedelta(minutes=1)

ERRORS = {
    400: "Die Anfrage ist fehlerhaft.",
    404: "Nicht gefunden.",
    405: "Diese Methode ist hier nicht erlaubt.",
    413: "Die Datei ist größer als erlaubt.",
    500: "Interner Fehler. Bitte später noch einmal versuchen.",
}


def error(status: int, message: str | None = None, **extra):
    return jsonify({"error": message or ERRORS.get(status, "Fehler."), **extra}), status


def unauthorised(message: str):
    response, status = error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="Kontor"'
    return response, status


@bp.before_request
def authenticate():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorised(MISSING_AUTHORIZATION)
    row = ApiToken.find(token.strip())
    if row is None or not row.user.is_active:
        return unauthorised(REFUSED_AUTHORIZATION)
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USE_PRECISION:
        row.last_used_at = now
        db.session.commit()
    g.api_user = row.user
    return None


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error(exc.code or 500)


def organisation_id() -> int:
    return g.api_user.organisation_id


def get_client(client_id: int) -> Client:
    client = db.session.scalar(
        sa.select(Client).where(Client.id == client_id, Client.organisation_id == organisation_id())
    )
    if client is None:
        abort(404)  # missing or another organisation's: the same answer
    return client


@bp.get("/clients")
def list_clients():
    clients = db.session.scalars(
        sa.select(Client).where(Client.organisation_id == organisation_id()).order_by(Client.name)
    )
    return jsonify(ClientSchema(many=True).dump(clients))


@bp.get("/clients/<int:client_id>")
def show_client(client_id: int):
    return jsonify(ClientDetailSchema().dump(get_client(client_id)))


@bp.post("/clients")
def create_client():
    try:
        form = NewClientSchema().load_form(request.get_json(silent=True))
    except ValidationError as invalid:
        return error(422, "Die Angaben sind unvollständig oder ungültig.", fields=invalid.messages)
    client = Client(organisation_id=organisation_id())
    form.fill_client(client)
    db.session.add(client)
    try:
        db.session.flush()  # the rule sets need the client's id
        seed_client_rules(client)
        ensure_integrations(client)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return error(422, DUPLICATE_MANDANT, fields={"mandant": [DUPLICATE_MANDANT]})
    return jsonify(ClientDetailSchema().dump(client)), 201


@bp.get("/jobs/<int:job_id>")
def show_job(job_id: int):
    job = db.session.scalar(
        sa.select(JobRun)
        .join(Client, Client.id == JobRun.client_id)
        .where(JobRun.id == job_id, Client.organisation_id == organisation_id())
    )
    if job is None:
        abort(404)
    return jsonify(JobSchema().dump(job))
