"""Booking rules of a client, per integration (Amazon Payout / Amazon Order) and marketplace.

A rule set holds the fixed accounts (clearing account, Sammeldebitor, Geldtransit,
Klärungskonto, exchange differences) and an ordered list of rules. Marketplace "*" is the
client's default set; a set for a named marketplace ("amazon.fr") takes precedence for it.
`datev.rule_store` seeds these rows from the SKR03/SKR04 defaults and turns them into the pure
rule objects of `datev.rules` that the booking engine uses.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

INTEGRATIONS = ("payout", "order")


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

    rule_set: Mapped[BookingRuleSet] = relationship(back_populates="rules")
