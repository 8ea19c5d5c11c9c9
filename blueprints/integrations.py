"""The integrations "Amazon Payout" and "Amazon Order" of a client: their page "Import".

The page uploads a report, lists the marketplaces ("+" adds one to Payout), shows the automatic
import (last and next fetch, the job history, "Erneut versuchen") and the imported reports
whatever their source. An upload only stores the file and runs the quick checks of
`importing.intake.check_upload`; the import itself is a job whose page refreshes itself.
Every route goes through `get_client`, so another organisation's ids answer 404.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from blueprints.automatic_import import KIND_LABELS, automatic_import, retry, retryable
from blueprints.clients import get_client
from datev.rules import CLEARING_ACCOUNT_STORES
from extensions import db
from forms.uploads import AddMarketplaceForm, ReportUploadForm
from importing.archive import store_file
from importing.batches import month_download
from importing.errors import FileTooLarge
from importing.intake import check_upload
from jobs.imports import enqueue_import
from models import Client
from models.amazon_connection import AmazonConnection
from models.booking_rules import Integration, seed_rule_set
from models.integration import ClientIntegration, IntegrationMarketplace, ensure_integrations
from models.job_run import JobKind, JobRun
from models.report import ImportOutcome, Report

bp = Blueprint("integrations", __name__, url_prefix="/clients")

INTEGRATION = "<any(payout, order):integration>"
REPORTS_PER_PAGE = 50
MARKETPLACE_HINT = "ggf. musst du das Setup von deiner Steuerberatung überprüfen lassen"
# A job page reloads itself this often (seconds) until the job is done or failed.
REFRESH_SECONDS = 2


def integration_of(client: Client, integration: str) -> ClientIntegration:
    """The client's integration row; clients from before the integrations get theirs here."""
    rows = {row.kind: row for row in ensure_integrations(client)}
    if db.session.new:
        db.session.commit()
    return rows[Integration(integration).value]


@bp.get(f"/<int:client_id>/integrations/{INTEGRATION}")
@login_required
def show(client_id: int, integration: str):
    client = get_client(client_id)
    return _import_page(client, integration_of(client, integration), ReportUploadForm(integration))


def _import_page(client: Client, row: ClientIntegration, form: ReportUploadForm, status=200):
    reports = db.paginate(
        sa.select(Report)
        .filter_by(client_id=client.id, integration=row.kind)
        .options(selectinload(Report.batches))  # each row shows its batch's state
        .order_by(Report.period_start.desc(), Report.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=REPORTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "integrations/import.html",
        client=client,
        integration=row,
        form=form,
        marketplace_form=AddMarketplaceForm(available_marketplaces(row), formdata=None),
        reports=reports,
        months=report_months(client.id, row.kind),
        automatic=automatic_import(client, row, datetime.now(UTC)),
        max_megabytes=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
    ), status


def available_marketplaces(row: ClientIntegration) -> list[str]:
    """The stores "+" can add to a Payout integration: every known one not listed yet."""
    listed = {m.marketplace.casefold() for m in row.marketplaces}
    return [name for name in CLEARING_ACCOUNT_STORES if name.casefold() not in listed]


def report_months(client_id: int, integration: str) -> list[date]:
    """The first days of the months the integration's reports cover, newest first."""
    spans = db.session.execute(
        sa.select(Report.period_start, Report.period_end).filter_by(
            client_id=client_id, integration=integration
        )
    ).all()
    months = set()
    for start, end in spans:
        month = start.replace(day=1)
        while month <= end:
            months.add(month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return sorted(months, reverse=True)


@bp.post(f"/<int:client_id>/integrations/{INTEGRATION}/upload")
@login_required
def upload(client_id: int, integration: str):
    client = get_client(client_id)
    row = integration_of(client, integration)
    form = ReportUploadForm(integration)
    if not form.validate_on_submit():
        return _import_page(client, row, form, 400)
    upload = form.file.data
    try:
        stored = store_file(
            client.id,
            upload.filename,
            upload.stream,
            user_id=current_user.id,
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"],
        )
    except FileTooLarge as error:
        db.session.rollback()
        form.file.errors = [str(error)]
        return _import_page(client, row, form, 413)
    result = check_upload(client, row, stored)
    db.session.commit()  # the stored file, or the import log entry of a quick refusal
    if result is not None:
        category = "info" if result.outcome == ImportOutcome.DUPLICATE else "error"
        flash(result.message, category)
        if result.report is not None:
            return redirect(
                url_for("reports.show", client_id=client.id, report_id=result.report.id)
            )
        return redirect(url_for(".show", client_id=client.id, integration=row.kind))
    job = enqueue_import(client, row, stored, user_id=current_user.id)
    db.session.commit()
    return redirect(url_for(".job", client_id=client.id, job_id=job.id))


@bp.post("/<int:client_id>/integrations/payout/marketplaces")
@login_required
def add_marketplace(client_id: int):
    client = get_client(client_id)
    row = integration_of(client, Integration.PAYOUT)
    form = AddMarketplaceForm(available_marketplaces(row))
    if not form.validate_on_submit():
        for error in form.marketplace.errors or ["Die Anfrage war ungültig."]:
            flash(error, "error")
        return redirect(url_for(".show", client_id=client.id, integration=row.kind))
    marketplace = form.marketplace.data
    db.session.add(IntegrationMarketplace(integration_id=row.id, marketplace=marketplace))
    seed_rule_set(client, Integration.PAYOUT, marketplace)
    db.session.commit()
    flash(
        f"Marktplatz {marketplace} ist eingerichtet, mit den Standard-Konten – {MARKETPLACE_HINT}.",
        "success",
    )
    return redirect(url_for(".show", client_id=client.id, integration=row.kind))


@bp.get("/<int:client_id>/jobs/<int:job_id>")
@login_required
def job(client_id: int, job_id: int):
    client = get_client(client_id)
    run = db.session.scalar(sa.select(JobRun).filter_by(id=job_id, client_id=client.id))
    if run is None:
        abort(404)
    report = db.session.get(Report, run.report_id) if run.report_id else None
    connection = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))
    response = current_app.make_response(
        render_template(
            "integrations/job.html",
            client=client,
            run=run,
            report=report,
            is_rebuild=run.kind == JobKind.REBUILD,
            kind_label=KIND_LABELS.get(run.kind, run.kind),
            retryable=retryable(run, connection),
            refresh_seconds=None if run.finished else REFRESH_SECONDS,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:client_id>/jobs/<int:job_id>/retry")
@login_required
def retry_job(client_id: int, job_id: int):
    """ "Erneut versuchen": a failed job runs again and its page shows how it goes."""
    client = get_client(client_id)
    run = db.session.scalar(sa.select(JobRun).filter_by(id=job_id, client_id=client.id))
    if run is None:
        abort(404)
    connection = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))
    if not retryable(run, connection):
        flash("Dieser Auftrag lässt sich nicht erneut ausführen.", "error")
        return redirect(url_for(".job", client_id=client.id, job_id=run.id))
    again = retry(run, connection, user_id=current_user.id)
    return redirect(url_for(".job", client_id=client.id, job_id=again.id))


@bp.get(f"/<int:client_id>/integrations/{INTEGRATION}/months/<int:year>-<int:month>")
@login_required
def download_month(client_id: int, integration: str, year: int, month: int):
    client = get_client(client_id)
    if not 1 <= month <= 12:
        abort(404)
    filename, content = month_download(client, Integration(integration), year, month)
    db.session.commit()  # downloading marks the batches downloaded
    return attachment(filename, "application/zip", content)


def attachment(filename: str, mimetype: str, content: bytes):
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )
