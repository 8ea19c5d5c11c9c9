"""Batch versions: a rule change marks the batch "veraltet", the rebuild shows what changed
(same source line, other account), downloads give the EXTF file, a zip of parts, or the month."""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from decimal import Decimal

import sqlalchemy as sa

from datev.granularity import Granularity
from extensions import db
from importing.batches import (
    batch_download,
    booking_rows,
    build_batch,
    diff_batches,
    mark_outdated,
    month_download,
)
from importing.intake import check_upload, import_file
from models import BookingRule, BookingRuleSet, ClientIntegration, IntegrationMarketplace
from models.batch import BatchState
from models.booking_rules import Integration
from parsers import read_report
from tests.importing.helpers import SETTLEMENT_CA, VAT_FEB, VAT_JAN, make_shop, stored


def _imported(client, path, kind):
    file = stored(client, path)
    assert check_upload(client, kind, file) is None
    db.session.commit()
    return import_file(client, kind, file, source="upload", user_id=None).report


def _order_rules_on(client, account: str) -> list[BookingRule]:
    return db.session.scalars(
        sa.select(BookingRule)
        .join(BookingRuleSet)
        .where(
            BookingRuleSet.client_id == client.id,
            BookingRuleSet.integration == Integration.ORDER.value,
            BookingRule.account == account,
        )
    ).all()


def test_changing_a_rule_marks_the_batch_outdated_and_the_rebuild_shows_the_change(app):
    client, _ = make_shop()
    report = _imported(client, VAT_FEB, Integration.ORDER)
    first = report.current_batch
    # The sample has amounts no default rule books: "Regeln fehlen" until rules are added.
    assert first.unmatched and first.state == BatchState.RULES_MISSING
    assert mark_outdated(client.id, Integration.ORDER) == 0  # the rules are unchanged
    revenue = Counter(row.contra_account for row in booking_rows(first)).most_common(1)[0][0]
    for rule in _order_rules_on(client, revenue):
        rule.account = "8401"
    db.session.flush()
    assert mark_outdated(client.id, Integration.ORDER) == 1
    assert mark_outdated(client.id, Integration.PAYOUT) == 0
    assert first.state == BatchState.OUTDATED and first.state_label == "veraltet"
    second = build_batch(report)
    db.session.commit()
    assert (second.version, second.outdated, second.state) == (2, False, BatchState.RULES_MISSING)
    assert second.rules_fingerprint != first.rules_fingerprint

    diff = diff_batches(first, second)
    moved = sum(1 for row in booking_rows(first) if row.contra_account == revenue)
    assert len(diff.changed) == moved > 0
    assert not diff.added and not diff.removed
    for old, new in diff.changed:
        assert (old.contra_account, new.contra_account) == (revenue, "8401")
        assert (old.source, old.amount, old.side) == (new.source, new.amount, new.side)
        assert old.source.startswith("USt-Bericht Zeile")
    assert diff.totals == {"bookings": (first.bookings, second.bookings)}
    assert diff.balances[revenue][1] == 0 and diff.balances["8401"][0] == 0
    assert diff.balances["8401"][1] == diff.balances[revenue][0]
    # Against itself a batch has no differences.
    assert diff_batches(second, second).unchanged


def test_a_batch_of_one_file_downloads_as_that_file_and_counts_as_downloaded(app):
    client, _ = make_shop()
    report = _imported(client, SETTLEMENT_CA, Integration.PAYOUT)
    batch = report.current_batch
    [part] = batch.files
    name, mimetype, content = batch_download(batch)
    assert (name, mimetype, content) == (part.name, "text/csv", part.content)
    assert name.startswith("EXTF_") and content.startswith(b'"EXTF";700;21;')
    assert batch.downloaded_at is not None
    batch.unmatched = 0  # as once its rules are complete
    assert batch.state == BatchState.DOWNLOADED and batch.state_label == "heruntergeladen"


def test_the_klaerungskonto_keys_of_a_settlement_come_with_their_sums(app):
    client, _ = make_shop()
    report = _imported(client, SETTLEMENT_CA, Integration.PAYOUT)
    summary = json.loads(report.current_batch.summary)
    assert summary["unmatched"] == report.current_batch.unmatched > 0
    assert sorted(summary["unmatched_sums"]) == summary["unmatched_keys"]
    parsed = list(read_report(SETTLEMENT_CA).lines())
    for key, total in summary["unmatched_sums"].items():
        ttype, atype, desc = key.split(" / ")
        lines = [
            line.amount
            for line in parsed
            if (line.transaction_type, line.amount_type, line.amount_description)
            == (ttype, atype, desc)
        ]
        assert Decimal(total) == sum(lines)


