"""The gap analysis of the migration wizard: which reports a client lacks before the connection day.

Amazon keeps reports for 90 days only, and the automatic import starts on the connection day
(DESIGN §1 item 3): whatever is missing before that day and older than the API reaches must be
uploaded, or it is lost for the bookkeeping. The analysis reads the stored reports (uploads and
API imports alike) and the connection; without a connection the connection day is today, so the
wizard can show it before the user connects, and nothing is lost by connecting late.

- Amazon Payout: per marketplace the settlements chain end to start (one every 14 days, DESIGN
  §2.3). A hole between one settlement's end and the next one's start, and the time between the
  last settlement and the connection day, are missing settlement periods.
- Amazon Order: one VAT Transactions Report per month, from the client's first imported month
  up to the month before the connection day.

Pure over the database rows: no Amazon call, no write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from datev.rules import CLEARING_ACCOUNT_STORES
from extensions import db
from models import Client
from models.amazon_connection import AmazonConnection
from models.booking_rules import Integration
from models.integration import ClientIntegration
from models.report import Report

# Amazon lists reports for 90 days; a request at exactly the boundary is refused, so the sync
# asks from "now minus 89 days" (DESIGN §2.3, jobs.amazon_sync). It runs once a day
# (SYNC_HOUR_UTC): the first fetch after a look at this analysis may come up to a day later,
# when "now minus 89 days" falls on today - 88. The first whole day it surely reaches is then
# today - 87. Erring this way costs an upload that turns out a duplicate; erring the other way
# would lose a report.
API_REACH = timedelta(days=87)
# Amazon closes a settlement about every 14 days per marketplace (DESIGN §2.3).
SETTLEMENT_PERIOD = timedelta(days=14)
# A settlement ends at the instant the next one starts; stored as days they may still differ by
# one (an end at 23:59:59, the next start at 00:00:00): that is no hole.
CHAIN_TOLERANCE = timedelta(days=1)

WHERE_TO_DOWNLOAD = {
    Integration.PAYOUT: (
        "Seller Central: Berichte > Zahlungen > Alle Abrechnungen / Berichts-Repository"
    ),
    Integration.ORDER: (
        "Seller Central: Berichte > Steuerdokumente > Umsatzsteuer-Transaktionsbericht"
    ),
}
REACHABLE_HINT = "wird automatisch nachgeholt"
UPLOAD_HINT = "bitte hochladen"


@dataclass(frozen=True)
class Gap:
    """A missing report: a settlement period of one marketplace, or an Order month."""

    integration: Integration
    start: date
    end: date  # Payout: the settlement's end day; Order: the month's last day
    reachable_by_api: bool
    marketplace: str = ""  # Payout only: "Amazon.de"

    @property
    def hint(self) -> str:
        return REACHABLE_HINT if self.reachable_by_api else UPLOAD_HINT

    @property
    def where_to_download(self) -> str:
        return WHERE_TO_DOWNLOAD[self.integration]


@dataclass(frozen=True)
class MarketplaceChain:
    """The uploaded settlements of one marketplace and the periods missing from their chain."""

    marketplace: str
    settlement_count: int
    first_start: date | None
    last_end: date | None
    gaps: list[Gap] = field(default_factory=list)


@dataclass(frozen=True)
class GapAnalysis:
    today: date
    connection_day: date
    connected: bool
    reach_start: date  # the first whole day the API still reaches
    payout: list[MarketplaceChain]
    order_months: list[Gap]  # one per month without an Order report, oldest first
    order_first_month: date | None  # where the Order months are counted from

    @property
    def gaps(self) -> list[Gap]:
        return [gap for chain in self.payout for gap in chain.gaps] + self.order_months

    @property
    def to_upload(self) -> list[Gap]:
        return [gap for gap in self.gaps if not gap.reachable_by_api]

    @property
    def to_fetch(self) -> list[Gap]:
        return [gap for gap in self.gaps if gap.reachable_by_api]

    @property
    def complete(self) -> bool:
        """Nothing must be uploaded: every missing report is still within the API's reach."""
        return not self.to_upload


