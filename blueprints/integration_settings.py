"""Erweiterte Einstellungen of an integration: automatic import, e-mail notification, booking
granularity and the marketplaces (Payout: the listed ones; Order: the excluded ones).

The client comes through `get_client`, so another organisation's client answers 404.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import login_required

from blueprints.clients import get_client
from extensions import db
from forms.integration_settings import IntegrationSettingsForm
from importing.batches import mark_outdated
from models import Client, ClientIntegration, IntegrationMarketplace
from models.booking_rules import Integration, seed_rule_set
from models.integration import ensure_integrations

bp = Blueprint("integration_settings", __name__, url_prefix="/clients/<int:client_id>/integrations")


@bp.route("/<any(payout, order):integration>/settings", methods=["GET", "POST"])
@login_required
def edit(client_id: int, integration: str):
    client = get_client(client_id)
    row = _integration(client, Integration(integration))
    form = IntegrationSettingsForm(
        integration=row.integration, stored=tuple(m.marketplace for m in row.marketplaces)
    )
    if form.validate_on_submit():
        granularity_changed = form.granularity.data != row.granularity
        excluded_before = _excluded(row)
        row.auto_import = form.auto_import.data
        row.notify = form.notify.data
        row.notify_recipients = form.notify_recipients.data
        row.granularity = form.granularity.data
        added = _set_marketplaces(row, form.marketplaces.data)
        for marketplace in added if row.integration == Integration.PAYOUT else ():
            seed_rule_set(client, Integration.PAYOUT, marketplace)
        db.session.flush()
        # Both change what an Order batch books (excluded marketplaces are left out of it).
        if granularity_changed or _excluded(row) != excluded_before:
            mark_outdated(client.id, row.integration)
        db.session.commit()
        flash(f"Die Einstellungen von {row.label} wurden gespeichert.", "success")
        if added and row.integration == Integration.PAYOUT:
            flash(
                f"Neu: {', '.join(added)}, mit den Standardkonten des {client.chart}. Bitte "
                "lassen Sie die Buchungsregeln vom Steuerberater prüfen.",
                "warning",
            )
        return redirect(url_for(".edit", client_id=client.id, integration=row.kind))
    if not form.is_submitted():
        form.fill_from(row)
    return render_template(
        "integration_settings/edit.html", client=client, integration=row, form=form
    ), 400 if form.errors else 200


def _integration(client: Client, integration: Integration) -> ClientIntegration:
    """The client's integration row. A client made before integrations existed gets it with
    the defaults; only a saving POST commits it (a GET changes nothing)."""
    return next(row for row in ensure_integrations(client) if row.kind == integration.value)


def _excluded(row: ClientIntegration) -> set[str]:
    return {m.marketplace.casefold() for m in row.marketplaces if m.excluded}


def _set_marketplaces(row: ClientIntegration, chosen: list[str]) -> list[str]:
    """Keep exactly the chosen marketplaces: listed (Payout) or excluded (Order). Returns
    the ones that are new."""
    excluded = row.integration == Integration.ORDER
    wanted = {m.casefold(): m for m in chosen}
    for entry in list(row.marketplaces):
        if entry.marketplace.casefold() in wanted:
            entry.excluded = excluded
            del wanted[entry.marketplace.casefold()]
        else:
            row.marketplaces.remove(entry)
    for marketplace in wanted.values():
        row.marketplaces.append(IntegrationMarketplace(marketplace=marketplace, excluded=excluded))
    return sorted(wanted.values())
