"""Booking rules of a client, per integration (Amazon Payout / Amazon Order) and marketplace.

A rule set holds the fixed accounts (clearing account, Sammeldebitor, Geldtransit,
Klärungskonto, exchange differences) and an ordered list of rules. Marketplace "*" is the
client's default set; a set for a named marketplace ("Amazon.ca") takes precedence for it.

The rows are seeded from `datev.rules.default_rule_book`, the one source of default rules, and
turned back into the pure rule objects of `datev.rules` that the booking engine uses:

    seed_client_rules(client)                  # on creating a client (caller commits)
    seed_rule_set(client, Integration.PAYOUT, "amazon.fr")   # a new marketplace ("+")
    book = load_rule_book(client.id, Integration.PAYOUT)     # a pure datev.rules.RuleBook

Nothing here commits: the view or job that owns the unit of work does.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from datev.errors import RulesMissing
from datev.rules import WILDCARD, OrderRule, PayoutRule, RuleBook, RuleSet
from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.client import Client


class Integration(StrEnum):
    """The two reports a client imports; the values are stored in the database."""

    PAYOUT = "payout"  # settlement reports
    ORDER = "order"  # the VAT Transactions Report


# The accounts a rule set names besides its rules; the same names on RuleSet and the row.
FIXED_ACCOUNTS = (
    "clearing_account",
    "debtor_account",
    "transit_account",
    "suspense_account",
    "fx_gain_account",
    "fx_loss_account",
)


class BookingRuleSet(db.Model):
    __tablename__ = "booking_rule_sets"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "integration", "marketplace"),
        sa.CheckConstraint("integration IN ('payout', 'order')", name="integration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    integration: Mapped[str] = mapped_column(sa.String(10))
    marketplace: Mapped[str] = mapped_column(sa.String(40), default="*")
    clearing_account: Mapped[str] = mapped_column(sa.String(9))
    debtor_account: Mapped[str] = mapped_column(sa.String(9))
    transit_account: Mapped[str] = mapped_column(sa.String(9))
    suspense_account: Mapped[str] = mapped_column(sa.String(9))
    fx_gain_account: Mapped[str] = mapped_column(sa.String(9))
    fx_loss_account: Mapped[str] = mapped_column(sa.String(9))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rules: Mapped[list[BookingRule]] = relationship(
        back_populates="rule_set",
        order_by="BookingRule.position",
        cascade="all, delete-orphan",
    )

    @classmethod
    def from_rule_set(
        cls, client_id: int, integration: Integration, rule_set: RuleSet
    ) -> BookingRuleSet:
        """The row of a pure rule set, with the rules of `integration` in their order."""
        row = cls(
            client_id=client_id,
            integration=integration,
            marketplace=rule_set.marketplace,
            **{name: getattr(rule_set, name) for name in FIXED_ACCOUNTS},
        )
        row.rules = rule_rows(integration, rule_set)
        return row

    def to_rule_set(self) -> RuleSet:
        """The pure rule set of this row (with its rules in their order)."""
        payout: tuple[PayoutRule, ...] = ()
        order: tuple[OrderRule, ...] = ()
        if self.integration == Integration.PAYOUT:
            payout = tuple(rule.to_payout_rule() for rule in self.rules)
        else:
            order = tuple(rule.to_order_rule() for rule in self.rules)
        return RuleSet(
            marketplace=self.marketplace,
            **{name: getattr(self, name) for name in FIXED_ACCOUNTS},
            payout_rules=payout,
            order_rules=order,
        )


def rule_rows(integration: Integration, rule_set: RuleSet) -> list[BookingRule]:
    """The rows of the rules of `integration` in `rule_set`, positioned in their order."""
    if integration == Integration.PAYOUT:
        rules = [BookingRule.from_payout_rule(rule) for rule in rule_set.payout_rules]
    else:
        rules = [BookingRule.from_order_rule(rule) for rule in rule_set.order_rules]
    for position, rule in enumerate(rules):
        rule.position = position
    return rules


class BookingRule(db.Model):
    """One rule. Payout rules use the three match patterns, Order rules treatment and country."""

    __tablename__ = "booking_rules"
    __table_args__ = (
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to", name="validity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(
        sa.ForeignKey("booking_rule_sets.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # Payout: (transaction-type, amount-type, amount-description) patterns with * and ?
    transaction_type: Mapped[str] = mapped_column(sa.String(100), default="*")
    amount_type: Mapped[str] = mapped_column(sa.String(100), default="*")
    amount_description: Mapped[str] = mapped_column(sa.String(100), default="*")
    # Order: tax treatment (datev.tax_treatment) and country ("*" for every country)
    treatment: Mapped[str] = mapped_column(sa.String(30), default="")
    country: Mapped[str] = mapped_column(sa.String(2), default="*")
    account: Mapped[str] = mapped_column(sa.String(9))
    tax_key: Mapped[str] = mapped_column(sa.String(4), default="")
    kind: Mapped[str] = mapped_column(sa.String(20), default="other")
    net: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    # Payout: #43 Sachverhalt L+L of a reverse-charge key, and the line's fulfillment-id
    # (AFN, MFN or "*").
    sachverhalt: Mapped[str] = mapped_column(sa.String(3), default="", server_default="")
    fulfillment: Mapped[str] = mapped_column(sa.String(3), default="*", server_default="*")

    rule_set: Mapped[BookingRuleSet] = relationship(back_populates="rules")

    # The pure rules' fields are columns of the same name (a payout rule leaves the Order
    # columns at their defaults and vice versa).
    @classmethod
    def from_payout_rule(cls, rule: PayoutRule) -> BookingRule:
        return cls(**{name: getattr(rule, name) for name in _PAYOUT_FIELDS})

    @classmethod
    def from_order_rule(cls, rule: OrderRule) -> BookingRule:
        return cls(kind="revenue", **{name: getattr(rule, name) for name in _ORDER_FIELDS})

    def to_payout_rule(self) -> PayoutRule:
        return PayoutRule(**{name: getattr(self, name) for name in _PAYOUT_FIELDS})

    def to_order_rule(self) -> OrderRule:
        return OrderRule(**{name: getattr(self, name) for name in _ORDER_FIELDS})


_PAYOUT_FIELDS = tuple(field.name for field in fields(PayoutRule))
_ORDER_FIELDS = tuple(field.name for field in fields(OrderRule))


def seed_rule_set(
    client: Client, integration: Integration, marketplace: str = WILDCARD
) -> BookingRuleSet:
    """Add the default rules of `integration` for `marketplace` (from the client's default rule
    book, the one source of default rules), or return the set that exists already."""
    integration = Integration(integration)
    existing = db.session.scalar(
        sa.select(BookingRuleSet).filter_by(
            client_id=client.id, integration=integration, marketplace=marketplace
        )
    )
    if existing is not None:
        return existing
    defaults = client.default_rule_set(marketplace)
    row = BookingRuleSet.from_rule_set(client.id, integration, defaults)
    db.session.add(row)
    return row


def seed_client_rules(client: Client) -> list[BookingRuleSet]:
    """The client's default rule book in the database: per integration the "*" set, and a set
    for every marketplace whose default rules for that integration differ from "*" (the stores
    outside Europe: their fees carry no German VAT, their revenue is booked from the settlement).
    Seeding twice adds nothing."""
    book = client.default_rule_book()
    fallback = book.for_marketplace(WILDCARD)
    return [
        seed_rule_set(client, integration, rule_set.marketplace)
        for integration in Integration
        for rule_set in book.rule_sets
        if rule_set is fallback
        or _rules_of(rule_set, integration) != _rules_of(fallback, integration)
    ]


def _rules_of(rule_set: RuleSet, integration: Integration) -> tuple:
    rules = rule_set.payout_rules if integration == Integration.PAYOUT else rule_set.order_rules
    accounts = tuple(getattr(rule_set, name) for name in FIXED_ACCOUNTS)
    return (accounts, rules)


def reset_client_rules(client: Client) -> list[BookingRuleSet]:
    """Replace every rule set of `client` by the defaults of its current chart and account
    length (the sets it has, per integration and marketplace, stay; their accounts change).

    Needed when the chart or the account length changes: SKR03 accounts in an SKR04 ledger
    would put every amount on a wrong account. The caller commits.
    """
    existing = db.session.scalars(sa.select(BookingRuleSet).filter_by(client_id=client.id)).all()
    keys = [(Integration(row.integration), row.marketplace) for row in existing]
    for row in existing:
        db.session.delete(row)
    db.session.flush()
    seeded = seed_client_rules(client)
    seeded_keys = {(Integration(row.integration), row.marketplace) for row in seeded}
    return seeded + [
        seed_rule_set(client, integration, marketplace)
        for integration, marketplace in keys
        if (integration, marketplace) not in seeded_keys
    ]


def load_rule_book(client_id: int, integration: Integration) -> RuleBook:
    """All rule sets of a client's integration. Raises RulesMissing if none was seeded."""
    rows = db.session.scalars(
        sa.select(BookingRuleSet)
        .filter_by(client_id=client_id, integration=Integration(integration))
        .options(selectinload(BookingRuleSet.rules))
    ).all()
    if not rows:
        raise RulesMissing(
            f"Für diesen Mandanten sind keine Buchungsregeln ({integration}) angelegt."
        )
    return RuleBook(tuple(row.to_rule_set() for row in rows))


def reset_rule_set(client: Client, row: BookingRuleSet) -> BookingRuleSet:
    """Put one rule set back to the client's defaults ("Auf SKR-Standard zurücksetzen"): the
    fixed accounts and rules that `seed_rule_set` would add for its integration and marketplace
    today. The other rule sets stay as they are; the caller commits."""
    defaults = client.default_rule_set(row.marketplace)
    for name in FIXED_ACCOUNTS:
        setattr(row, name, getattr(defaults, name))
    row.rules = rule_rows(Integration(row.integration), defaults)  # delete-orphan: old rows go
    return row
