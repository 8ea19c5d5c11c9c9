"""Importing a report: stored once, with its transactions and batch version 1; identical and
conflicting files change nothing; a refused file leaves no trace but its log entry."""

from __future__ import annotations

import gzip

import sqlalchemy as sa

from extensions import db
from importing.archive import opened
from importing.intake import check_upload, import_file
from models import (
    Batch,
    ImportLogEntry,
    Report,
    SettlementLineRow,
    StoredFile,
    VatTransactionRow,
)
from models.booking_rules import Integration
from models.report import ImportOutcome
from parsers import read_report
from tests.importing.helpers import (
    SETTLEMENT_CA,
    VAT_FEB,
    make_shop,
    stored,
    table_snapshot,
)


def _upload(client, path_or_bytes, integration, name=None, user_id=None):
    """What the upload request and the job do one after the other."""
    file = stored(client, path_or_bytes, name, user_id=user_id)
    quick = check_upload(client, integration, file)
    if quick is not None:
        return quick
    db.session.commit()
    return import_file(client, integration, file, source="upload", user_id=user_id)


def test_the_stored_file_keeps_the_original_bytes_compressed(app):
    client, user_id = make_shop()
    file = stored(client, SETTLEMENT_CA, user_id=user_id)
    original = SETTLEMENT_CA.read_bytes()
    assert file.size == len(original)
    assert gzip.decompress(file.content) == original
    assert len(file.content) < len(original) / 3
    with opened(file) as path:
        assert path.read_bytes() == original


def test_a_settlement_is_imported_with_all_its_lines_and_a_batch(app):
    client, user_id = make_shop()
    result = _upload(client, SETTLEMENT_CA, Integration.PAYOUT, user_id=user_id)
    assert result.outcome == ImportOutcome.IMPORTED, result.message
    parsed = read_report(SETTLEMENT_CA)
    report = result.report
    assert report.settlement_id == "24288684721"
    assert report.currency == "CAD"
    assert report.total == parsed.summary.total_amount
    assert report.marketplace_list == parsed.marketplaces == ["Amazon.ca", "Non-Amazon CA"]
    assert report.transaction_count == parsed.line_count
    rows = db.session.scalars(
        sa.select(SettlementLineRow).filter_by(report_id=report.id).order_by("position")
    ).all()
    assert [row.to_record() for row in rows] == list(parsed.lines())
    [batch] = report.batches
    assert batch.version == 1
    assert batch.bookings == sum(f.bookings for f in batch.files) > 0
    assert batch.rules_fingerprint
    [log] = db.session.scalars(sa.select(ImportLogEntry)).all()
    assert (log.outcome, log.report_id, log.user_id) == ("imported", report.id, user_id)


def test_a_vat_report_is_imported_for_its_month(app):
    client, _ = make_shop()
    result = _upload(client, VAT_FEB, Integration.ORDER)
    assert result.outcome == ImportOutcome.IMPORTED, result.message
    report = result.report
    assert report.activity_period == "2020-FEB"
    assert (report.period_start.isoformat(), report.period_end.isoformat()) == (
        "2020-02-01",
        "2020-02-29",
    )
    parsed = read_report(VAT_FEB)
    rows = db.session.scalars(
        sa.select(VatTransactionRow).filter_by(report_id=report.id).order_by("position")
    ).all()
    assert [row.to_record() for row in rows] == list(parsed.rows())
    assert report.current_batch.bookings > 0


def test_the_identical_file_again_is_a_duplicate_and_changes_nothing(app):
    client, _ = make_shop()
    first = _upload(client, SETTLEMENT_CA, Integration.PAYOUT)
    before = table_snapshot(without=("import_log",))
    again = _upload(client, SETTLEMENT_CA, Integration.PAYOUT, name="nochmal.txt")
    assert again.outcome == ImportOutcome.DUPLICATE
    assert again.report.id == first.report.id
    assert "bereits am" in again.message and "per Upload importiert" in again.message
    assert "Abrechnung 24288684721" in again.message
    assert table_snapshot(without=("import_log",)) == before
    outcomes = db.session.scalars(sa.select(ImportLogEntry.outcome).order_by("id")).all()
    assert outcomes == ["imported", "duplicate"]


