"""Imported reports, their original files and the log of every import attempt.

Web and worker share no disk on Heroku-style hosts, so the original file lives in the database,
compressed (`StoredFile`). It is never changed after it was stored (GoBD): a rebuild reads the
stored transactions, never the file. Idempotency is a matter of unique constraints: one
settlement id per client (Payout), one activity period per client (Order).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.batch import Batch


class Source(StrEnum):
    UPLOAD = "upload"
    API = "api"


class StoredFile(db.Model):
    """An uploaded or downloaded report file, gzip-compressed, exactly as it arrived."""

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int]  # bytes before compression
    # gzip; deferred: the import reads it from the database in chunks (importing.archive)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    __tablename__ = "reports"
    __table_args__ = (
        # A settlement is imported once per client, whether by upload or by the API ...
        sa.UniqueConstraint("client_id", "settlement_id"),
        # ... and so is the VAT report of a month (NULLs are distinct: Payout rows have none).
        sa.UniqueConstraint("client_id", "activity_period"),
        sa.CheckConstraint("integration IN ('payout', 'order')", name="integration"),
        sa.CheckConstraint("source IN ('upload', 'api')", name="source"),
        sa.CheckConstraint(
            "(integration = 'payout' AND settlement_id IS NOT NULL AND activity_period IS NULL)"
            " OR (integration = 'order' AND activity_period IS NOT NULL"
            " AND settlement_id IS NULL)",
            name="identity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    integration: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(10))
    settlement_id: Mapped[str | None] = mapped_column(sa.String(30))
    activity_period: Mapped[str | None] = mapped_column(sa.String(30))  # "2025-APR"
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    sha256: Mapped[str] = mapped_column(sa.String(64))  # of the original file
    format: Mapped[str] = mapped_column(sa.String(30))  # v1, v2, vat-transactions
    period_start: Mapped[date]
    period_end: Mapped[date]
    deposit_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(sa.String(3), default="")  # "" if several
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))  # Payout: total-amount
    marketplaces: Mapped[str] = mapped_column(sa.String(500), default="")  # comma-separated
    transaction_count: Mapped[int] = mapped_column(default=0)
    reconciled: Mapped[bool] = mapped_column(default=True)
    imported_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    file: Mapped[StoredFile] = relationship()
    batches: Mapped[list[Batch]] = relationship(
        back_populates="report", order_by="Batch.version", cascade="all, delete-orphan"
    )

    @property
    def marketplace_list(self) -> list[str]:
        return [m for m in self.marketplaces.split(",") if m]

    @property
    def current_batch(self) -> Batch | None:
        return self.batches[-1] if self.batches else None


class ImportOutcome(StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"  # the identical file was imported before: nothing changed
    CONFLICT = "conflict"  # another file claims an imported settlement or month
    REFUSED = "refused"  # the parser or the booking engine refused the file


class ImportLogEntry(db.Model):
    """Every import attempt, also the refused ones (of which nothing else is kept)."""

    __tablename__ = "import_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    integration: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(10))
    file_name: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(10))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
