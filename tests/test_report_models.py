"""The storage of imported reports: transactions mirror the parser's records one for one, and the
unique constraints keep a settlement or a month once per client."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from models import Report, SettlementLineRow, StoredFile, VatTransactionRow
from models.integration import ClientIntegration, ensure_integrations
from models.transaction import dump_rate_parts
from parsers.records import RatePart, SettlementLine, VatTransaction
from tests.factories import make_client, make_user

BOOKKEEPING = {"id", "report_id", "position"}


@pytest.mark.parametrize(
    ("row_class", "record"),
    [(SettlementLineRow, SettlementLine), (VatTransactionRow, VatTransaction)],
)
def test_transaction_columns_are_the_records_fields(row_class, record):
    columns = {column.name for column in row_class.__table__.columns}
    assert columns - BOOKKEEPING == set(record._fields)


@pytest.fixture
def shop(app, db_session):
    user = make_user("speicher@example.org")
    return make_client(user.organisation_id)


def _file(shop, name="a.txt"):
    stored = StoredFile(client_id=shop.id, file_name=name, sha256="0" * 64, size=1, content=b"")
    return stored


def _payout(shop, settlement_id="123", **extra):
    return Report(
        client_id=shop.id,
        integration="payout",
        source="upload",
        settlement_id=settlement_id,
        file=_file(shop),
        sha256="0" * 64,
        format="v2",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 14),
        **extra,
    )


def test_a_settlement_is_stored_once_per_client(shop, db_session):
    db_session.add(_payout(shop))
    db_session.commit()
    db_session.add(_payout(shop))
    with pytest.raises(IntegrityError):
        db_session.commit()
    db_session.rollback()
    other = make_client(shop.organisation_id, mandant_nr=2)
    db_session.add(_payout(other))  # another client may hold the same settlement id
    db_session.commit()


def test_a_payout_report_without_settlement_id_is_refused(shop, db_session):
    db_session.add(_payout(shop, settlement_id=None))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_stored_rows_give_back_the_records(shop, db_session):
    report = _payout(shop)
    db_session.add(report)
    db_session.flush()
    line = SettlementLine(
        2, "Order", "302-1", "", "", "", "Amazon.de", "ItemPrice", "Principal",
        Decimal("19.99"), datetime(2025, 3, 2, 10, 0, tzinfo=UTC), "AFN", "", "", "",
        "SKU-1", 1, "",
    )  # fmt: skip
    db_session.add(SettlementLineRow(report_id=report.id, position=0, **line._asdict()))
    parts = (RatePart(Decimal("0.07"), Decimal("10.00"), Decimal("0.70"), Decimal("10.70")),)
    tx = VatTransaction(
        **{name: _TYPED.get(name, "") for name in VatTransaction._fields if name != "rate_parts"},
        rate_parts=parts,
    )
    values = tx._asdict()
    values["rate_parts"] = dump_rate_parts(parts)
    db_session.add(VatTransactionRow(report_id=report.id, position=0, **values))
    db_session.commit()
    db_session.expire_all()
    assert db_session.scalar(sa.select(SettlementLineRow)).to_record() == line
    assert db_session.scalar(sa.select(VatTransactionRow)).to_record() == tx


_TYPED = {
    "line_no": 5,
    "transaction_complete_date": date(2025, 3, 2),
    "tax_calculation_date": None,
    "quantity": 2,
    "total_vat_excl": Decimal("10.00"),
    "total_vat": Decimal("0.70"),
    "total_vat_incl": Decimal("10.70"),
    "vat_rate": Decimal("0.07"),
    "export_outside_eu": False,
}


def test_every_client_has_its_two_integrations_once(shop, db_session):
    ensure_integrations(shop)
    ensure_integrations(shop)
    db_session.commit()
    kinds = db_session.scalars(sa.select(ClientIntegration.kind).filter_by(client_id=shop.id))
    assert sorted(kinds) == ["order", "payout"]
