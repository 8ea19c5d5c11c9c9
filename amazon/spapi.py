"""The SP-API client of one job run, on Amazon's SDK amzn-sp-api (DESIGN §2.1, §5).

The SDK builds its ApiClient with an access token fetched right away, so one SellingPartner
serves one job run; the token is renewed by amazon.lwa before the hour is over. Every SDK
failure leaves here as a typed amazon.errors exception: 429 -> Throttled (with how long to
wait), 5xx and network errors -> AmazonUnavailable, other refusals -> AmazonRequestRefused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

import urllib3

from amazon.entries import DocumentRef, Participation, ReportEntry
from amazon.errors import AmazonRequestRefused, AmazonUnavailable, Throttled
from amazon.lwa import AccessTokens, Application, TokenStore

__all__ = ["DocumentRef", "Participation", "ReportEntry", "SellingPartner"]

# (connect, read) seconds for every SP-API call: a hanging Amazon must not hold a worker.
TIMEOUT = (10, 60)
PAGE_SIZE = 100  # the largest page getReports allows
# Requests per second of each operation's usage plan (the official models), for a 429 that
# arrives before any answer announced the seller's actual rate in x-amzn-RateLimit-Limit.
DOCUMENTED_RATES = {
    "getReports": 0.0222,
    "createReport": 0.0167,
    "getReport": 2.0,
    "getReportDocument": 0.0167,
    "getMarketplaceParticipations": 0.016,
}
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"


class StoredConnection(Protocol):
    """What the client needs of a models.AmazonConnection."""

    region: str
    refresh_token_encrypted: str


def import_sdk() -> Any:
    """Import amzn-sp-api without letting it configure logging: its modules call
    logging.basicConfig(level=INFO) on import, which would change the app's root logger."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        import spapi
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    return spapi


