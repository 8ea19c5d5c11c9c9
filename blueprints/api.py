"""The JSON API for scripts and tax-office tools: `/api/v1`, personal access tokens.

Only `Authorization: Bearer <token>` authenticates: a session cookie does not, so a page the
user visits cannot make their browser call the API (which is why it needs no CSRF token).
A token acts for its user within their organisation; another organisation's ids answer 404
exactly like missing ones. Errors are JSON `{"error": ...}` (422: messages per field).
"""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, jsonify, request, send_file
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from blueprints.api_schemas import (
    ClientDetailSchema,
    ClientSchema,
    JobSchema,
    NewClientSchema,
    ReportFilterSchema,
    ReportSchema,
)
from blueprints.clients import DUPLICATE_MANDANT
from extensions import db
from importing.archive import store_file
from importing.batches import batch_download
from importing.errors import FileTooLarge
from importing.intake import check_upload, peek_stored
from jobs.imports import enqueue_import
from models import ApiToken, Client, JobRun, Report
from models.base import utcnow
from models.booking_rules import Integration, seed_client_rules
from models.integration import ensure_integrations
from models.report import ImportOutcome
from parsers import ReportError, ReportPeek

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


NO_FILE = "Bitte die Datei als multipart/form-data im Feld „file“ senden."
NO_BATCH = "Für diesen Bericht gibt es noch keinen Buchungsstapel."


@bp.post("/clients/<int:client_id>/reports")
def upload_report(client_id: int):
    """Store the file and enqueue its import (202); the quick checks of the header answer at
    once: identical file 200, refused 422, another file for an imported report 409."""
    client = get_client(client_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return error(422, NO_FILE)
    try:
        stored = store_file(
            client.id,
            upload.filename,
            upload.stream,
            user_id=g.api_user.id,
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        )
    except FileTooLarge as too_large:
        return error(413, str(too_large))
    # One upload URL for both integrations: the file's header says which it belongs to. A file
    # the header does not reveal goes to Payout, whose check refuses it with the parser's
    # message (and logs it).
    try:
        peek: ReportPeek | None = peek_stored(stored)
    except ReportError:
        peek = None
    integration = Integration(peek.kind) if peek else Integration.PAYOUT
    checked = check_upload(client, integration, stored, peek=peek)
    if checked is None:
        job = enqueue_import(client, integration, stored, user_id=g.api_user.id)
        return jsonify({"job": JobSchema().dump(job), "report": None}), 202
    report = ReportSchema().dump(checked.report) if checked.report else None
    if checked.outcome == ImportOutcome.DUPLICATE:
        return jsonify({"duplicate": True, "report": report}), 200
    if checked.outcome == ImportOutcome.CONFLICT:
        return error(409, checked.message, report=report)
    return error(422, checked.message)


@bp.get("/clients/<int:client_id>/reports")
def list_reports(client_id: int):
    client = get_client(client_id)
    try:
        wanted = ReportFilterSchema().load(request.args)
    except ValidationError as invalid:
        return error(422, "Die Abfrage ist ungültig.", fields=invalid.messages)
    query = sa.select(Report).where(Report.client_id == client.id)
    if wanted["integration"] is not None:
        query = query.where(Report.integration == wanted["integration"].value)
    reports = db.session.scalars(query.order_by(Report.period_start, Report.id))
    return jsonify(ReportSchema(many=True).dump(reports))


def get_report(report_id: int) -> Report:
    report = db.session.scalar(
        sa.select(Report)
        .join(Client, Client.id == Report.client_id)
        .where(Report.id == report_id, Client.organisation_id == organisation_id())
    )
    if report is None:
        abort(404)
    return report


@bp.get("/reports/<int:report_id>")
def show_report(report_id: int):
    return jsonify(ReportSchema().dump(get_report(report_id)))


@bp.get("/reports/<int:report_id>/batch")
def download_batch(report_id: int):
    """The current batch: the EXTF file (text/csv) or a zip of its parts."""
    batch = get_report(report_id).current_batch
    if batch is None:
        return error(404, NO_BATCH)
    name, mimetype, content = batch_download(batch)
    db.session.commit()  # the batch is "heruntergeladen" now
    response = send_file(
        io.BytesIO(content), mimetype=mimetype, download_name=name, as_attachment=True
    )
    if response.mimetype == "text/csv":
        # EXTF files are Windows-1252 (DATEV's encoding), not the UTF-8 Flask would announce.
        response.content_type = "text/csv; charset=windows-1252"
    return response
