"""The import reads a report once: each record is validated, stored and booked as it is read,
and the first refused row rolls everything back. Where the first record misleads (a settlement
whose first line is not of its first marketplace, a file whose encoding shows late), the
import starts over reading the file twice, and the result is the same."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

import importing.intake
from extensions import db
from importing.batches import build_batch, diff_batches
from importing.intake import check_upload, import_file
from models import SettlementLineRow
from models.booking_rules import Integration
from models.report import ImportOutcome
from parsers import ReportError, read_report
from tests.importing.helpers import VAT_FEB, make_shop, stored, table_snapshot
from tests.parsers.amazon_builders import (
    V2_HEADER,
    Line,
    Settlement,
    Variant,
    settlement_v2,
    settlement_v2_rows,
)

# The 17 digits of "Erzeugt am", the one field of a batch that depends on the clock.
CREATED_AT = re.compile(rb"^((?:[^;]*;){5})\d{17};")


def _upload(client, data, integration, name=None):
    file = stored(client, data, name)
    assert check_upload(client, integration, file) is None
    db.session.commit()
    return import_file(client, integration, file, source="upload", user_id=None)


def _counting_full_reads(monkeypatch) -> list[str]:
    """The files the import validates with read_report before storing (the two passes)."""
    reads: list[str] = []

    def counted(path, *, filename=None):
        reads.append(filename)
        return read_report(path, filename=filename)

    monkeypatch.setattr(importing.intake, "read_report", counted)
    return reads


def _lines(n: int, *, marketplaces=("Amazon.de",), sku=lambda i: f"SKU-{i}") -> tuple[Line, ...]:
    return tuple(
        Line(
            Decimal(i % 700 + 1).scaleb(-2),
            order_id=f"302-{i:07d}-0000001",
            marketplace=marketplaces[i % len(marketplaces)],
            sku=sku(i),
        )
        for i in range(n)
    )


def _same_files(one, other) -> bool:
    def files(batch):
        return [(f.name, CREATED_AT.sub(rb"\1;", f.content, count=1)) for f in batch.files]

    return files(one) == files(other)


def test_a_settlement_and_a_vat_report_are_imported_reading_the_file_once(app, monkeypatch):
    reads = _counting_full_reads(monkeypatch)
    client, _ = make_shop()
    data = settlement_v2(Settlement(lines=_lines(300)))
    payout = _upload(client, data, Integration.PAYOUT)
    order = _upload(client, VAT_FEB, Integration.ORDER)
    assert (payout.outcome, order.outcome) == (ImportOutcome.IMPORTED, ImportOutcome.IMPORTED)
    assert reads == []
    assert payout.report.transaction_count == 300
    assert payout.report.marketplace_list == ["Amazon.de"]
    assert order.report.transaction_count == read_report(VAT_FEB).row_count
    # The first batch is the one a rebuild from the stored transactions gives.
    for report in (payout.report, order.report):
        first = report.current_batch
        assert _same_files(first, build_batch(report))


def test_a_settlement_whose_first_line_misleads_is_read_twice_and_booked_alike(app, monkeypatch):
    """The rules are the first marketplace's (sorted): the first line's marketplace is only a
    guess, and a wrong guess starts over."""
    reads = _counting_full_reads(monkeypatch)
    client, _ = make_shop()
    data = settlement_v2(Settlement(lines=_lines(50, marketplaces=("Amazon.fr", "Amazon.de"))))
    result = _upload(client, data, Integration.PAYOUT, name="zwei-marktplaetze.txt")
    assert result.outcome == ImportOutcome.IMPORTED, result.message
    assert reads == ["zwei-marktplaetze.txt"]
    report = result.report
    assert report.marketplace_list == ["Amazon.de", "Amazon.fr"]
    first = report.current_batch
    rebuilt = build_batch(report)
    assert diff_batches(first, rebuilt).unchanged and _same_files(first, rebuilt)


def test_a_windows_1252_byte_far_down_the_file_starts_over_in_the_right_encoding(app, monkeypatch):
    reads = _counting_full_reads(monkeypatch)
    client, _ = make_shop()
    lines = _lines(800, sku=lambda i: "Bürste-grün" if i == 799 else f"SKU-{i}")
    data = settlement_v2(Settlement(lines=lines), Variant(encoding="cp1252"))
    assert b"\xfc" not in data[: 64 * 1024]  # the sniffed head looks like UTF-8
    result = _upload(client, data, Integration.PAYOUT, name="spaet-umlaut.txt")
    assert result.outcome == ImportOutcome.IMPORTED, result.message
    assert reads == ["spaet-umlaut.txt"]
    skus = db.session.scalars(
        sa.select(SettlementLineRow.sku)
        .filter_by(report_id=result.report.id)
        .order_by(SettlementLineRow.position.desc())
        .limit(1)
    ).all()
    assert skus == ["Bürste-grün"]


def test_a_row_refused_at_the_end_undoes_the_lines_stored_and_booked_before_it(app, tmp_path):
    client, _ = make_shop()
    rows = settlement_v2_rows(Settlement(lines=_lines(12_000)))
    rows[-1][V2_HEADER.index("amount")] = "zwei Euro"
    broken = tmp_path / "kaputt.txt"
    broken.write_bytes(Variant().render(rows))
    with pytest.raises(ReportError) as refused:
        read_report(broken)
    before = table_snapshot(without=("import_log",))
    result = _upload(client, broken, Integration.PAYOUT)
    assert result.outcome == ImportOutcome.REFUSED
    assert result.message == str(refused.value)
    assert "Zeile 12002" in result.message
    assert table_snapshot(without=("import_log",)) == before
