"""A client's connection to the Amazon Selling Partner API (DESIGN §2.2).

One connection per client: the seller's consent gives a refresh token, stored encrypted
(amazon.credentials), from which every job run gets an access token. The connection day is the
first day the daily import covers; what lies before it must come from uploads or the retroactive
import (the API reaches back 90 days), which is what the wizard's gap analysis is about.
Disconnecting deletes the row and with it the token; reports and batches keep their source.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.client import Client


class ConnectionState(StrEnum):
    ACTIVE = "active"
    # Amazon refused the refresh token (the seller revoked the app, or it expired): every job
    # of the connection stops until the user renews it through the consent flow.
    RENEWAL_NEEDED = "renewal_needed"


STATE_LABELS = {
    ConnectionState.ACTIVE: "Verbunden",
    ConnectionState.RENEWAL_NEEDED: "Erneuerung nötig",
}


class Region(StrEnum):
    EU = "EU"
    NA = "NA"
    FE = "FE"


class AmazonConnection(db.Model):
    __tablename__ = "amazon_connections"
    __table_args__ = (
        # A seller account belongs to one client: connecting it to a second one is refused.
        sa.UniqueConstraint("selling_partner_id", "region"),
        sa.CheckConstraint("state IN ('active', 'renewal_needed')", name="state"),
        sa.CheckConstraint("region IN ('EU', 'NA', 'FE')", name="region"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), unique=True
    )
    selling_partner_id: Mapped[str] = mapped_column(sa.String(40))
    region: Mapped[str] = mapped_column(sa.String(2), default=Region.EU.value)
    # Fernet token (amazon.credentials); never the plain refresh token.
    refresh_token_encrypted: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(20), default=ConnectionState.ACTIVE.value)
    connected_on: Mapped[date] = mapped_column(sa.Date)  # the connection day (UTC)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connected_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The daily sync: when it last ran and when it last got everything it asked for.
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")  # German, for the user

    client: Mapped[Client] = relationship()
    marketplaces: Mapped[list[ConnectionMarketplace]] = relationship(
        back_populates="connection",
        order_by="ConnectionMarketplace.country_code",
        cascade="all, delete-orphan",
    )

    @property
    def connection_state(self) -> ConnectionState:
        return ConnectionState(self.state)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.connection_state]

    @property
    def active(self) -> bool:
        return self.connection_state == ConnectionState.ACTIVE


class ConnectionMarketplace(db.Model):
    """A marketplace the seller participates in, as the Sellers API reported it at connection
    (getMarketplaceParticipations; refreshed on renewal)."""

    __tablename__ = "connection_marketplaces"
    __table_args__ = (sa.UniqueConstraint("connection_id", "marketplace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("amazon_connections.id", ondelete="CASCADE"), index=True
    )
    marketplace_id: Mapped[str] = mapped_column(sa.String(20))  # "A1PA6795UKMFR9"
    country_code: Mapped[str] = mapped_column(sa.String(2))  # "DE"
    name: Mapped[str] = mapped_column(sa.String(40))  # "Amazon.de"
    domain_name: Mapped[str] = mapped_column(sa.String(60), default="")  # "www.amazon.de"
    currency: Mapped[str] = mapped_column(sa.String(3))  # "EUR"
    store_name: Mapped[str] = mapped_column(sa.String(200), default="")
    participating: Mapped[bool] = mapped_column(default=True)

    connection: Mapped[AmazonConnection] = relationship(back_populates="marketplaces")