def test_a_batch_of_several_files_downloads_as_a_zip(app):
    client, _ = make_shop()
    report = _imported(client, VAT_JAN, Integration.ORDER)
    batch = report.current_batch
    files = {f.name: f.content for f in batch.files}
    if len(files) == 1:  # split the batch as a period change would
        [(name, content)] = files.items()
        batch.files.append(type(batch.files[0])(
            name="EXTF_zweiter_Teil.csv", period_start=batch.files[0].period_start,
            period_end=batch.files[0].period_end, bookings=1, content=content, sha256="0" * 64,
        ))  # fmt: skip
        db.session.flush()
        files["EXTF_zweiter_Teil.csv"] = content
    name, mimetype, content = batch_download(batch)
    assert mimetype == "application/zip" and name.endswith("_v1.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files


def test_all_batches_of_a_month_come_in_one_zip(app):
    client, _ = make_shop()
    january = _imported(client, VAT_JAN, Integration.ORDER)
    february = _imported(client, VAT_FEB, Integration.ORDER)
    name, content = month_download(client, Integration.ORDER, 2020, 2)
    assert name == "Amazon_Order_2020-02.zip"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == sorted(f.name for f in february.current_batch.files)
    assert february.current_batch.downloaded_at is not None
    assert january.current_batch.downloaded_at is None
    _, empty = month_download(client, Integration.PAYOUT, 2020, 2)
    assert zipfile.ZipFile(io.BytesIO(empty)).namelist() == []


def test_a_rule_for_an_amount_on_the_klaerungskonto_shows_as_a_changed_booking(app):
    client, _ = make_shop()
    report = _imported(client, SETTLEMENT_CA, Integration.PAYOUT)
    first = report.current_batch
    suspense = [row for row in booking_rows(first) if row.contra_account == "1590"]
    assert suspense  # the real file has amounts no default rule books
    keys = [key.split(" / ") for key in json.loads(first.summary)["unmatched_keys"]]
    for rule_set in db.session.scalars(
        sa.select(BookingRuleSet).filter_by(client_id=client.id, integration="payout")
    ):
        for transaction_type, amount_type, description in keys:
            rule_set.rules.append(
                BookingRule(
                    transaction_type=transaction_type or "*",
                    amount_type=amount_type or "*",
                    amount_description=description or "*",
                    account="1361",
                    kind="other",
                    label="Geklärt",
                    position=-1,
                )
            )
    db.session.flush()
    second = build_batch(report)
    db.session.commit()
    diff = diff_batches(first, second)
    # The Buchungstext names the rule's label, so it changes; the source line does not.
    assert {(old.contra_account, new.contra_account) for old, new in diff.changed} == {
        ("1590", "1361")
    }
    assert len(diff.changed) == len(suspense) and not diff.added and not diff.removed


def test_changing_the_granularity_marks_the_batch_outdated(app):
    client, _ = make_shop()
    report = _imported(client, SETTLEMENT_CA, Integration.PAYOUT)
    assert mark_outdated(client.id, Integration.PAYOUT) == 0
    setup = db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=client.id, kind="payout")
    )
    setup.granularity = Granularity.FEES_PER_DAY.value
    db.session.flush()
    assert mark_outdated(client.id, Integration.PAYOUT) == 1
    assert report.current_batch.state == BatchState.OUTDATED


def test_an_excluded_marketplace_books_no_revenue_and_changing_it_outdates_the_batch(app):
    client, _ = make_shop()
    setup = db.session.scalar(
        sa.select(ClientIntegration).filter_by(client_id=client.id, kind="order")
    )
    setup.marketplaces.append(IntegrationMarketplace(marketplace="amazon.fr", excluded=True))
    db.session.commit()
    report = _imported(client, VAT_FEB, Integration.ORDER)
    batch = report.current_batch
    french = [
        tx
        for tx in read_report(VAT_FEB).rows()
        if tx.marketplace == "amazon.fr" and tx.transaction_type in ("SALE", "REFUND")
    ]
    assert french
    booked = {row.document_no.strip('"') for row in booking_rows(batch)}
    assert not booked & {tx.transaction_event_id for tx in french}
    assert json.loads(batch.summary)["excluded_marketplaces"]["amazon.fr"] >= len(french)
    # The stored transactions keep every row: the exclusion is a setting of the batch.
    assert report.transaction_count == read_report(VAT_FEB).row_count

    setup.marketplaces.clear()
    db.session.flush()
    assert mark_outdated(client.id, Integration.ORDER) == 1
    rebuilt = build_batch(report)
    assert {tx.transaction_event_id for tx in french} <= {
        row.document_no.strip('"') for row in booking_rows(rebuilt)
    }
