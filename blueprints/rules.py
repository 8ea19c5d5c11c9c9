"""Buchungsregeln: the rule sets of a client's integration, per marketplace.

Every route goes through `get_client` (another organisation's client answers 404) and
`_rule_set` / `_rule` (a rule set or rule of another client answers 404 too). Every change
marks the integration's batches "veraltet", so the report pages offer to rebuild them.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required

from blueprints.clients import get_client
from datev.rules import WILDCARD
from extensions import db
from forms.rules import (
    ACCOUNT_LABELS,
    FULFILLMENT_LABELS,
    KIND_LABELS,
    TREATMENTS,
    ConfirmForm,
    OrderRuleForKeyForm,
    OrderRuleForm,
    PayoutRuleForKeyForm,
    PayoutRuleForm,
    RuleSetAccountsForm,
)
from importing.batches import mark_outdated
from models import BookingRule, BookingRuleSet, Client, Report
from models.base import utcnow
from models.booking_rules import FIXED_ACCOUNTS, Integration, reset_rule_set
from models.integration import LABELS

bp = Blueprint("booking_rules", __name__, url_prefix="/clients/<int:client_id>/integrations")

INTEGRATION = "<any(payout, order):integration>"
REBUILD_HINT = "„Aktualisieren“ auf der Seite des Berichts erstellt sie mit den neuen Regeln neu."


@bp.get(f"/{INTEGRATION}/rules")
@login_required
def index(client_id: int, integration: str):
    client = get_client(client_id)
    rule_sets = _rule_sets(client, Integration(integration))
    return render_template(
        "rules/index.html",
        client=client,
        integration=Integration(integration),
        label=LABELS[Integration(integration)],
        rule_sets=rule_sets,
    )


@bp.route(f"/{INTEGRATION}/rules/<int:rule_set_id>", methods=["GET", "POST"])
@login_required
def rule_set(client_id: int, integration: str, rule_set_id: int):
    client = get_client(client_id)
    row = _rule_set(client, integration, rule_set_id)
    form = RuleSetAccountsForm(account_length=client.account_length)
    if form.validate_on_submit():
        form.fill(row)
        _rules_changed(client, row)
        flash(f"Die Konten des Regelsatzes {_name(row)} wurden gespeichert.", "success")
        return redirect(_rule_set_url(row))
    if not form.is_submitted():
        form.fill_from(row)
    return render_template(
        "rules/rule_set.html",
        client=client,
        rule_set=row,
        label=LABELS[Integration(row.integration)],
        form=form,
        confirm_form=ConfirmForm(formdata=None),
        report_url=_report_url(_report(client, Integration(row.integration))),
        kind_labels=KIND_LABELS,
        fulfillment_labels=FULFILLMENT_LABELS,
        account_labels=ACCOUNT_LABELS,
        fixed_accounts=FIXED_ACCOUNTS,
    ), 400 if form.errors else 200


@bp.route(f"/{INTEGRATION}/rules/<int:rule_set_id>/new", methods=["GET", "POST"])
@login_required
def add_rule(client_id: int, integration: str, rule_set_id: int):
    client = get_client(client_id)
    row = _rule_set(client, integration, rule_set_id)
    form = _rule_form(row, client)
    if form.validate_on_submit():
        rule = BookingRule(position=_next_position(row))
        form.fill(rule)
        row.rules.append(rule)
        _rules_changed(client, row)
        flash(f"Die Regel „{_describe(rule, row)}“ wurde hinzugefügt.", "success")
        return redirect(_rule_set_url(row))
    return _rule_page(client, row, form, rule=None)


@bp.route(f"/{INTEGRATION}/rules/<int:rule_set_id>/<int:rule_id>", methods=["GET", "POST"])
@login_required
def edit_rule(client_id: int, integration: str, rule_set_id: int, rule_id: int):
    client = get_client(client_id)
    row = _rule_set(client, integration, rule_set_id)
    rule = _rule(row, rule_id)
    form = _rule_form(row, client)
    if form.validate_on_submit():
        form.fill(rule)
        _rules_changed(client, row)
        flash(f"Die Regel „{_describe(rule, row)}“ wurde gespeichert.", "success")
        return redirect(_rule_set_url(row))
    if not form.is_submitted():
        form.fill_from(rule)
    return _rule_page(client, row, form, rule=rule)


@bp.post(f"/{INTEGRATION}/rules/<int:rule_set_id>/<int:rule_id>/delete")
@login_required
def delete_rule(client_id: int, integration: str, rule_set_id: int, rule_id: int):
    client = get_client(client_id)
    row = _rule_set(client, integration, rule_set_id)
    rule = _rule(row, rule_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row.rules.remove(rule)  # delete-orphan deletes the row
    _rules_changed(client, row)
    flash(f"Die Regel „{_describe(rule, row)}“ wurde gelöscht.", "success")
    return redirect(_rule_set_url(row))


@bp.post(f"/{INTEGRATION}/rules/<int:rule_set_id>/reset")
@login_required
def reset(client_id: int, integration: str, rule_set_id: int):
    client = get_client(client_id)
    row = _rule_set(client, integration, rule_set_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reset_rule_set(client, row)
    _rules_changed(client, row)
    flash(
        f"Der Regelsatz {_name(row)} nutzt wieder die Standardkonten des {client.chart}.",
        "success",
    )
    return redirect(_rule_set_url(row))


@bp.route(f"/{INTEGRATION}/rules/from-key", methods=["GET", "POST"])
@login_required
def new_from_key(client_id: int, integration: str):
    """Klärungskonto: a new rule for the key of a batch's unmatched amounts (Payout:
    transaction type, amount type, description; Order: treatment and country), then back to
    the report (`report_id`), where "Aktualisieren" rebuilds the batch."""
    client = get_client(client_id)
    integration = Integration(integration)
    rule_sets = _rule_sets(client, integration)
    if not rule_sets:
        abort(404)
    report = _report(client, integration)
    form_class = PayoutRuleForKeyForm if integration == Integration.PAYOUT else OrderRuleForKeyForm
    form = form_class(account_length=client.account_length)
    form.rule_set.choices = [(row.id, _name(row)) for row in rule_sets]
    if form.validate_on_submit():
        row = next(row for row in rule_sets if row.id == form.rule_set.data)
        rule = BookingRule(position=_next_position(row))
        form.fill(rule)
        row.rules.append(rule)
        _rules_changed(client, row)
        flash(f"Die Regel „{_describe(rule, row)}“ wurde hinzugefügt.", "success")
        return redirect(_rule_set_url(row, report_id=report.id if report else None))
    if not form.is_submitted():
        _prefill_key(form, integration, rule_sets)
    return render_template(
        "rules/from_key.html",
        client=client,
        label=LABELS[integration],
        integration=integration,
        form=form,
        report_url=_report_url(report),
    ), 400 if form.errors else 200


# -- helpers ---------------------------------------------------------------------------------


def _rule_sets(client: Client, integration: Integration) -> list[BookingRuleSet]:
    """The "*" set first, then the marketplaces in alphabetical order."""
    rows = db.session.scalars(
        sa.select(BookingRuleSet)
        .filter_by(client_id=client.id, integration=integration)
        .order_by(BookingRuleSet.marketplace)
    ).all()
    return sorted(rows, key=lambda row: row.marketplace != WILDCARD)


def _rule_set(client: Client, integration: str, rule_set_id: int) -> BookingRuleSet:
    """A rule set of `client` and `integration`, or 404: another client's ids reveal nothing."""
    row = db.session.scalar(
        sa.select(BookingRuleSet).filter_by(
            id=rule_set_id, client_id=client.id, integration=Integration(integration)
        )
    )
    if row is None:
        abort(404)
    return row


