"""The durable record of a background job (RQ results expire; this row does not)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from models.report import Report


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(StrEnum):
    IMPORT = "import"  # parse, store and book one uploaded or downloaded file
    REBUILD = "rebuild"  # build a new batch version from the stored transactions
    SYNC = "sync"  # the (daily) fetch of a connection's new reports through the API
    RETROACTIVE = "retroactive"  # every report of one marketplace not yet imported, 90 days back
    VAT_REQUEST = "vat_request"  # request, poll and import the VAT report of one month


# The reports a run imported (a sync imports several), for its summary e-mail and history.
job_run_reports = sa.Table(
    "job_run_reports",
    db.metadata,
    sa.Column("job_run_id", sa.ForeignKey("job_runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("report_id", sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True),
)


STATE_LABELS = {
    JobState.QUEUED: "wartet",
    JobState.RUNNING: "läuft",
    JobState.DONE: "fertig",
    JobState.FAILED: "fehlgeschlagen",
}


class JobRun(db.Model):
    __tablename__ = "job_runs"
    __table_args__ = (
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    integration: Mapped[str] = mapped_column(sa.String(10), default="")
    state: Mapped[str] = mapped_column(sa.String(10), default=JobState.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)  # percent
    message: Mapped[str] = mapped_column(sa.String(500), default="")  # what it does now
    error: Mapped[str] = mapped_column(sa.Text, default="")  # German, for the user
    file_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("stored_files.id", ondelete="SET NULL")
    )
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reports.id", ondelete="SET NULL"))
    rq_job_id: Mapped[str] = mapped_column(sa.String(100), default="")
    # What the run is about beyond client and integration: the month of a VAT request
    # ("2026-10"), the marketplace id of a retroactive import.
    subject: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reports: Mapped[list[Report]] = relationship(secondary=job_run_reports, order_by="Report.id")

    @property
    def state_label(self) -> str:
        return STATE_LABELS[JobState(self.state)]

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
