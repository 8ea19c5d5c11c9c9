"""The wizard "Wechsel zur Amazon API": a client that used file uploads moves to the automatic
import in the three steps of the help article, without losing a report (DESIGN §1 item 3).

1. "Mit der Amazon API verbinden": the prerequisites, the gap analysis and the connect button
   (the consent flow is blueprints/amazon_connect.py; it returns here to step 2).
2. "Was passiert nach der Verbindung": what the daily import does, the imported reports of both
   integrations and the gap analysis again.
3. "Überprüfe deine aktiven Marktplätze": Order's excluded marketplaces, Payout's "+" and the
   retroactive import of a marketplace.

Every route goes through `get_client`, so another organisation's client answers 404; every POST
carries the CSRF token (Flask-WTF checks it for the whole app).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from babel.dates import format_date
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from blueprints.automatic_import import next_fetch, why_no_fetch
from blueprints.clients import get_client
from blueprints.integrations import MARKETPLACE_HINT, integration_of
from extensions import db
from formatting import LOCALE, datetime_de
from forms.migration import ConnectionMarketplaceForm, OrderMarketplacesForm
from importing.batches import mark_outdated
from importing.gaps import gap_analysis
from jobs.amazon_sync import enqueue_retroactive_import
from models import AmazonConnection, Client, ConnectionMarketplace, Report
from models.booking_rules import Integration, seed_rule_set
from models.integration import ClientIntegration, IntegrationMarketplace

bp = Blueprint("migration", __name__, url_prefix="/clients/<int:client_id>/wechsel-zur-api")

STEPS = (
    (1, "Mit der Amazon API verbinden"),
    (2, "Was passiert nach der Verbindung"),
    (3, "Überprüfe deine aktiven Marktplätze"),
)
# Step 2 shows the newest reports of each integration; the import page has all of them.
REPORTS_SHOWN = 10
NOT_CONNECTED = "Bitte verbinden Sie zuerst die Amazon API (Schritt 1)."


@bp.app_template_filter("month_de")
def month_de(day: date) -> str:
    """ "November 2026": the name of a month, as Babel writes it in German."""
    return format_date(day, format="MMMM yyyy", locale=LOCALE)


def today() -> date:
    """The day the analysis is made for; connection days are UTC days too."""
    return datetime.now(UTC).date()


def connection_of(client: Client) -> AmazonConnection | None:
    return db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))


@bp.get("")
@login_required
def start(client_id: int):
    client = get_client(client_id)
    step = 2 if connection_of(client) is not None else 1
    return redirect(url_for(f".step{step}", client_id=client.id))


@bp.get("/1")
@login_required
def step1(client_id: int):
    client = get_client(client_id)
    return _page(
        "migration/step1.html",
        client,
        step=1,
        analysis=gap_analysis(client, today=today()),
        uploaded=_report_counts(client),
    )


@bp.get("/2")
@login_required
def step2(client_id: int):
    client = get_client(client_id)
    integrations = {row.kind: row for row in (integration_of(client, i) for i in Integration)}
    return _page(
        "migration/step2.html",
        client,
        step=2,
        analysis=gap_analysis(client, today=today()),
        integrations=[integrations[Integration.ORDER], integrations[Integration.PAYOUT]],
        reports={kind: _newest_reports(client, kind) for kind in integrations},
        counts=_report_counts(client),
        fetches={kind: _next_fetch(client, row) for kind, row in integrations.items()},
    )


@bp.get("/3")
@login_required
def step3(client_id: int):
    client = get_client(client_id)
    connection = connection_of(client)
    if connection is None:
        return _page("migration/step3.html", client, step=3, connection=None)
    order = integration_of(client, Integration.ORDER)
    payout = integration_of(client, Integration.PAYOUT)
    order_form = OrderMarketplacesForm(_names(connection), formdata=None)
    order_form.imported.data = [m.name for m in connection.marketplaces if order.imports(m.name)]
    retroactive_form = ConnectionMarketplaceForm(
        _retroactive_choices(connection, payout), formdata=None
    )
    # After "+" the new marketplace is the one to fill retroactively.
    retroactive_form.marketplace_id.data = request.args.get("neu")
    return _page(
        "migration/step3.html",
        client,
        step=3,
        connection=connection,
        order=order,
        payout=payout,
        order_form=order_form,
        add_form=ConnectionMarketplaceForm(_addable(connection, payout), formdata=None),
        retroactive_form=retroactive_form,
        marketplace_hint=MARKETPLACE_HINT,
    )


@bp.post("/3/order")
@login_required
def save_order_marketplaces(client_id: int):
    client = get_client(client_id)
    connection = _connection_or_back(client)
    order = integration_of(client, Integration.ORDER)
    form = OrderMarketplacesForm(_names(connection))
    if not form.validate_on_submit():
        return _back_with_errors(client, form.imported.errors)
    imported = {name.casefold() for name in form.imported.data}
    excluded_before = _excluded(order)
    listed = {m.marketplace.casefold(): m for m in order.marketplaces}
    for name in _names(connection):
        entry = listed.get(name.casefold())
        exclude = name.casefold() not in imported
        if entry is None and exclude:
            order.marketplaces.append(IntegrationMarketplace(marketplace=name, excluded=True))
        elif entry is not None:
            entry.excluded = exclude
    db.session.flush()
    changed = _excluded(order) != excluded_before
    # The exclusions change what an Order batch books: its batches may be outdated now.
    outdated = mark_outdated(client.id, Integration.ORDER) if changed else 0
    db.session.commit()
    flash("Die Marktplätze von Amazon Order wurden gespeichert.", "success")
    if outdated:
        flash(
            f"{outdated} Buchungsstapel sind jetzt veraltet: bitte aktualisieren Sie sie.",
            "warning",
        )
    return redirect(url_for(".step3", client_id=client.id))


@bp.post("/3/payout")
@login_required
def add_payout_marketplace(client_id: int):
    client = get_client(client_id)
    connection = _connection_or_back(client)
    payout = integration_of(client, Integration.PAYOUT)
    form = ConnectionMarketplaceForm(_addable(connection, payout))
    if not form.validate_on_submit():
        return _back_with_errors(client, form.marketplace_id.errors)
    marketplace = _marketplace(connection, form.marketplace_id.data)
    payout.marketplaces.append(IntegrationMarketplace(marketplace=marketplace.name))
    seed_rule_set(client, Integration.PAYOUT, marketplace.name)
    db.session.commit()
    flash(
        f"Marktplatz {marketplace.name} ist eingerichtet, mit den Standard-Konten – "
        f"{MARKETPLACE_HINT}.",
        "success",
    )
    return redirect(
        url_for(".step3", client_id=client.id, neu=marketplace.marketplace_id, _anchor="api-import")
    )


@bp.post("/3/retroactive")
@login_required
def retroactive_import(client_id: int):
    client = get_client(client_id)
    connection = _connection_or_back(client)
    payout = integration_of(client, Integration.PAYOUT)
    form = ConnectionMarketplaceForm(_retroactive_choices(connection, payout))
    if not form.validate_on_submit():
        return _back_with_errors(client, form.marketplace_id.errors)
    run = enqueue_retroactive_import(
        connection, Integration.PAYOUT, form.marketplace_id.data, user_id=current_user.id
    )
    db.session.commit()
    return redirect(url_for("integrations.job", client_id=client.id, job_id=run.id))


# -- helpers ---------------------------------------------------------------------------------


def _page(template: str, client: Client, *, step: int, **context):
    context.setdefault("connection", connection_of(client))
    return render_template(template, client=client, step=step, steps=STEPS, **context)


def _next_fetch(client: Client, row: ClientIntegration) -> str:
    """When the integration's reports are fetched next, or why they are not."""
    connection = connection_of(client)
    hour = current_app.config["SYNC_HOUR_UTC"]
    upcoming = next_fetch(connection, row, datetime.now(UTC), hour)
    if upcoming is None:
        return why_no_fetch(connection, row)
    return f"{datetime_de(upcoming)} Uhr"