def gap_analysis(client: Client, *, today: date) -> GapAnalysis:
    connection = db.session.scalar(sa.select(AmazonConnection).filter_by(client_id=client.id))
    connection_day = connection.connected_on if connection is not None else today
    reach_start = today - API_REACH
    reports = db.session.execute(
        sa.select(
            Report.integration, Report.marketplaces, Report.period_start, Report.period_end
        ).filter_by(client_id=client.id)
    ).all()
    settlements: dict[str, list[tuple[date, date]]] = defaultdict(list)
    order_spans: list[tuple[date, date]] = []
    for integration, marketplaces, start, end in reports:
        if integration == Integration.PAYOUT.value:
            settlements[settlement_marketplace(marketplaces)].append((start, end))
        else:
            order_spans.append((start, end))
    for marketplace in _listed_payout_marketplaces(client):
        if not any(m.casefold() == marketplace.casefold() for m in settlements):
            settlements[marketplace] = []
    payout = [
        settlement_chain(marketplace, spans, connection_day, reach_start)
        for marketplace, spans in sorted(settlements.items(), key=lambda item: item[0].casefold())
    ]
    # The client's start: its first report of either integration (settlements from January
    # and VAT reports only from March leave January and February without revenue).
    first_day = min((start for _, _, start, _ in reports), default=None)
    first_month = first_day.replace(day=1) if first_day is not None else None
    return GapAnalysis(
        today=today,
        connection_day=connection_day,
        connected=connection is not None,
        reach_start=reach_start,
        payout=payout,
        order_months=missing_months(order_spans, first_month, connection_day, reach_start),
        order_first_month=first_month,
    )


def settlement_marketplace(marketplaces: str) -> str:
    """The marketplace a settlement belongs to. Amazon settles each marketplace on its own, but
    a settlement's rows may also name "Non-Amazon ..." or nothing: prefer a known store."""
    names = [name for name in marketplaces.split(",") if name]
    known = {store.casefold() for store in CLEARING_ACCOUNT_STORES}
    return next((n for n in names if n.casefold() in known), names[0] if names else "")


def settlement_chain(
    marketplace: str, spans: list[tuple[date, date]], connection_day: date, reach_start: date
) -> MarketplaceChain:
    spans = sorted(spans)
    gaps: list[Gap] = []
    for (_, end), (next_start, _) in zip(spans, spans[1:], strict=False):
        if next_start - end > CHAIN_TOLERANCE:
            gaps += _periods(marketplace, end, next_start, reach_start, whole=False)
    if spans:
        last_end = max(end for _, end in spans)
        gaps += _periods(marketplace, last_end, connection_day, reach_start, whole=True)
    return MarketplaceChain(
        marketplace=marketplace,
        settlement_count=len(spans),
        first_start=spans[0][0] if spans else None,
        last_end=max((end for _, end in spans), default=None),
        gaps=gaps,
    )


def _periods(
    marketplace: str, start: date, end: date, reach_start: date, *, whole: bool
) -> list[Gap]:
    """The settlement periods between `start` and `end`, 14 days each.

    Between two settlements (whole=False) the hole is split into as many periods as fit, the
    last one taking the remainder, so that each is judged reachable on its own. Before the
    connection day (whole=True) only periods that ended by then count: the settlement that is
    still open on that day is published later and fetched by the daily import."""
    days = end - start
    count = days // SETTLEMENT_PERIOD if whole else max(1, round(days / SETTLEMENT_PERIOD))
    periods = []
    for index in range(count):
        period_start = start + index * SETTLEMENT_PERIOD
        period_end = end if not whole and index == count - 1 else period_start + SETTLEMENT_PERIOD
        periods.append(
            Gap(
                integration=Integration.PAYOUT,
                marketplace=marketplace,
                start=period_start,
                end=period_end,
                # Amazon publishes a settlement hours after its end: listed while the end lies
                # within the API's reach.
                reachable_by_api=period_end >= reach_start,
            )
        )
    return periods


def missing_months(
    spans: list[tuple[date, date]], first_month: date | None, connection_day: date, reach_start
) -> list[Gap]:
    """The months from `first_month` to the month before the connection day that no Order
    report covers. The VAT report of a month is requested (createReport), not listed: the sync
    asks for every month from the one its reach begins in (jobs.amazon_sync.due_vat_months)."""
    if first_month is None:
        return []
    covered = set()
    for start, end in spans:
        month = start.replace(day=1)
        while month <= end:
            covered.add(month)
            month = next_month(month)
    gaps = []
    month = first_month
    while month < connection_day.replace(day=1):
        if month not in covered:
            gaps.append(
                Gap(
                    integration=Integration.ORDER,
                    start=month,
                    end=next_month(month) - timedelta(days=1),
                    reachable_by_api=month >= reach_start.replace(day=1),
                )
            )
        month = next_month(month)
    return gaps


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _listed_payout_marketplaces(client: Client) -> list[str]:
    """The marketplaces the Payout integration is set up for: one without any settlement yet
    is shown too (its history cannot be judged, but it is not forgotten)."""
    row = db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=client.id, kind=Integration.PAYOUT.value)
    )
    return [m.marketplace for m in row.marketplaces] if row is not None else []