def _rule(row: BookingRuleSet, rule_id: int) -> BookingRule:
    rule = next((rule for rule in row.rules if rule.id == rule_id), None)
    if rule is None:
        abort(404)
    return rule


def _rule_form(row: BookingRuleSet, client: Client):
    form_class = PayoutRuleForm if row.integration == Integration.PAYOUT else OrderRuleForm
    return form_class(account_length=client.account_length)


def _rule_page(client: Client, row: BookingRuleSet, form, rule: BookingRule | None):
    return render_template(
        "rules/rule.html",
        client=client,
        rule_set=row,
        label=LABELS[Integration(row.integration)],
        form=form,
        rule=rule,
    ), 400 if form.errors else 200


def _next_position(row: BookingRuleSet) -> int:
    return max((rule.position for rule in row.rules), default=-1) + 1


def _rules_changed(client: Client, row: BookingRuleSet) -> None:
    """The end of every rule change: batches built with other rules are now "veraltet"."""
    row.updated_at = utcnow()  # a changed rule is a change of its set, too
    db.session.flush()
    outdated = mark_outdated(client.id, Integration(row.integration))
    db.session.commit()
    if outdated == 1:
        flash(f"Ein Buchungsstapel ist jetzt veraltet. {REBUILD_HINT}", "warning")
    elif outdated:
        flash(f"{outdated} Buchungsstapel sind jetzt veraltet. {REBUILD_HINT}", "warning")