def _report_counts(client: Client) -> dict[str, dict[str, int]]:
    """How many reports each integration holds, by source: {"payout": {"upload": 17}}."""
    counts: dict[str, dict[str, int]] = {kind.value: {} for kind in Integration}
    rows = db.session.execute(
        sa.select(Report.integration, Report.source, sa.func.count(Report.id))
        .filter_by(client_id=client.id)
        .group_by(Report.integration, Report.source)
    ).all()
    for integration, source, count in rows:
        counts[integration][source] = count
    return counts


def _newest_reports(client: Client, integration: str) -> list[Report]:
    return db.session.scalars(
        sa.select(Report)
        .filter_by(client_id=client.id, integration=integration)
        .options(selectinload(Report.batches))
        .order_by(Report.period_start.desc(), Report.id.desc())
        .limit(REPORTS_SHOWN)
    ).all()


def _names(connection: AmazonConnection) -> list[str]:
    return [m.name for m in connection.marketplaces]


def _excluded(order: ClientIntegration) -> set[str]:
    return {m.marketplace.casefold() for m in order.marketplaces if m.excluded}


def _addable(connection: AmazonConnection, payout: ClientIntegration) -> list[tuple[str, str]]:
    """The marketplaces of the connection that "+" can add to Amazon Payout. While Payout lists
    none it imports every marketplace: there is nothing to add then."""
    listed = {m.marketplace.casefold() for m in payout.marketplaces}
    if not listed:
        return []
    return [
        (m.marketplace_id, m.name)
        for m in connection.marketplaces
        if m.participating and m.name.casefold() not in listed
    ]


def _retroactive_choices(
    connection: AmazonConnection, payout: ClientIntegration
) -> list[tuple[str, str]]:
    """The marketplaces of the connection that Amazon Payout imports."""
    return [
        (m.marketplace_id, m.name)
        for m in connection.marketplaces
        if m.participating and payout.imports(m.name)
    ]


def _marketplace(connection: AmazonConnection, marketplace_id: str) -> ConnectionMarketplace:
    return next(m for m in connection.marketplaces if m.marketplace_id == marketplace_id)


def _connection_or_back(client: Client) -> AmazonConnection:
    connection = connection_of(client)
    if connection is None:
        flash(NOT_CONNECTED, "error")
        abort(redirect(url_for(".step1", client_id=client.id)))
    return connection


def _back_with_errors(client: Client, errors: list[str]):
    for error in errors or ["Die Anfrage war ungültig."]:
        flash(error, "error")
    return redirect(url_for(".step3", client_id=client.id))
