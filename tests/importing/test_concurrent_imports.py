"""Two imports of one report at the same time cannot both succeed: the unique constraint lets
one insert win, the other ends as a duplicate (same file) or a conflict (another file)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

import importing.intake
from extensions import db
from importing.intake import import_file
from models import Batch, Report, SettlementLineRow, StoredFile
from models.booking_rules import Integration
from models.report import ImportOutcome
from tests.importing.helpers import SETTLEMENT_CA, make_shop, stored


@pytest.mark.parametrize("same_file", [True, False], ids=["same file", "other file"])
def test_two_concurrent_imports_of_one_settlement_store_it_once(app, monkeypatch, same_file):
    client, _ = make_shop()
    data = SETTLEMENT_CA.read_bytes()
    files = [stored(client, data, "a.txt"), stored(client, data if same_file else data + b"\n")]
    db.session.commit()
    client_id, file_ids = client.id, [f.id for f in files]
    # Both have read the file and found no report before either inserts one.
    both_checked = threading.Barrier(2, timeout=20)
    real_new_report = importing.intake.new_report

    def new_report_in_step(*args, **kwargs):
        report = real_new_report(*args, **kwargs)
        both_checked.wait()
        return report

    monkeypatch.setattr(importing.intake, "new_report", new_report_in_step)
    outcomes: dict[int, ImportOutcome] = {}
    errors: list[BaseException] = []

    def run(file_id: int) -> None:
        try:
            with app.app_context():
                shop = db.session.get(type(client), client_id)
                file = db.session.get(StoredFile, file_id)
                result = import_file(shop, Integration.PAYOUT, file, source="upload", user_id=None)
                outcomes[file_id] = result.outcome
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(file_id,)) for file_id in file_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    loser = ImportOutcome.DUPLICATE if same_file else ImportOutcome.CONFLICT
    assert sorted(outcomes.values()) == sorted([ImportOutcome.IMPORTED, loser])
    db.session.expire_all()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Report))
    assert count == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == 1
    [report] = db.session.scalars(sa.select(Report)).all()
    lines = db.session.scalar(sa.select(sa.func.count()).select_from(SettlementLineRow))
    assert lines == report.transaction_count
    # The loser's file is gone, the winner's is the report's.
    assert db.session.scalars(sa.select(StoredFile.id)).all() == [report.file_id]
