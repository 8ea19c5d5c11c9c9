"""Booking rules in the database: seed them from the defaults, load them for the engine.

    rule_store.seed_client_rules(client)              # on creating a client (caller commits)
    rule_store.seed_rule_set(client, "payout", "amazon.fr")   # a new marketplace ("+")
    book = rule_store.load_rule_book(client.id, "payout")     # pure datev.rules.RuleBook
    settings = rule_store.batch_settings(client)

Nothing here commits: the view or job that owns the unit of work does.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from datev.rules import (
    WILDCARD,
    OrderRule,
    PayoutRule,
    RuleBook,
    RuleSet,
    default_rule_set,
)
from datev.settings import BatchSettings
from models.base import db
from models.booking_rules import INTEGRATIONS, BookingRule, BookingRuleSet


def batch_settings(client) -> BatchSettings:
    """The DATEV master data of a `models.client.Client`."""
    return BatchSettings(
        berater=client.berater_nr,
        mandant=client.mandant_nr,
        chart=client.chart,
        fy_start=(client.fiscal_year_start_month, client.fiscal_year_start_day),
        account_length=client.account_length,
    )


# The accounts a rule set names besides its rules; the same names on RuleSet and the row.
FIXED_ACCOUNTS = (
    "clearing_account",
    "debtor_account",
    "transit_account",
    "suspense_account",
    "fx_gain_account",
    "fx_loss_account",
)


def _fixed_accounts(source: RuleSet | BookingRuleSet) -> dict[str, str]:
    return {name: getattr(source, name) for name in FIXED_ACCOUNTS}


def seed_rule_set(client, integration: str, marketplace: str = WILDCARD) -> BookingRuleSet:
    """Add the SKR03/SKR04 default rules of `integration` for `marketplace`, or return the set
    that exists already (seeding twice changes nothing)."""
    if integration not in INTEGRATIONS:
        raise ValueError(f"unknown integration {integration!r}")
    existing = db.session.scalar(
        sa.select(BookingRuleSet).filter_by(
            client_id=client.id, integration=integration, marketplace=marketplace
        )
    )
    if existing is not None:
        return existing
    defaults = default_rule_set(client.chart, marketplace, client.account_length)
    rule_set = BookingRuleSet(
        client_id=client.id,
        integration=integration,
        marketplace=marketplace,
        **_fixed_accounts(defaults),
    )
    if integration == "payout":
        rows = [_payout_row(rule) for rule in defaults.payout_rules]
    else:
        rows = [_order_row(rule) for rule in defaults.order_rules]
    for position, row in enumerate(rows):
        row.position = position
        rule_set.rules.append(row)
    db.session.add(rule_set)
    return rule_set


def seed_client_rules(client) -> list[BookingRuleSet]:
    return [seed_rule_set(client, integration) for integration in INTEGRATIONS]


def reset_client_rules(client) -> list[BookingRuleSet]:
    """Replace every rule set of `client` by the defaults of its current chart and account
    length (the sets it has, per integration and marketplace, stay; their accounts change).

    Needed when the chart or the account length changes: SKR03 accounts in an SKR04 ledger
    would put every amount on a wrong account. The caller commits.
    """
    existing = db.session.scalars(sa.select(BookingRuleSet).filter_by(client_id=client.id)).all()
    keys = [(row.integration, row.marketplace) for row in existing]
    for row in existing:
        db.session.delete(row)
    db.session.flush()
    for integration in INTEGRATIONS:
        if (integration, WILDCARD) not in keys:
            keys.append((integration, WILDCARD))
    return [seed_rule_set(client, integration, marketplace) for integration, marketplace in keys]


def _payout_row(rule: PayoutRule) -> BookingRule:
    return BookingRule(
        transaction_type=rule.transaction_type,
        amount_type=rule.amount_type,
        amount_description=rule.amount_description,
        account=rule.account,
        tax_key=rule.tax_key,
        kind=rule.kind,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        label=rule.label,
    )


def _order_row(rule: OrderRule) -> BookingRule:
    return BookingRule(
        treatment=rule.treatment,
        country=rule.country,
        account=rule.account,
        tax_key=rule.tax_key,
        kind="revenue",
        net=rule.net,
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
        label=rule.label,
    )


def to_rule_set(row: BookingRuleSet) -> RuleSet:
    """The pure rule set of a database row (with its rules in their order)."""
    payout: tuple[PayoutRule, ...] = ()
    order: tuple[OrderRule, ...] = ()
    if row.integration == "payout":
        payout = tuple(
            PayoutRule(
                r.transaction_type,
                r.amount_type,
                r.amount_description,
                r.account,
                r.tax_key,
                r.kind,
                r.valid_from,
                r.valid_to,
                r.label,
            )  # fmt: skip
            for r in row.rules
        )
    else:
        order = tuple(
            OrderRule(
                r.treatment,
                r.account,
                r.country,
                r.tax_key,
                r.net,
                r.valid_from,
                r.valid_to,
                r.label,
            )  # fmt: skip
            for r in row.rules
        )
    return RuleSet(
        marketplace=row.marketplace,
        **_fixed_accounts(row),
        payout_rules=payout,
        order_rules=order,
    )


def load_rule_book(client_id: int, integration: str) -> RuleBook:
    """All rule sets of a client's integration. Raises LookupError if none was seeded."""
    rows = db.session.scalars(
        sa.select(BookingRuleSet)
        .filter_by(client_id=client_id, integration=integration)
        .options(selectinload(BookingRuleSet.rules))
    ).all()
    if not rows:
        raise LookupError(
            f"Für diesen Mandanten sind keine Buchungsregeln ({integration}) angelegt."
        )
    return RuleBook(tuple(to_rule_set(row) for row in rows))
