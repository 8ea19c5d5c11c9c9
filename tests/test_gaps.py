"""The gap analysis names exactly the settlements and months a client lacks before the connection
day, and for each whether the API still reaches it or it must be uploaded: the daily sync asks
from "now minus 89 days", so the first whole day it surely reaches is today - 87."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest

from commands.demo import LEFT_OUT, history_files, marketplaces_of, seed_demo, seed_history
from importing.gaps import (
    REACHABLE_HINT,
    UPLOAD_HINT,
    WHERE_TO_DOWNLOAD,
    gap_analysis,
)
from models import AmazonConnection, Report, StoredFile
from models.booking_rules import Integration
from models.integration import IntegrationMarketplace, ensure_integrations
from tests.factories import make_client, make_user

TODAY = date(2026, 12, 2)  # the API reaches back to 6 September 2026
FORTNIGHT = timedelta(days=14)
_settlement_ids = count(24288684721)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@pytest.fixture
def shop(app, db_session):
    user = make_user("lücken@example.org")
    return make_client(user.organisation_id, name="Lindenhof Küche GmbH")


def _file(shop, name):
    return StoredFile(client_id=shop.id, file_name=name, sha256="0" * 64, size=1, content=b"")


def settlement(shop, start: date, marketplace="Amazon.de", source="upload", currency="EUR"):
    settlement_id = str(next(_settlement_ids))
    return Report(
        client_id=shop.id,
        integration="payout",
        source=source,
        settlement_id=settlement_id,
        file=_file(shop, f"settlement-{settlement_id}.txt"),
        sha256="0" * 64,
        format="v2",
        period_start=start,
        period_end=start + FORTNIGHT,
        currency=currency,
        marketplaces=marketplace,
    )


def vat_report(shop, month: date, source="upload"):
    last = (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return Report(
        client_id=shop.id,
        integration="order",
        source=source,
        activity_period=f"{month.year}-{MONTHS[month.month - 1]}",
        file=_file(shop, f"vat-{month:%Y-%m}.txt"),
        sha256="0" * 64,
        format="vat-transactions",
        period_start=month,
        period_end=last,
        marketplaces="amazon.de,amazon.fr",
    )


def chain(shop, first: date, periods: int, *, skip=(), marketplace="Amazon.de"):
    """`periods` settlements of 14 days from `first`, the indexes in `skip` left out."""
    return [
        settlement(shop, first + i * FORTNIGHT, marketplace)
        for i in range(periods)
        if i not in skip
    ]


@pytest.fixture
def history(shop, db_session):
    """Amazon.de from 29 May to 21 August 2026 without the settlement of 10-24 July; Amazon.fr
    complete from 3 June to 26 August; VAT reports for June and August only."""
    db_session.add_all(chain(shop, date(2026, 5, 29), 6, skip={3}))
    db_session.add_all(chain(shop, date(2026, 6, 3), 6, marketplace="Amazon.fr"))
    db_session.add_all([vat_report(shop, date(2026, 6, 1)), vat_report(shop, date(2026, 8, 1))])
    db_session.commit()
    return shop


def spans(gaps):
    return [(gap.start, gap.end, gap.reachable_by_api) for gap in gaps]


def test_the_hole_between_uploads_and_the_periods_up_to_today_are_named(history):
    analysis = gap_analysis(history, today=TODAY)

    assert not analysis.connected and analysis.connection_day == TODAY
    assert analysis.reach_start == date(2026, 9, 6)
    by_marketplace = {chain.marketplace: chain for chain in analysis.payout}
    assert set(by_marketplace) == {"Amazon.de", "Amazon.fr"}
    de = by_marketplace["Amazon.de"]
    assert de.settlement_count == 5
    assert spans(de.gaps) == [
        # the hole between the uploads: long gone from the API
        (date(2026, 7, 10), date(2026, 7, 24), False),
        # from the last upload to today: the first ended two days before the API's first day
        (date(2026, 8, 21), date(2026, 9, 4), False),
        (date(2026, 9, 4), date(2026, 9, 18), True),
        (date(2026, 9, 18), date(2026, 10, 2), True),
        (date(2026, 10, 2), date(2026, 10, 16), True),
        (date(2026, 10, 16), date(2026, 10, 30), True),
        (date(2026, 10, 30), date(2026, 11, 13), True),
        (date(2026, 11, 13), date(2026, 11, 27), True),
        # 27 November to 11 December is still open: the daily import fetches it
    ]
    fr = by_marketplace["Amazon.fr"]
    assert [gap.start for gap in fr.gaps] == [date(2026, 8, 26) + i * FORTNIGHT for i in range(7)]
    assert all(gap.marketplace == "Amazon.fr" for gap in fr.gaps)

    # Order months from the client's first month (the first settlement, May) to November.
    assert spans(analysis.order_months) == [
        (date(2026, 5, 1), date(2026, 5, 31), False),
        (date(2026, 7, 1), date(2026, 7, 31), False),
        # the API's reach begins in September: the sync requests September's report
        (date(2026, 9, 1), date(2026, 9, 30), True),
        (date(2026, 10, 1), date(2026, 10, 31), True),
        (date(2026, 11, 1), date(2026, 11, 30), True),
    ]
    assert analysis.order_first_month == date(2026, 5, 1)


def test_each_gap_says_what_to_do_and_where_seller_central_has_the_report(history):
    analysis = gap_analysis(history, today=TODAY)

    hole = analysis.payout[0].gaps[0]
    assert hole.hint == UPLOAD_HINT == "bitte hochladen"
    assert hole.where_to_download == (
        "Seller Central: Berichte > Zahlungen > Alle Abrechnungen / Berichts-Repository"
    )
    assert analysis.payout[0].gaps[2].hint == REACHABLE_HINT == "wird automatisch nachgeholt"
    assert analysis.order_months[0].where_to_download == WHERE_TO_DOWNLOAD[Integration.ORDER]
    assert "Umsatzsteuer-Transaktionsbericht" in analysis.order_months[0].where_to_download
    assert [(g.marketplace, g.start) for g in analysis.to_upload] == [
        ("Amazon.de", date(2026, 7, 10)),
        ("Amazon.de", date(2026, 8, 21)),
        ("", date(2026, 5, 1)),
        ("", date(2026, 7, 1)),
    ]
    assert not analysis.complete


@pytest.mark.parametrize(
    ("today", "reachable"),
    [
        (date(2026, 7, 24) + timedelta(days=87), True),  # the settlement's end is the first day
        (date(2026, 7, 24) + timedelta(days=88), False),  # a day later the sync may miss it
    ],
)
def test_a_missing_settlement_is_reachable_up_to_87_days_after_its_end(history, today, reachable):
    hole = gap_analysis(history, today=today).payout[0].gaps[0]

    assert (hole.start, hole.end) == (date(2026, 7, 10), date(2026, 7, 24))
    assert hole.reachable_by_api is reachable


@pytest.mark.parametrize(
    ("today", "reachable"),
    [
        (date(2026, 9, 30) + timedelta(days=87), True),  # the reach begins on its last day
        (date(2026, 9, 30) + timedelta(days=88), False),  # the reach begins in October
    ],
)
def test_a_missing_month_is_reachable_while_the_reach_begins_in_it_or_before(
    history, today, reachable
):
    months = {gap.start: gap for gap in gap_analysis(history, today=today).order_months}

    assert months[date(2026, 9, 1)].reachable_by_api is reachable


def test_a_connected_client_counts_up_to_its_connection_day(history, db_session):
    db_session.add(
        AmazonConnection(
            client_id=history.id,
            selling_partner_id="A3TESTSELLER01",
            refresh_token_encrypted="gAAAA-not-a-real-token",
            connected_on=date(2026, 10, 1),
        )
    )
    db_session.commit()

    analysis = gap_analysis(history, today=TODAY)

    assert analysis.connected and analysis.connection_day == date(2026, 10, 1)
    de = analysis.payout[0]
    # 21 August + 2 fortnights = 18 September; 18 September - 2 October is open on 1 October
    assert [gap.end for gap in de.gaps[1:]] == [date(2026, 9, 4), date(2026, 9, 18)]
    assert [gap.start for gap in analysis.order_months] == [
        date(2026, 5, 1),
        date(2026, 7, 1),
        date(2026, 9, 1),
    ]


def test_a_report_fetched_through_the_api_closes_the_gap(history, db_session):
    db_session.add(settlement(history, date(2026, 7, 10), source="api"))
    db_session.add(vat_report(history, date(2026, 7, 1), source="api"))
    db_session.commit()

    analysis = gap_analysis(history, today=TODAY)

    assert analysis.payout[0].gaps[0].start == date(2026, 8, 21)
    assert date(2026, 7, 1) not in {gap.start for gap in analysis.order_months}


def test_a_hole_of_several_settlements_is_split_into_periods_judged_one_by_one(shop, db_session):
    # The hole from 5 June to 28 August: on 1 October the API reaches back to 6 July.
    db_session.add_all(chain(shop, date(2026, 5, 22), 10, skip={1, 2, 3, 4, 5, 6}))
    db_session.commit()

    gaps = gap_analysis(shop, today=date(2026, 10, 1)).payout[0].gaps

    assert spans(gaps) == [
        (date(2026, 6, 5), date(2026, 6, 19), False),
        (date(2026, 6, 19), date(2026, 7, 3), False),
        (date(2026, 7, 3), date(2026, 7, 17), True),
        (date(2026, 7, 17), date(2026, 7, 31), True),
        (date(2026, 7, 31), date(2026, 8, 14), True),
        (date(2026, 8, 14), date(2026, 8, 28), True),
    ]


def test_a_chain_that_differs_by_a_day_at_a_joint_has_no_hole(shop, db_session):
    first = settlement(shop, date(2026, 9, 1))
    second = settlement(shop, date(2026, 9, 16))  # the first ended 15 September
    db_session.add_all([first, second])
    db_session.commit()

    assert gap_analysis(shop, today=date(2026, 10, 1)).payout[0].gaps == []


def test_a_marketplace_set_up_without_any_settlement_is_listed_without_gaps(shop, db_session):
    payout = next(r for r in ensure_integrations(shop) if r.kind == "payout")
    db_session.flush()
    db_session.add(IntegrationMarketplace(integration_id=payout.id, marketplace="Amazon.it"))
    db_session.add_all(chain(shop, date(2026, 9, 3), 2))
    db_session.commit()

    analysis = gap_analysis(shop, today=date(2026, 10, 1))

    it = next(chain for chain in analysis.payout if chain.marketplace == "Amazon.it")
    assert (it.settlement_count, it.gaps, it.first_start) == (0, [], None)


def test_a_settlement_belongs_to_its_store_not_to_rows_of_other_sales_channels(shop, db_session):
    db_session.add_all(chain(shop, date(2026, 9, 3), 2, marketplace="Non-Amazon DE,Amazon.de"))
    db_session.add(settlement(shop, date(2026, 9, 3), marketplace="Amazon.fr"))
    db_session.commit()

    chains = gap_analysis(shop, today=date(2026, 10, 1)).payout

    assert [(c.marketplace, c.settlement_count) for c in chains] == [
        ("Amazon.de", 2),
        ("Amazon.fr", 1),
    ]


def test_a_client_without_reports_has_nothing_to_analyse(shop):
    analysis = gap_analysis(shop, today=TODAY)

    assert analysis.payout == [] and analysis.order_months == [] and analysis.complete


def test_the_demo_history_has_one_settlement_to_upload_the_one_left_out(app, db_session):
    user, demo = seed_demo()
    files = history_files()
    seed_history(user, demo, files)
    hole = [f for f in files if f.integration == Integration.PAYOUT][LEFT_OUT]

    analysis = gap_analysis(demo, today=date.today())

    [missing] = analysis.to_upload
    assert {missing.marketplace} == marketplaces_of(hole.text)
    assert missing.start == hole.period_start
    # everything newer than the uploads is still within the API's reach
    assert analysis.to_fetch and all(g.start >= missing.end for g in analysis.to_fetch)
