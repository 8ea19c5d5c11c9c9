"""The client's master data for stock transfers: own foreign VAT ids and the SKU cost table.

Every route goes through `get_client`, so another organisation's client answers 404 like a
missing one; every POST carries the CSRF token of its form.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.exc import IntegrityError

from blueprints.clients import get_client
from datev.sku_costs import SkuCostError, parse_sku_costs
from extensions import db
from forms.client_master_data import (
    COUNTRY_NAMES,
    ConfirmForm,
    NewSkuCostForm,
    OwnVatIdForm,
    SkuCostForm,
    SkuCostUploadForm,
    format_cost,
)
from models import Client, ClientVatId, SkuCost

bp = Blueprint("client_master_data", __name__, url_prefix="/clients")

MAX_COST_FILE_BYTES = 5 * 1024 * 1024  # 100,000 SKUs with their costs fit several times
COSTS_PER_PAGE = 50


# -- own foreign VAT ids ---------------------------------------------------------------------


@bp.route("/<int:client_id>/vat-ids", methods=["GET", "POST"])
@login_required
def vat_ids(client_id: int):
    client = get_client(client_id)
    form = OwnVatIdForm()
    if form.validate_on_submit():
        db.session.add(
            ClientVatId(client_id=client.id, country=form.country.data, vat_id=form.vat_id.data)
        )
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            form.country.errors = [
                f"Für {COUNTRY_NAMES[form.country.data]} ist schon eine USt-IdNr. hinterlegt; "
                "bitte erst die alte entfernen."
            ]
        else:
            flash(f"USt-IdNr. {form.vat_id.data} wurde hinterlegt.", "success")
            return redirect(url_for(".vat_ids", client_id=client.id))
    stored = db.session.scalars(
        sa.select(ClientVatId).filter_by(client_id=client.id).order_by(ClientVatId.country)
    ).all()
    return render_template(
        "clients/vat_ids.html",
        client=client,
        form=form,
        vat_ids=stored,
        delete_form=ConfirmForm(),
        country_names=COUNTRY_NAMES,
    )


@bp.post("/<int:client_id>/vat-ids/<int:vat_id_id>/delete")
@login_required
def delete_vat_id(client_id: int, vat_id_id: int):
    client = get_client(client_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    stored = _owned(ClientVatId, vat_id_id, client)
    db.session.delete(stored)
    db.session.commit()
    flash(f"USt-IdNr. {stored.vat_id} wurde entfernt.", "success")
    return redirect(url_for(".vat_ids", client_id=client.id))


# -- SKU costs -------------------------------------------------------------------------------


@bp.get("/<int:client_id>/sku-costs")
@login_required
def sku_costs(client_id: int):
    client = get_client(client_id)
    return _sku_cost_page(client, SkuCostUploadForm(), NewSkuCostForm())


def _sku_cost_page(client: Client, upload_form, new_form, status: int = 200):
    page = db.paginate(
        sa.select(SkuCost).filter_by(client_id=client.id).order_by(SkuCost.sku),
        page=request.args.get("page", 1, type=int),
        per_page=COSTS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "clients/sku_costs.html",
        client=client,
        page=page,
        upload_form=upload_form,
        new_form=new_form,
        edit_form=SkuCostForm(formdata=None),
        delete_form=ConfirmForm(formdata=None),
        max_megabytes=MAX_COST_FILE_BYTES // (1024 * 1024),
        format_cost=format_cost,
    ), status


@bp.post("/<int:client_id>/sku-costs/upload")
@login_required
def upload_sku_costs(client_id: int):
    client = get_client(client_id)
    form = SkuCostUploadForm()
    if request.content_length and request.content_length > MAX_COST_FILE_BYTES + 64 * 1024:
        form.file.errors = [_too_large()]
        return _sku_cost_page(client, form, NewSkuCostForm(formdata=None), 413)
    if not form.validate_on_submit():
        return _sku_cost_page(client, form, NewSkuCostForm(formdata=None), 400)
    data = form.file.data.stream.read(MAX_COST_FILE_BYTES + 1)
    if len(data) > MAX_COST_FILE_BYTES:
        form.file.errors = [_too_large()]
        return _sku_cost_page(client, form, NewSkuCostForm(formdata=None), 413)
    try:
        costs = parse_sku_costs(data, form.file.data.filename or "CSV-Datei")
    except SkuCostError as error:
        form.file.errors = [str(error)]
        return _sku_cost_page(client, form, NewSkuCostForm(formdata=None), 400)
    replaced = form.mode.data == "replace"
    if replaced:
        db.session.execute(sa.delete(SkuCost).filter_by(client_id=client.id))
    stored = db.session.scalars(sa.select(SkuCost).filter_by(client_id=client.id))
    existing = {row.sku: row for row in stored}
    for sku, cost in costs.items():
        if sku in existing:
            existing[sku].cost = cost
        else:
            db.session.add(SkuCost(client_id=client.id, sku=sku, cost=cost))
    db.session.commit()
    how = "ersetzt" if replaced else "ergänzt"
    flash(f"SKU-Kosten {how}: {len(costs)} SKUs aus der Datei übernommen.", "success")
    return redirect(url_for(".sku_costs", client_id=client.id))


def _too_large() -> str:
    return f"Die Datei ist größer als {MAX_COST_FILE_BYTES // (1024 * 1024)} MB."


@bp.post("/<int:client_id>/sku-costs/new")
@login_required
def add_sku_cost(client_id: int):
    client = get_client(client_id)
    form = NewSkuCostForm()
    if not form.validate_on_submit():
        return _sku_cost_page(client, SkuCostUploadForm(formdata=None), form, 400)
    sku = form.sku.data.strip()
    stored = db.session.scalar(sa.select(SkuCost).filter_by(client_id=client.id, sku=sku))
    if stored is None:
        db.session.add(SkuCost(client_id=client.id, sku=sku, cost=form.parsed))
    else:
        stored.cost = form.parsed
    db.session.commit()
    flash(f"Kosten für {sku} wurden gespeichert.", "success")
    return redirect(url_for(".sku_costs", client_id=client.id))


@bp.post("/<int:client_id>/sku-costs/<int:cost_id>")
@login_required
def edit_sku_cost(client_id: int, cost_id: int):
    client = get_client(client_id)
    stored = _owned(SkuCost, cost_id, client)
    form = SkuCostForm()
    if not form.validate_on_submit():
        for error in form.cost.errors or ["Die Anfrage war ungültig."]:
            flash(f"{stored.sku}: {error}", "error")
        return redirect(url_for(".sku_costs", client_id=client.id, page=_page_arg()))
    stored.cost = form.parsed
    db.session.commit()
    flash(f"Kosten für {stored.sku} wurden gespeichert.", "success")
    return redirect(url_for(".sku_costs", client_id=client.id, page=_page_arg()))


@bp.post("/<int:client_id>/sku-costs/<int:cost_id>/delete")
@login_required
def delete_sku_cost(client_id: int, cost_id: int):
    client = get_client(client_id)
    stored = _owned(SkuCost, cost_id, client)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.delete(stored)
    db.session.commit()
    flash(f"Kosten für {stored.sku} wurden entfernt.", "success")
    return redirect(url_for(".sku_costs", client_id=client.id, page=_page_arg()))


def _page_arg() -> int:
    return request.args.get("page", 1, type=int)


def _owned(model, row_id: int, client: Client):
    """A row of `client`, or 404: the ids of another client's rows reveal nothing."""
    row = db.session.scalar(sa.select(model).filter_by(id=row_id, client_id=client.id))
    if row is None:
        abort(404)
    return row