def test_another_file_for_an_imported_settlement_is_a_conflict(app):
    client, _ = make_shop()
    first = _upload(client, SETTLEMENT_CA, Integration.PAYOUT)
    changed = SETTLEMENT_CA.read_bytes().replace(b"\r\n", b"\n") + b"\n"
    before = table_snapshot(without=("import_log",))
    conflict = _upload(client, changed, Integration.PAYOUT, name="andere.txt")
    assert conflict.outcome == ImportOutcome.CONFLICT
    assert conflict.report.id == first.report.id
    assert "Die Abrechnung 24288684721 wurde bereits am" in conflict.message
    assert "anderen Inhalt" in conflict.message
    assert table_snapshot(without=("import_log",)) == before


def test_a_conflict_found_only_by_the_full_read_is_refused_in_the_job(app):
    """The quick check cannot see it when the first row is odd; the job's read does."""
    client, _ = make_shop()
    _upload(client, VAT_FEB, Integration.ORDER)
    changed = VAT_FEB.read_bytes() + b"\n"
    file = stored(client, changed, "februar.txt")
    db.session.commit()
    before = table_snapshot(without=("import_log",))
    result = import_file(client, Integration.ORDER, file, source="upload", user_id=None)
    assert result.outcome == ImportOutcome.CONFLICT
    assert "Der Umsatzsteuerbericht für 2020-FEB" in result.message
    after = table_snapshot(without=("import_log",))
    # The stored file of the refused attempt is gone again; everything else as it was.
    assert after["stored_files"][0] == before["stored_files"][0] - 1
    assert {k: v for k, v in after.items() if k != "stored_files"} == {
        k: v for k, v in before.items() if k != "stored_files"
    }


def test_a_file_refused_by_the_quick_check_leaves_every_table_as_it_was(app):
    client, user_id = make_shop()
    _upload(client, VAT_FEB, Integration.ORDER)
    before = table_snapshot(without=("import_log",))
    result = _upload(client, b"Hallo;Welt\r\n1;2\r\n", Integration.PAYOUT, "notiz.csv", user_id)
    assert result.outcome == ImportOutcome.REFUSED
    assert result.message.startswith("Datei „notiz.csv“, Zeile 1: Die Datei ist kein Amazon")
    assert table_snapshot(without=("import_log",)) == before
    log = db.session.scalars(sa.select(ImportLogEntry).order_by(ImportLogEntry.id.desc())).first()
    assert (log.outcome, log.file_name, log.message, log.user_id) == (
        "refused",
        "notiz.csv",
        result.message,
        user_id,
    )
    assert len(log.sha256) == 64


def test_a_file_refused_by_the_full_read_leaves_every_table_as_it_was(app):
    client, _ = make_shop()
    _upload(client, VAT_FEB, Integration.ORDER)
    lines = SETTLEMENT_CA.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b"Amazon.ca", b"Amazon.ca\tzu viel", 1)
    before = table_snapshot(without=("import_log",))
    result = _upload(client, b"\n".join(lines), Integration.PAYOUT, "kaputt.txt")
    assert result.outcome == ImportOutcome.REFUSED
    assert "Datei „kaputt.txt“, Zeile 6" in result.message
    assert table_snapshot(without=("import_log",)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == 1


def test_a_report_of_the_other_kind_is_refused_with_where_it_belongs(app):
    client, _ = make_shop()
    result = _upload(client, VAT_FEB, Integration.PAYOUT)
    assert result.outcome == ImportOutcome.REFUSED
    assert "Umsatzsteuerbericht" in result.message and "„Amazon Order“" in result.message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 0


def test_the_same_settlement_for_two_clients_is_two_reports(app):
    client, _ = make_shop()
    other, _ = make_shop("zweiter@example.org")
    assert _upload(client, SETTLEMENT_CA, Integration.PAYOUT).outcome == ImportOutcome.IMPORTED
    assert _upload(other, SETTLEMENT_CA, Integration.PAYOUT).outcome == ImportOutcome.IMPORTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 2
