"""DATEV booking batches (Buchungsstapel) of an imported report, in versions.

Rebuilding a batch adds a version and keeps the earlier ones (GoBD: nothing is silently
overwritten). The EXTF files themselves live in the database, since web and worker share no
disk on Heroku-style hosts. A batch is "veraltet" when the rules it was built with changed
(`rules_fingerprint` differs from the client's current rules).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.report import Report


class BatchState(StrEnum):
    CREATED = "created"  # erstellt
    DOWNLOADED = "downloaded"  # heruntergeladen
    OUTDATED = "outdated"  # veraltet: the rules changed since
    RULES_MISSING = "rules_missing"  # Regeln fehlen: amounts on the Klärungskonto


STATE_LABELS = {
    BatchState.CREATED: "erstellt",
    BatchState.DOWNLOADED: "heruntergeladen",
    BatchState.OUTDATED: "veraltet",
    BatchState.RULES_MISSING: "Regeln fehlen",
}


class Batch(db.Model):
    __tablename__ = "batches"
    __table_args__ = (sa.UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    bookings: Mapped[int] = mapped_column(default=0)
    unmatched: Mapped[int] = mapped_column(default=0)  # amounts on the Klärungskonto
    # The export summary (clearing balances, unmatched keys, notes, transfers) as JSON.
    summary: Mapped[str] = mapped_column(sa.Text, default="{}")
    rules_fingerprint: Mapped[str] = mapped_column(sa.String(64), default="")
    outdated: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="batches")
    files: Mapped[list[BatchFile]] = relationship(
        back_populates="batch", order_by="BatchFile.name", cascade="all, delete-orphan"
    )

    @property
    def state(self) -> BatchState:
        if self.outdated:
            return BatchState.OUTDATED
        if self.unmatched:
            return BatchState.RULES_MISSING
        if self.downloaded_at is not None:
            return BatchState.DOWNLOADED
        return BatchState.CREATED

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


class BatchFile(db.Model):
    """One EXTF file of a batch (a batch splits by booking period and at 99,999 bookings)."""

    __tablename__ = "batch_files"
    __table_args__ = (sa.UniqueConstraint("batch_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        sa.ForeignKey("batches.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))  # EXTF_....csv
    period_start: Mapped[date]
    period_end: Mapped[date]
    bookings: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # Windows-1252, CRLF, as validated. The last column: SQLite writes a blob there in place,
    # without building it in memory (importing.batches streams the file in).
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)

    batch: Mapped[Batch] = relationship(back_populates="files")