class SellingPartner:
    """One seller account, through one application, for one job run."""

    def __init__(
        self,
        *,
        application: Application,
        refresh_token: str,
        endpoint: str,
        token_store: TokenStore | None = None,
    ) -> None:
        """token_store: where the access token is shared between job runs (amazon.lwa)."""
        spapi = import_sdk()
        self._api_exception = spapi.ApiException
        self._rates: dict[str, float] = {}
        configuration = spapi.Configuration()
        # Every Configuration adds a StreamHandler to the "spapi" and "urllib3" loggers: one
        # more per job run, each repeating every line. The app's logging decides instead.
        for logger in configuration.logger.values():
            logger.removeHandler(configuration.logger_stream_handler)
        configuration.host = endpoint.rstrip("/")
        self._tokens = AccessTokens(application, refresh_token, token_store)
        configuration.access_token_cache = self._tokens
        # Building the ApiClient fetches the access token: TokenRevoked surfaces here.
        api_client = self._call_sdk("token", lambda: spapi.ApiClient(configuration=configuration))
        # urllib3 would repeat a timed-out read three times (a hanging Amazon holding the
        # worker four times as long); a refused connection is worth one more try.
        api_client.rest_client.pool_manager.connection_pool_kw["retries"] = urllib3.Retry(
            total=2, connect=2, read=False, status=0, other=0, redirect=False
        )
        self._reports = spapi.ReportsApi(api_client)
        self._sellers = spapi.SellersApi(api_client)

    @classmethod
    def for_connection(
        cls, connection: StoredConnection, *, token_store: TokenStore | None = None
    ) -> SellingPartner:
        """The client of a stored connection, with the app's SPAPI_* settings."""
        from flask import current_app

        from amazon.credentials import decrypt_refresh_token

        config = current_app.config
        return cls(
            application=application_from_config(config),
            refresh_token=decrypt_refresh_token(connection.refresh_token_encrypted),
            endpoint=endpoint_for_region(config, connection.region),
            token_store=token_store,
        )

    # -- operations -----------------------------------------------------------------------

    def marketplace_participations(self) -> list[Participation]:
        data = self._call(
            "getMarketplaceParticipations",
            self._sellers.get_marketplace_participations_with_http_info,
        )
        return [
            Participation(
                marketplace_id=item.marketplace.id,
                country_code=item.marketplace.country_code,
                name=item.marketplace.name,
                domain_name=item.marketplace.domain_name or "",
                currency=item.marketplace.default_currency_code,
                store_name=item.store_name or "",
                participating=bool(item.participation.is_participating),
            )
            for item in data.payload or []
        ]

    def reports(
        self,
        report_types: list[str],
        *,
        created_since: datetime,
        marketplace_ids: list[str] | None = None,
        statuses: list[str] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[ReportEntry]:
        """Every report matching the filters, newest first, page after page."""
        filters: dict[str, Any] = {
            "report_types": list(report_types),
            "created_since": created_since,
            "page_size": page_size,
        }
        if marketplace_ids:
            filters["marketplace_ids"] = list(marketplace_ids)
        if statuses:
            filters["processing_statuses"] = list(statuses)
        page = self._call("getReports", self._reports.get_reports_with_http_info, **filters)
        while True:
            for report in page.reports or []:
                yield report_entry(report)
            if not page.next_token:
                return
            # nextToken must be the only parameter of the following calls.
            page = self._call(
                "getReports", self._reports.get_reports_with_http_info, next_token=page.next_token
            )

    def create_report(
        self,
        report_type: str,
        *,
        data_start: datetime,
        data_end: datetime,
        marketplace_ids: list[str],
    ) -> str:
        import_sdk()
        from spapi.models.reports_v2021_06_30 import CreateReportSpecification

        body = CreateReportSpecification(
            report_type=report_type,
            data_start_time=data_start,
            data_end_time=data_end,
            marketplace_ids=list(marketplace_ids),
        )
        data = self._call("createReport", self._reports.create_report_with_http_info, body)
        return data.report_id

    def report(self, report_id: str) -> ReportEntry:
        return report_entry(
            self._call("getReport", self._reports.get_report_with_http_info, report_id)
        )

    def document(self, document_id: str) -> DocumentRef:
        data = self._call(
            "getReportDocument", self._reports.get_report_document_with_http_info, document_id
        )
        return DocumentRef(
            document_id=data.report_document_id,
            url=data.url,
            compression=data.compression_algorithm or None,
        )

    # -- the SDK's failures as typed errors --------------------------------------------------

    def _call(self, operation: str, method, *args, **kwargs):
        def call():
            return method(*args, _request_timeout=TIMEOUT, **kwargs)

        data, _status, headers = self._call_sdk(operation, call, renew_on_403=True)
        self._remember_rate(operation, headers)
        return data

    def _call_sdk(self, operation: str, call, *, renew_on_403: bool = False):
        try:
            return call()
        except self._api_exception as error:
            if renew_on_403 and error.status == 403 and self._tokens.from_store:
                # A stored access token Amazon no longer accepts (the seller removed the app,
                # or it ended early): LWA decides, and raises TokenRevoked if the refresh token
                # is revoked too; with a fresh token the call is asked once more.
                self._tokens.renew()
                return self._call_sdk(operation, call)
            self._remember_rate(operation, error.headers)
            raise self._typed_error(operation, error) from error
        except urllib3.exceptions.HTTPError as error:  # timeouts, refused connections
            raise AmazonUnavailable(detail=f"{operation}: {type(error).__name__}") from error

    def _remember_rate(self, operation: str, headers) -> None:
        value = (headers or {}).get(RATE_LIMIT_HEADER)
        try:
            rate = float(value) if value else 0.0
        except ValueError:
            return
        if rate > 0:
            self._rates[operation] = rate

    def retry_after(self, operation: str) -> float:
        """Seconds until the operation's bucket has a token again (one token at its rate)."""
        rate = self._rates.get(operation) or DOCUMENTED_RATES.get(operation, 1.0)
        return 1.0 / rate

    def _typed_error(self, operation: str, error) -> Exception:
        status = error.status or 0
        detail = f"{operation} answered {status}: {error_code(error.body)}"
        if status == 429:
            return Throttled(
                retry_after=self.retry_after(operation), operation=operation, detail=detail
            )
        if status == 0 or status >= 500:
            return AmazonUnavailable(detail=detail)
        return AmazonRequestRefused(detail=detail)


def error_code(body) -> str:
    """'code: message' of the first error of an SP-API error body, or ''."""
    try:
        errors = json.loads(body or b"{}").get("errors") or [{}]
    except (ValueError, AttributeError):
        return ""
    first = errors[0] if isinstance(errors[0], dict) else {}
    return f"{first.get('code', '')}: {first.get('message', '')}"


def report_entry(report) -> ReportEntry:
    return ReportEntry(
        report_id=report.report_id,
        report_type=report.report_type,
        status=report.processing_status,
        document_id=report.report_document_id or None,
        created_time=report.created_time,
        data_start=report.data_start_time,
        data_end=report.data_end_time,
        marketplace_ids=tuple(report.marketplace_ids or ()),
    )


def application_from_config(config) -> Application:
    return Application(
        client_id=config["SPAPI_CLIENT_ID"],
        client_secret=config["SPAPI_CLIENT_SECRET"],
        token_endpoint=config["SPAPI_TOKEN_ENDPOINT"],
    )


def endpoint_for_region(config, region: str) -> str:
    """SPAPI_ENDPOINT_<REGION> where set (production sellers in several regions), else
    SPAPI_ENDPOINT (the sandbox serves every region)."""
    return config.get(f"SPAPI_ENDPOINT_{region}") or config["SPAPI_ENDPOINT"]