def _prefill_key(form, integration: Integration, rule_sets: list[BookingRuleSet]) -> None:
    """The key of the query as the new rule's match, in the rule set of the report's
    marketplace if it has one of its own; the account is the user's choice."""
    args = request.args
    if integration == Integration.PAYOUT:
        for name in PayoutRuleForm.PATTERNS:
            value = args.get(name, "").strip()
            # The key is literal text: a * or ? in Amazon's text must not become a pattern.
            form[name].data = _literal(value) if value else WILDCARD
        form.label.data = args.get("amount_description", "").strip()[:100]
    else:
        treatment = args.get("treatment", "").strip()
        form.treatment.data = treatment if treatment in TREATMENTS else None
        form.country.data = args.get("country", "").strip().upper() or WILDCARD
        form.label.data = treatment[:100]
    wanted = args.get("marketplace", "").strip().casefold()
    chosen = next((row for row in rule_sets if row.marketplace.casefold() == wanted), None)
    form.rule_set.data = (chosen or rule_sets[0]).id


def _literal(text: str) -> str:
    return "".join(f"[{char}]" if char in "*?[" else char for char in text)


def _report(client: Client, integration: Integration) -> Report | None:
    """The report of `report_id` (the page the user came from), if it is this client's."""
    report_id = request.args.get("report_id", type=int)
    if report_id is None:
        return None
    return db.session.scalar(
        sa.select(Report).filter_by(id=report_id, client_id=client.id, integration=integration)
    )


def _report_url(report: Report | None) -> str | None:
    """The report page (the import pages' blueprint), where "Aktualisieren" rebuilds."""
    if report is None:
        return None
    return url_for("reports.show", client_id=report.client_id, report_id=report.id)


def _rule_set_url(row: BookingRuleSet, **args) -> str:
    args = {name: value for name, value in args.items() if value}
    return url_for(
        "booking_rules.rule_set",
        client_id=row.client_id,
        integration=row.integration,
        rule_set_id=row.id,
        **args,
    )


def _name(row: BookingRuleSet) -> str:
    return "für alle Marktplätze" if row.marketplace == WILDCARD else row.marketplace


def _describe(rule: BookingRule, row: BookingRuleSet) -> str:
    if rule.label:
        return rule.label
    if row.integration == Integration.ORDER:
        return rule.treatment
    return "/".join((rule.transaction_type, rule.amount_type, rule.amount_description))
