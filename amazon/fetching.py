"""Reports fetched through the SP-API into the database, by the same import as uploads
(amazon/ sits above importing/ in the layers: it hands what it fetched to the import).

    entries = settlements_to_fetch(client, partner.reports(...), marketplace_names)
    result = fetch_and_import(client, integration, partner, entry.report_id, entry.document_id,
                              file_name=settlement_file_name(entry.report_id), user_id=None)

The jobs (jobs.amazon_sync) decide what to list and when to try again; this module decides what
is worth downloading and turns one document into an imported report. Nothing is imported twice:
what the listing shows again is skipped before the download (its report id was fetched before,
or a report of that settlement period was imported, uploads included), and what slips through
the import's own checks find (the unique settlement id, the unique month).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from amazon.documents import download
from amazon.errors import CorruptDocument, DocumentExpired
from importing.archive import store_file
from importing.intake import IntakeResult, import_file
from models import db
from models.booking_rules import Integration
from models.client import Client
from models.integration import ClientIntegration
from models.report import ImportLogEntry, ImportOutcome, Report, Source

SETTLEMENT_V2 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"
# The older flat file, listed for the same settlements until Amazon removed it (DESIGN §2.3).
SETTLEMENT_V1 = "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"
SETTLEMENT_TYPES = (SETTLEMENT_V2, SETTLEMENT_V1)
VAT_REPORT = "GET_VAT_TRANSACTION_DATA"
# A pre-signed URL lives 5 minutes and a download can break off: a fresh URL each time.
DOWNLOAD_ATTEMPTS = 3


class ReportEntry(Protocol):
    report_id: str
    report_type: str
    status: str
    document_id: str | None
    created_time: datetime
    data_start: datetime
    data_end: datetime
    marketplace_ids: list[str]


class Partner(Protocol):
    """What this module needs of amazon.spapi.SellingPartner."""

    def document(self, document_id: str): ...


def settlement_file_name(report_id: str) -> str:
    return f"amazon-settlement-{report_id}.txt"


def vat_file_name(month: date, report_id: str) -> str:
    return f"amazon-vat-{month:%Y-%m}-{report_id}.txt"


def settlements_to_fetch(
    client: Client, entries: Iterable[ReportEntry], marketplace_names: Mapping[str, str]
) -> list[ReportEntry]:
    """The settlement report entries worth downloading, oldest first: one per settlement (V2;
    V1 only where V2 is missing; of an entry listed twice the first), none whose report id was
    fetched before, none of a settlement period already imported.

    `marketplace_names` maps the marketplace ids to their names ("Amazon.de"), the names the
    settlement files carry; the caller leaves out the marketplaces it does not import.
    """
    chosen: dict[tuple, ReportEntry] = {}
    for entry in sorted(entries, key=_preference):
        if entry.status != "DONE" or entry.document_id is None:
            continue  # settlements are listed DONE; anything else shows up again later
        if entry.report_type not in SETTLEMENT_TYPES:
            continue
        if not set(entry.marketplace_ids) <= set(marketplace_names):
            continue
        chosen.setdefault(_settlement_key(entry), entry)
    names = [settlement_file_name(e.report_id) for e in chosen.values()]
    fetched = _fetched_file_names(client.id, names)
    imported = _imported_periods(client.id)
    wanted = [
        entry
        for entry in chosen.values()
        if settlement_file_name(entry.report_id) not in fetched
        and not any(
            (entry.data_start.date(), entry.data_end.date(), marketplace_names[m].casefold())
            in imported
            for m in entry.marketplace_ids
        )
    ]
    return sorted(wanted, key=lambda e: (e.data_start, e.report_id))


def _preference(entry: ReportEntry) -> tuple:
    return (
        SETTLEMENT_TYPES.index(entry.report_type)
        if entry.report_type in SETTLEMENT_TYPES
        else len(SETTLEMENT_TYPES),
        entry.created_time,
        entry.report_id,
    )


def _settlement_key(entry: ReportEntry) -> tuple:
    return (tuple(sorted(entry.marketplace_ids)), entry.data_start, entry.data_end)


def _fetched_file_names(client_id: int, names: list[str]) -> set[str]:
    """Of `names`, those fetched before and settled: imported, a duplicate, or in conflict
    with another file of the settlement. A refused one (no booking rules yet, say) is fetched
    again by the next sync: the user may have fixed what refused it."""
    if not names:
        return set()
    rows = db.session.scalars(
        sa.select(ImportLogEntry.file_name).where(
            ImportLogEntry.client_id == client_id,
            ImportLogEntry.source == Source.API.value,
            ImportLogEntry.file_name.in_(names),
            ImportLogEntry.outcome != ImportOutcome.REFUSED.value,
        )
    )
    return set(rows)


def _imported_periods(client_id: int) -> set[tuple[date, date, str]]:
    """(start, end, marketplace name) of every settlement the client has, uploads included."""
    rows = db.session.execute(
        sa.select(Report.period_start, Report.period_end, Report.marketplaces).where(
            Report.client_id == client_id, Report.integration == Integration.PAYOUT.value
        )
    )
    return {
        (start, end, name.strip().casefold())
        for start, end, names in rows
        for name in names.split(",")
        if name.strip()
    }


def vat_month_imported(client_id: int, month: date) -> bool:
    """Whether the client has the VAT report of `month` (by upload or API)."""
    found = db.session.scalar(
        sa.select(Report.id)
        .where(
            Report.client_id == client_id,
            Report.integration == Integration.ORDER.value,
            Report.period_start <= month,
            Report.period_end >= month,
        )
        .limit(1)
    )
    return found is not None


def fetch_and_import(
    client: Client,
    integration: Integration | ClientIntegration,
    partner: Partner,
    document_id: str,
    *,
    file_name: str,
    user_id: int | None,
    max_bytes: int,
) -> IntakeResult:
    """getReportDocument, download, archive the file like an upload, import it (source API).

    An expired URL or a broken download asks for a fresh URL and downloads again, a few times;
    then the error propagates (the job tries again later). Throttled, AmazonUnavailable and
    TokenRevoked propagate at once.
    """
    with tempfile.TemporaryDirectory(prefix="kontor-fetch-") as folder:
        path = _download(partner, document_id, Path(folder) / "report", max_bytes=max_bytes)
        with open(path, "rb") as stream:
            stored = store_file(client.id, file_name, stream, user_id=user_id, max_bytes=max_bytes)
        return import_file(client, integration, stored, source=Source.API, user_id=user_id)


def _download(partner: Partner, document_id: str, target: Path, *, max_bytes: int) -> Path:
    for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
        ref = partner.document(document_id)
        try:
            return download(ref, target, max_bytes=max_bytes)
        except (DocumentExpired, CorruptDocument):
            if attempt == DOWNLOAD_ATTEMPTS:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")
