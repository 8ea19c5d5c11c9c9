"""Clients (Mandanten): the sellers whose bookkeeping Kontor prepares, with DATEV master data."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datev.limits import ACCOUNT_LENGTH, Chart
from datev.rules import WILDCARD, RuleBook, RuleSet, default_rule_book, default_rule_set
from datev.settings import BatchSettings
from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.user import Organisation


class Client(db.Model):
    __tablename__ = "clients"
    __table_args__ = (
        # One DATEV Mandant exists once per organisation, or batches would mix two ledgers.
        sa.UniqueConstraint("organisation_id", "berater_nr", "mandant_nr"),
        # The database keeps DATEV's limits too (datev.limits); the migration states them.
        sa.CheckConstraint(
            f"account_length BETWEEN {ACCOUNT_LENGTH.low} AND {ACCOUNT_LENGTH.high}",
            name="account_length",
        ),
        sa.CheckConstraint(
            "chart IN (" + ", ".join(f"'{chart}'" for chart in Chart) + ")", name="chart"
        ),
        sa.CheckConstraint("length(country) = 2", name="country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    berater_nr: Mapped[int]
    mandant_nr: Mapped[int]
    fiscal_year_start_month: Mapped[int] = mapped_column(default=1)
    fiscal_year_start_day: Mapped[int] = mapped_column(default=1)
    account_length: Mapped[int] = mapped_column(default=4)
    chart: Mapped[str] = mapped_column(sa.String(5), default="SKR03")
    vat_id: Mapped[str | None] = mapped_column(sa.String(20))
    amazon_seller_id: Mapped[str | None] = mapped_column(sa.String(20))
    # Sitzland (ISO code): the fee rules from 08/2024 depend on where the seller is established.
    country: Mapped[str] = mapped_column(sa.String(2), default="DE", server_default="DE")
    # Kleinunternehmer (§ 19 UStG): no Vorsteuer keys on the bookings.
    small_business: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # One Amazon clearing account per marketplace (1211 ff. / 1811 ff.) instead of one for all.
    clearing_per_marketplace: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="clients")

    def fiscal_year_start(self, for_day: date) -> date:
        """The first day of the fiscal year that `for_day` falls in."""
        start = date(for_day.year, self.fiscal_year_start_month, self.fiscal_year_start_day)
        if start > for_day:
            start = date(for_day.year - 1, self.fiscal_year_start_month, self.fiscal_year_start_day)
        return start

    def batch_settings(self) -> BatchSettings:
        """The DATEV master data a booking batch of this client needs."""
        return BatchSettings(
            berater=self.berater_nr,
            mandant=self.mandant_nr,
            chart=self.chart,
            fy_start=(self.fiscal_year_start_month, self.fiscal_year_start_day),
            account_length=self.account_length,
        )

    def ledger(self) -> tuple:
        """The master data the default rules depend on: when it changes, the client's rules
        are reset to the new defaults."""
        return (
            self.chart,
            self.account_length,
            self.country,
            self.small_business,
            self.clearing_per_marketplace,
        )

    def default_rule_book(self) -> RuleBook:
        """The default rules for this client's master data (DESIGN.md §4)."""
        return default_rule_book(self.chart, self.account_length, **self._rule_options())

    def default_rule_set(self, marketplace: str = WILDCARD) -> RuleSet:
        """The default rules of one marketplace, as `default_rule_book` composes them."""
        return default_rule_set(
            self.chart, marketplace, self.account_length, **self._rule_options()
        )

    def _rule_options(self) -> dict:
        return {
            "country": self.country or "DE",
            "small_business": bool(self.small_business),
            "clearing_per_marketplace": bool(self.clearing_per_marketplace),
        }
