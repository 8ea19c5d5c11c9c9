"""What the SP-API answers, as plain values (amazon.spapi makes them from the SDK's models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Participation:
    marketplace_id: str
    country_code: str
    name: str
    domain_name: str
    currency: str
    store_name: str
    participating: bool


@dataclass(frozen=True)
class ReportEntry:
    report_id: str
    report_type: str
    status: str  # IN_QUEUE, IN_PROGRESS, DONE, CANCELLED, FATAL
    document_id: str | None
    created_time: datetime
    data_start: datetime
    data_end: datetime
    marketplace_ids: tuple[str, ...]


@dataclass(frozen=True)
class DocumentRef:
    document_id: str
    url: str  # pre-signed, valid 5 minutes, no token
    compression: str | None  # "GZIP" or None
