"""Everything the sandbox knows, in memory: sellers, tokens, reports, limits and faults.

The seeded part (sellers, settlements, VAT data) is recomputed from the seed and the clock, so a
restart with the same seed shows the same Amazon; what clients create (authorization codes,
requested reports, schedules, revocations) lives only as long as the process.
"""

import gzip
import hashlib
import hmac
import json
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache, partial

from sandbox import settlements, vat
from sandbox.clock import SandboxClock
from sandbox.limits import Faults, RateLimiter
from sandbox.marketplaces import Marketplace
from sandbox.orders import period, period_index_at
from sandbox.sellers import Seller, derive, derive_digits, seeded_sellers
from sandbox.tokens import TokenSigner

RETENTION = timedelta(days=90)
ACCESS_TOKEN_LIFETIME = 3600
AUTHORIZATION_CODE_LIFETIME = timedelta(minutes=5)
DOCUMENT_URL_LIFETIME = timedelta(minutes=5)
# VAT reports wait this long in the queue and in processing (divided by the time scale).
VAT_QUEUE_SECONDS = 2.0
VAT_PROCESSING_SECONDS = 6.0
SETTLEMENT_REPORT_TYPES = {
    settlements.REPORT_TYPE,
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
    "GET_V2_SETTLEMENT_REPORT_DATA_XML",
}
# Report types the sandbox accepts but has no data for: they end CANCELLED, as Amazon's do
# when there is nothing to report.
OTHER_REPORT_TYPES = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
    "GET_FLAT_FILE_VAT_INVOICE_DATA_REPORT",
    "GET_DATE_RANGE_FINANCIAL_TRANSACTION_DATA",
    "GET_MERCHANT_LISTINGS_ALL_DATA",
    "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
}
KNOWN_REPORT_TYPES = SETTLEMENT_REPORT_TYPES | OTHER_REPORT_TYPES | {vat.REPORT_TYPE}


