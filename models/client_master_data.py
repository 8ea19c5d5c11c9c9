"""Client master data for stock transfers: the seller's own foreign VAT ids and the SKU costs.

A transfer DE -> PL is an intra-community supply under the seller's own Polish VAT id, valued at
the cost of the goods (datev/transfers.py); both come from here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

SKU_MAX_LENGTH = 100
COST_SCALE = 4  # decimals of a unit cost (0,0125 EUR exists); bookings round to cents


class ClientVatId(db.Model):
    """The seller's VAT id in another EU country (one per country)."""

    __tablename__ = "client_vat_ids"
    __table_args__ = (sa.UniqueConstraint("client_id", "country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO code, GR for Greece
    vat_id: Mapped[str] = mapped_column(sa.String(20))  # compact, with the prefix (EL for GR)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SkuCost(db.Model):
    """What one unit of a SKU cost the seller, in EUR."""

    __tablename__ = "sku_costs"
    __table_args__ = (
        sa.UniqueConstraint("client_id", "sku"),
        sa.CheckConstraint("cost > 0", name="cost_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(sa.String(SKU_MAX_LENGTH))
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(14, COST_SCALE))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def own_vat_ids_of(client_id: int) -> dict[str, str]:
    """Country -> the seller's VAT id there, as datev.transfers takes it."""
    rows = db.session.scalars(sa.select(ClientVatId).filter_by(client_id=client_id))
    return {row.country: row.vat_id for row in rows}


def sku_costs_of(client_id: int) -> dict[str, Decimal]:
    """SKU -> unit cost in EUR, as datev.transfers takes it."""
    rows = db.session.scalars(sa.select(SkuCost).filter_by(client_id=client_id))
    return {row.sku: row.cost for row in rows}
