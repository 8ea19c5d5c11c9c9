"""A client's two integrations, Amazon Payout and Amazon Order, with their settings.

The settings are what the help article calls "Erweiterte Einstellungen": automatic import,
e-mail notification and its recipients, booking granularity and the marketplaces. Amazon Payout
imports the marketplaces it lists (each with its rule set, "+" adds one); Amazon Order imports
every marketplace except those it excludes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from datev.granularity import Granularity
from models.base import UTCDateTime, db, utcnow
from models.booking_rules import Integration

if TYPE_CHECKING:
    from models.client import Client

LABELS = {Integration.PAYOUT: "Amazon Payout", Integration.ORDER: "Amazon Order"}


class ClientIntegration(db.Model):
    __tablename__ = "client_integrations"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "kind"),
        sa.CheckConstraint("kind IN ('payout', 'order')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))
    auto_import: Mapped[bool] = mapped_column(default=True)
    notify: Mapped[bool] = mapped_column(default=False)
    # Comma-separated e-mail addresses, validated by the settings form.
    notify_recipients: Mapped[str] = mapped_column(sa.String(1000), default="")
    granularity: Mapped[str] = mapped_column(sa.String(20), default=Granularity.PER_ORDER.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client] = relationship()
    marketplaces: Mapped[list[IntegrationMarketplace]] = relationship(
        back_populates="integration",
        order_by="IntegrationMarketplace.marketplace",
        cascade="all, delete-orphan",
    )

    @property
    def integration(self) -> Integration:
        return Integration(self.kind)

    @property
    def label(self) -> str:
        return LABELS[self.integration]

    def imports(self, marketplace: str) -> bool:
        """Whether reports of `marketplace` are imported: Payout only its listed marketplaces
        (all while it lists none), Order every marketplace it does not exclude."""
        wanted = marketplace.strip().casefold()
        listed = {m.marketplace.casefold(): m for m in self.marketplaces}
        if self.integration == Integration.ORDER:
            entry = listed.get(wanted)
            return entry is None or not entry.excluded
        return not listed or wanted in listed


class IntegrationMarketplace(db.Model):
    """A marketplace of an integration: used (Payout) or excluded (Order, `excluded`)."""

    __tablename__ = "integration_marketplaces"
    __table_args__ = (sa.UniqueConstraint("integration_id", "marketplace"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("client_integrations.id", ondelete="CASCADE"), index=True
    )
    marketplace: Mapped[str] = mapped_column(sa.String(40))  # "Amazon.de" or "amazon.de"
    excluded: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    integration: Mapped[ClientIntegration] = relationship(back_populates="marketplaces")


def ensure_integrations(client: Client) -> list[ClientIntegration]:
    """The client's two integrations, created with default settings where missing (idempotent;
    the caller commits)."""
    existing = {
        row.kind: row
        for row in db.session.scalars(sa.select(ClientIntegration).filter_by(client_id=client.id))
    }
    rows = []
    for integration in Integration:
        row = existing.get(integration.value)
        if row is None:
            row = ClientIntegration(client_id=client.id, kind=integration.value)
            db.session.add(row)
        rows.append(row)
    return rows