def iso(value: datetime | None) -> str | None:
    """Amazon's date-time style: seconds and an explicit +00:00 offset."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass
class ReportEntry:
    """A report as getReport shows it, plus how to produce its document."""

    report_id: str
    seller: Seller
    report_type: str
    marketplace_ids: list[str]
    created: datetime
    data_start: datetime | None
    data_end: datetime | None
    processing_start: datetime | None
    processing_end: datetime | None
    status: str
    document_id: str | None = None
    schedule_id: str | None = None

    def to_json(self) -> dict:
        body = {
            "reportId": self.report_id,
            "reportType": self.report_type,
            "marketplaceIds": self.marketplace_ids,
            "createdTime": iso(self.created),
            "processingStatus": self.status,
            "dataStartTime": iso(self.data_start),
            "dataEndTime": iso(self.data_end),
            "processingStartTime": iso(self.processing_start),
            "processingEndTime": iso(self.processing_end),
            "reportDocumentId": self.document_id,
            "reportScheduleId": self.schedule_id,
        }
        return {key: value for key, value in body.items() if value is not None}


@dataclass
class RequestedReport:
    """A report a client created with createReport."""

    report_id: str
    seller: Seller
    report_type: str
    marketplace_ids: list[str]
    created: datetime
    data_start: datetime
    data_end: datetime
    outcome: str  # what processing ends in: DONE, FATAL or CANCELLED
    month: date | None = None
    cancelled: datetime | None = None

    def entry(self, now: datetime, time_scale: float) -> ReportEntry:
        started = self.created + timedelta(seconds=VAT_QUEUE_SECONDS / time_scale)
        ended = started + timedelta(seconds=VAT_PROCESSING_SECONDS / time_scale)
        entry = ReportEntry(
            self.report_id,
            self.seller,
            self.report_type,
            self.marketplace_ids,
            self.created,
            self.data_start,
            self.data_end,
            None,
            None,
            "IN_QUEUE",
        )
        if self.cancelled is not None:
            entry.status = "CANCELLED"
        elif now >= ended:
            entry.status = self.outcome
            entry.processing_start, entry.processing_end = started, ended
            if self.outcome in ("DONE", "FATAL"):
                # A FATAL report may carry a document too: one that explains the failure
                # (developer docs, "Verify that report processing is complete"), not data.
                entry.document_id = document_id_for(self.report_id)
        elif now >= started:
            entry.status = "IN_PROGRESS"
            entry.processing_start = started
        return entry


def fatal_document(report: "RequestedReport") -> str:
    """The document of a FATAL report: why it failed, as JSON, instead of report data."""
    available = vat.available_from(report.month).date().isoformat()
    return json.dumps(
        {
            "errorDetails": f"The report for {report.month:%Y-%m} is not available yet. "
            f"Request it on or after {available}."
        }
    )


# Room for every settlement of SANDBOX_SELLERS=200 (about 200 x 3 marketplaces x 26 periods).
@lru_cache(maxsize=65536)
def published_settlements(seed: str, seller: Seller, mp: Marketplace, index: int):
    """(report id, report type, period, created) of the report entries of one settlement."""
    p = period(seed, seller, mp, index)
    created, _ = settlements.publication(seed, p)
    copies = [("", created)]
    if index % 10 == 4:
        # Amazon sometimes lists one settlement twice (DESIGN §2.3).
        copies.append(("copy", created + timedelta(minutes=47)))
    # Amazon publishes every settlement in each flat-file layout, under its own report id.
    return tuple(
        (derive_digits(seed, 11, "report", *p.key, copy, suffix), kind, p, when)
        for copy, when in copies
        for kind, suffix in ((settlements.REPORT_TYPE, ""), (settlements.V1_REPORT_TYPE, "v1"))
    )


def document_id_for(report_id: str) -> str:
    return "amzn1.spdoc.1.4.eu." + str(
        uuid.UUID(bytes=hashlib.sha256(report_id.encode()).digest()[:16])
    )


@dataclass
class Schedule:
    schedule_id: str
    seller: Seller
    report_type: str
    marketplace_ids: list[str]
    period: str
    report_options: dict
    next_creation: datetime

    def to_json(self) -> dict:
        body = {
            "reportScheduleId": self.schedule_id,
            "reportType": self.report_type,
            "marketplaceIds": self.marketplace_ids,
            "period": self.period,
            "nextReportCreationTime": iso(self.next_creation),
        }
        if self.report_options:
            body["reportOptions"] = self.report_options
        return body


@dataclass
class AuthorizationCode:
    seller: Seller
    client_id: str
    redirect_uri: str
    expires: datetime


@dataclass
class SandboxState:
    seed: str
    clock: SandboxClock
    client_id: str
    client_secret: str
    application_id: str
    redirect_uris: list[str]
    draft: bool
    time_scale: float
    limiter: RateLimiter
    faults: Faults
    seller_count: int | None = None  # SANDBOX_SELLERS; None: the four hand-made sellers
    history_start: datetime = field(init=False)
    sellers: list[Seller] = field(init=False)

    def __post_init__(self):
        self.lock = threading.RLock()
        self.sellers = seeded_sellers(self.seed, self.seller_count)
        self._by_id = {seller.selling_partner_id: seller for seller in self.sellers}
        # Who owns a document, learnt when its seller asked for it: the pre-signed download
        # carries no token, and scanning every seller's reports grows with SANDBOX_SELLERS.
        self._document_owners: dict[str, Seller] = {}
        self.history_start = self.clock.now()
        self.signer = TokenSigner(derive(self.seed, "token-key"))
        self._generations: dict[str, int] = {}
        self._codes: dict[str, AuthorizationCode] = {}
        self._requested: dict[str, RequestedReport] = {}
        self._schedules: dict[str, Schedule] = {}
        # Ids of what clients create must not repeat after a restart, as a client may still
        # poll an id it got from the previous process.
        self._report_counter = 50_000_000_000 + secrets.randbelow(10**10)
        self._schedule_counter = 50_000_000_000 + secrets.randbelow(10**10)

    # -- sellers and tokens -------------------------------------------------------------

    def seller(self, selling_partner_id: str) -> Seller | None:
        return self._by_id.get(selling_partner_id)

    def seeded_refresh_token(self, seller: Seller) -> str:
        """The refresh token `flask sandbox credentials` hands out (valid until revoked)."""
        return self.signer.issue(
            "Atzr",
            {"s": seller.selling_partner_id, "c": self.client_id, "g": 0, "n": "seeded"},
        )

    def issue_refresh_token(self, seller: Seller, client_id: str) -> str:
        with self.lock:
            generation = self._generations.get(seller.selling_partner_id, 0)
        return self.signer.issue(
            "Atzr",
            {
                "s": seller.selling_partner_id,
                "c": client_id,
                "g": generation,
                "n": secrets.token_hex(8),
            },
        )

    def issue_access_token(self, seller: Seller, client_id: str) -> str:
        expires = self.clock.now().timestamp() + ACCESS_TOKEN_LIFETIME
        with self.lock:
            generation = self._generations.get(seller.selling_partner_id, 0)
        return self.signer.issue(
            "Atza",
            {
                "s": seller.selling_partner_id,
                "c": client_id,
                "g": generation,
                "e": int(expires),
                "n": secrets.token_hex(4),
            },
        )

    def _current(self, payload: dict | None) -> Seller | None:
        if payload is None:
            return None
        seller = self.seller(str(payload.get("s")))
        with self.lock:
            generation = self._generations.get(str(payload.get("s")), 0)
        if seller is None or payload.get("g") != generation:
            return None
        return seller

    def refresh_token_seller(self, token: str | None, client_id: str) -> Seller | None:
        payload = self.signer.read("Atzr", token)
        if payload is None or payload.get("c") != client_id:
            return None
        return self._current(payload)

    def access_token_seller(self, token: str | None) -> tuple[Seller | None, str]:
        """(seller, "") for a valid token, else (None, why) in Amazon's words."""
        payload = self.signer.read("Atza", token)
        seller = self._current(payload)
        if seller is None:
            return None, "The access token you provided is revoked, malformed or invalid."
        if self.clock.now().timestamp() >= payload.get("e", 0):
            return None, "The access token you provided has expired."
        return seller, ""

    def revoke(self, seller: Seller) -> None:
        """The seller removed the app: every token issued so far stops working."""
        with self.lock:
            key = seller.selling_partner_id
            self._generations[key] = self._generations.get(key, 0) + 1

    def create_code(self, seller: Seller, redirect_uri: str) -> str:
        code = "RH" + secrets.token_urlsafe(15)
        with self.lock:
            self._codes[code] = AuthorizationCode(
                seller,
                self.client_id,
                redirect_uri,
                self.clock.now() + AUTHORIZATION_CODE_LIFETIME,
            )
        return code

    def redeem_code(self, code: str, client_id: str, redirect_uri: str | None) -> Seller | None:
        """The seller behind a valid code; every code works once."""
        with self.lock:
            grant = self._codes.pop(code, None)
        if grant is None or grant.client_id != client_id or self.clock.now() >= grant.expires:
            return None
        if redirect_uri and redirect_uri != grant.redirect_uri:
            return None
        return grant.seller

    # -- settlement reports -------------------------------------------------------------

    def first_index(self, seller: Seller, marketplace: Marketplace) -> int:
        months = min(seller.profile.months_selling, 12)
        start = self.history_start - timedelta(days=round(months * 30.44))
        return period_index_at(self.seed, seller, marketplace, start) + 1

    def settlement_entries(self, seller: Seller, *, include_expired=False) -> list[ReportEntry]:
        """Every settlement report Amazon has published for `seller` by now."""
        now = self.clock.now()
        entries = []
        for mp in seller.marketplaces:
            last = period_index_at(self.seed, seller, mp, now)
            for index in range(self.first_index(seller, mp), last + 1):
                published = published_settlements(self.seed, seller, mp, index)
                for report_id, kind, p, created in published:
                    if created > now or (not include_expired and created < now - RETENTION):
                        continue
                    entries.append(
                        ReportEntry(
                            report_id,
                            seller,
                            kind,
                            [mp.id],
                            created,
                            p.start,
                            p.end,
                            # Amazon creates them already processed: created, started and
                            # ended at one instant (never started before created).
                            created,
                            created,
                            "DONE",
                            document_id=document_id_for(report_id),
                        )
                    )
        return entries

    def settlement_text(self, seller: Seller, entry: ReportEntry) -> str:
        mp = next(m for m in seller.marketplaces if m.id == entry.marketplace_ids[0])
        index = period_index_at(self.seed, seller, mp, entry.data_start)
        p = period(self.seed, seller, mp, index)
        settlement = settlements.build_settlement(self.seed, p, self.first_index(seller, mp))
        if entry.report_type == settlements.V1_REPORT_TYPE:
            return settlements.render_v1(settlement)
        return settlements.render(settlement)

    # -- requested reports --------------------------------------------------------------

    def create_report(
        self,
        seller: Seller,
        report_type: str,
        marketplace_ids: list[str],
        data_start: datetime | None,
        data_end: datetime | None,
    ) -> str:
        now = self.clock.now()
        data_start = data_start or now
        data_end = data_end or now
        month = None
        outcome = "CANCELLED"
        if report_type == vat.REPORT_TYPE:
            month = vat.month_of(data_start)
            if now < vat.available_from(month):
                outcome = "FATAL"
            elif vat.render(self.seed, seller, month, self.first_index) is not None:
                outcome = "DONE"
        with self.lock:
            self._report_counter += 1
            report_id = str(self._report_counter)
            self._requested[report_id] = RequestedReport(
                report_id,
                seller,
                report_type,
                marketplace_ids,
                now,
                data_start,
                data_end,
                outcome,
                month,
            )
        return report_id

    def requested_entries(self, seller: Seller) -> list[ReportEntry]:
        now = self.clock.now()
        with self.lock:
            reports = [r for r in self._requested.values() if r.seller == seller]
        return [r.entry(now, self.time_scale) for r in reports if r.created >= now - RETENTION]

    def all_entries(self, seller: Seller) -> list[ReportEntry]:
        return self.settlement_entries(seller) + self.requested_entries(seller)

    def entry(self, seller: Seller, report_id: str) -> ReportEntry | None:
        return next((e for e in self.all_entries(seller) if e.report_id == report_id), None)

    def cancel_report(self, seller: Seller, report_id: str) -> bool:
        """Cancel an IN_QUEUE report; False when it is in any other state."""
        entry = self.entry(seller, report_id)
        if entry is None or entry.status != "IN_QUEUE":
            return False
        with self.lock:
            self._requested[report_id].cancelled = self.clock.now()
        return True

    def find_document(
        self, document_id: str, seller: Seller | None = None, *, include_expired: bool = False
    ) -> tuple[Seller, Callable[[], str]] | None:
        """(owner, function producing the text) of a report document, or None.

        Download URLs carry no token, so the owner is found from the document id alone."""
        now = self.clock.now()
        with self.lock:
            requested = list(self._requested.values())
        for report in requested:
            if seller not in (None, report.seller) or report.month is None:
                continue
            if report.entry(now, self.time_scale).document_id == document_id:
                if report.outcome == "FATAL":
                    return report.seller, partial(fatal_document, report)
                return report.seller, partial(
                    vat.render, self.seed, report.seller, report.month, self.first_index
                )
        known_owner = seller or self._document_owners.get(document_id)
        for owner in [known_owner] if known_owner else self.sellers:
            for entry in self.settlement_entries(owner, include_expired=include_expired):
                if entry.document_id == document_id:
                    self._document_owners[document_id] = owner
                    return owner, partial(self.settlement_text, owner, entry)
        return None

    # -- pre-signed document URLs -------------------------------------------------------

    def _url_signature(self, document_id: str, stamp: str, content_encoding: str = "") -> str:
        key = derive(self.seed, "url-key")
        message = f"{document_id}:{stamp}" + (f":{content_encoding}" if content_encoding else "")
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

    def presign(self, base_url: str, document_id: str, content_encoding: str = "") -> str:
        """A pre-signed URL; `content_encoding="gzip"` makes the download carry
        `Content-Encoding: gzip` (S3's signed response-content-encoding override), as Amazon's
        URLs do for getReportDocument?enableContentEncodingUrlHeader=true."""
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%SZ")
        override = f"&response-content-encoding={content_encoding}" if content_encoding else ""
        signature = self._url_signature(document_id, stamp, content_encoding)
        return (
            f"{base_url.rstrip('/')}/_documents/{document_id}"
            f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={stamp}"
            f"&X-Amz-Expires={int(DOCUMENT_URL_LIFETIME.total_seconds())}{override}"
            f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
        )

    def check_presigned(
        self, document_id: str, stamp: str, signature: str, content_encoding: str = ""
    ) -> str:
        """Whether a pre-signed URL is "ok", "expired" or "invalid"."""
        expected = self._url_signature(document_id, stamp, content_encoding)
        if not hmac.compare_digest(signature, expected):
            return "invalid"
        try:
            signed = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        except ValueError:
            return "invalid"
        return "ok" if self.clock.now() < signed + DOCUMENT_URL_LIFETIME else "expired"

    @staticmethod
    def compress(text: str) -> bytes:
        """EU documents are Windows-1252 text, gzip-compressed; mtime 0 keeps them stable."""
        return gzip.compress(text.encode("cp1252"), mtime=0)

    # -- schedules ----------------------------------------------------------------------

    def create_schedule(
        self, seller, report_type, marketplace_ids, period_, options, next_creation
    ) -> str:
        with self.lock:
            for key, existing in list(self._schedules.items()):
                if (existing.seller, existing.report_type, existing.marketplace_ids) == (
                    seller,
                    report_type,
                    marketplace_ids,
                ):
                    del self._schedules[key]
            self._schedule_counter += 1
            schedule_id = str(self._schedule_counter)
            self._schedules[schedule_id] = Schedule(
                schedule_id,
                seller,
                report_type,
                marketplace_ids,
                period_,
                options,
                next_creation or self.clock.now() + timedelta(days=1),
            )
        return schedule_id

    def schedules(self, seller: Seller) -> list[Schedule]:
        with self.lock:
            return [s for s in self._schedules.values() if s.seller == seller]

    def cancel_schedule(self, seller: Seller, schedule_id: str) -> bool:
        with self.lock:
            schedule = self._schedules.get(schedule_id)
            if schedule is None or schedule.seller != seller:
                return False
            del self._schedules[schedule_id]
            return True

    def reset(self) -> None:
        """Forget what clients created; the seeded data stays."""
        with self.lock:
            self._generations.clear()
            self._codes.clear()
            self._requested.clear()
            self._schedules.clear()
        self.limiter.reset()
        self.faults.clear()
