"""Shops / Accounts: the clients (Mandanten) of the user's organisation."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from extensions import db
from forms.clients import ClientForm
from models import AmazonConnection, Client
from models.booking_rules import reset_client_rules, seed_client_rules
from models.integration import ensure_integrations

bp = Blueprint("clients", __name__, url_prefix="/clients")

DUPLICATE_MANDANT = "Diese Kombination aus Berater- und Mandantennummer gibt es schon."


def get_client(client_id: int) -> Client:
    """The client with this id if it belongs to the user's organisation; 404 otherwise.

    A foreign id answers exactly like a missing one, so ids reveal nothing.
    """
    client = db.session.scalar(
        sa.select(Client).where(
            Client.id == client_id, Client.organisation_id == current_user.organisation_id
        )
    )
    if client is None:
        abort(404)
    return client


@login_required
def index():
    return redirect(url_for("clients.list_clients"))


@bp.get("")
@login_required
def list_clients():
    clients = db.session.scalars(
        sa.select(Client)
        .where(Client.organisation_id == current_user.organisation_id)
        .order_by(Client.name)
    ).all()
    connections = {
        connection.client_id: connection
        for connection in db.session.scalars(
            sa.select(AmazonConnection).where(
                AmazonConnection.client_id.in_([c.id for c in clients])
            )
        )
    }
    return render_template("clients/list.html", clients=clients, connections=connections)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    form = ClientForm()
    if form.validate_on_submit():
        client = Client(organisation_id=current_user.organisation_id)
        form.fill_client(client)
        db.session.add(client)
        if _save(form, new_client=client):
            flash(f"Mandant „{client.name}“ wurde angelegt.", "success")
            return redirect(url_for("clients.show", client_id=client.id))
    return render_template("clients/form.html", form=form, client=None)


@bp.get("/<int:client_id>")
@login_required
def show(client_id: int):
    return render_template("clients/show.html", client=get_client(client_id))


@bp.route("/<int:client_id>/edit", methods=["GET", "POST"])
@login_required
def edit(client_id: int):
    client = get_client(client_id)
    form = ClientForm()
    if form.validate_on_submit():
        ledger_before = client.ledger()
        form.fill_client(client)
        ledger_changed = client.ledger() != ledger_before
        if _save(form, reset_rules_of=client if ledger_changed else None):
            flash(f"Mandant „{client.name}“ wurde gespeichert.", "success")
            if ledger_changed:
                flash(
                    "Kontenrahmen, Sachkontenlänge, Sitzland, Kleinunternehmer-Status oder "
                    "Verrechnungskonten haben sich geändert: die Buchungsregeln nutzen jetzt die "
                    f"Standardkonten des {client.chart} mit {client.account_length}-stelligen "
                    "Sachkonten.",
                    "warning",
                )
            return redirect(url_for("clients.show", client_id=client.id))
    elif not form.is_submitted():
        form.fill_from_client(client)
    return render_template("clients/form.html", form=form, client=client)


def _save(
    form: ClientForm, new_client: Client | None = None, reset_rules_of: Client | None = None
) -> bool:
    """Commit; a new client gets its default booking rules in the same transaction, and a
    client whose chart or account length changed gets them anew."""
    try:
        if new_client is not None:
            db.session.flush()  # the rule sets need the client's id
            seed_client_rules(new_client)
            ensure_integrations(new_client)
        if reset_rules_of is not None:
            reset_client_rules(reset_rules_of)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.mandant_nr.errors = [*form.mandant_nr.errors, DUPLICATE_MANDANT]
        return False
    return True
