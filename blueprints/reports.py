"""An imported report: its transactions, its batch versions, their downloads and the rebuild.

The batch is always built from the stored transactions (`importing.batches`), so a rebuild
("Aktualisieren") is a job like the import and is the same for uploaded and API reports.
Every route goes through `get_client`; a report of another client answers 404.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blueprints.clients import get_client
from blueprints.integrations import attachment
from extensions import db
from forms.uploads import ConfirmForm, TransactionFilterForm
from importing.batches import batch_download, diff_batches
from jobs.imports import enqueue_rebuild
from models import Client
from models.batch import Batch
from models.booking_rules import Integration
from models.report import Report
from models.transaction import SettlementLineRow, VatTransactionRow

bp = Blueprint("reports", __name__, url_prefix="/clients")

TRANSACTIONS_PER_PAGE = 100


def get_report(client: Client, report_id: int) -> Report:
    report = db.session.scalar(sa.select(Report).filter_by(id=report_id, client_id=client.id))
    if report is None:
        abort(404)
    return report


def get_batch(report: Report, version: int) -> Batch:
    batch = db.session.scalar(sa.select(Batch).filter_by(report_id=report.id, version=version))
    if batch is None:
        abort(404)
    return batch


@dataclass(frozen=True)
class TransactionColumns:
    """Where the two kinds of stored transactions keep what the page filters and sums."""

    row: type
    order_id: sa.orm.InstrumentedAttribute
    amount: sa.orm.InstrumentedAttribute


COLUMNS = {
    Integration.PAYOUT: TransactionColumns(
        SettlementLineRow, SettlementLineRow.order_id, SettlementLineRow.amount
    ),
    Integration.ORDER: TransactionColumns(
        VatTransactionRow, VatTransactionRow.transaction_event_id, VatTransactionRow.total_vat_incl
    ),
}


@bp.get("/<int:client_id>/reports/<int:report_id>")
@login_required
def show(client_id: int, report_id: int):
    client = get_client(client_id)
    report = get_report(client, report_id)
    columns = COLUMNS[Integration(report.integration)]
    mine = columns.row.report_id == report.id
    types = db.session.scalars(
        sa.select(columns.row.transaction_type)
        .where(mine)
        .distinct()
        .order_by(columns.row.transaction_type)
    ).all()
    form = TransactionFilterForm(list(types), request.args)
    conditions = [mine]
    if form.type.data:
        conditions.append(columns.row.transaction_type == form.type.data)
    if (form.order.data or "").strip():
        conditions.append(columns.order_id == form.order.data.strip())
    transactions = db.paginate(
        sa.select(columns.row).where(*conditions).order_by(columns.row.position),
        page=request.args.get("page", 1, type=int),
        per_page=TRANSACTIONS_PER_PAGE,
        error_out=False,
    )
    sums = db.session.execute(
        sa.select(
            columns.row.transaction_type,
            sa.func.count().label("count"),
            sa.func.sum(columns.amount).label("total"),
        )
        .where(*conditions)
        .group_by(columns.row.transaction_type)
        .order_by(columns.row.transaction_type)
    ).all()
    batch = report.current_batch
    return render_template(
        "integrations/report.html",
        client=client,
        report=report,
        batch=batch,
        form=form,
        filters={"type": form.type.data or None, "order": form.order.data or None},
        transactions=transactions,
        sums=sums,
        unmatched=unmatched_keys(report, batch) if batch is not None else [],
    )


@dataclass(frozen=True)
class UnmatchedKey:
    """A key no booking rule matched: its amounts went to the Klärungskonto."""

    parts: tuple[str, ...]  # Payout: transaction type, amount type, description
    total: Decimal | None = None  # Payout only: the sum of the booked amounts


def unmatched_keys(report: Report, batch: Batch) -> list[UnmatchedKey]:
    """The batch's unmatched keys with the sums the build recorded in its summary."""
    if not batch.unmatched:
        return []
    summary = json.loads(batch.summary or "{}")
    sums = summary.get("unmatched_sums", {})
    # Payout keys are (type, amount type, description), Order keys (treatment, country).
    splits = 2 if report.integration == Integration.PAYOUT else 1
    return [
        UnmatchedKey(tuple(key.split(" / ", splits)), Decimal(sums[key]) if key in sums else None)
        for key in summary.get("unmatched_keys", [])
    ]


@bp.get("/<int:client_id>/reports/<int:report_id>/batches/<int:version>/download")
@login_required
def download(client_id: int, report_id: int, version: int):
    client = get_client(client_id)
    batch = get_batch(get_report(client, report_id), version)
    filename, mimetype, content = batch_download(batch)
    db.session.commit()  # the download marks the batch "heruntergeladen"
    return attachment(filename, mimetype, content)


@bp.post("/<int:client_id>/reports/<int:report_id>/rebuild")
@login_required
def rebuild(client_id: int, report_id: int):
    client = get_client(client_id)
    report = get_report(client, report_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    run = enqueue_rebuild(report, user_id=current_user.id)
    db.session.commit()
    flash("Der Buchungsstapel wird mit den aktuellen Einstellungen neu erstellt.", "info")
    return redirect(url_for("integrations.job", client_id=client.id, job_id=run.id))


@bp.get("/<int:client_id>/reports/<int:report_id>/batches/<int:version>/changes")
@login_required
def changes(client_id: int, report_id: int, version: int):
    client = get_client(client_id)
    report = get_report(client, report_id)
    batch = get_batch(report, version)
    previous = db.session.scalar(
        sa.select(Batch)
        .filter_by(report_id=report.id)
        .where(Batch.version < batch.version)
        .order_by(Batch.version.desc())
        .limit(1)
    )
    if previous is None:
        abort(404)
    return render_template(
        "integrations/changes.html",
        client=client,
        report=report,
        batch=batch,
        previous=previous,
        diff=diff_batches(previous, batch),
    )
