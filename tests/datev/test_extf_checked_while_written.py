"""Every batch file is validated while it is written: the writer's findings are exactly those of
`validate_file` on the finished file, for valid and for broken bookings alike."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from datev.bookings import Booking
from datev.export import write_validated
from datev.extf_validator import ExtfValidationError, validate_file
from datev.extf_writer import write_batch
from datev.settings import BatchSettings

SETTINGS = BatchSettings(berater=29098, mandant=55003)
CREATED = datetime(2024, 1, 30, 14, 4, 40, 439000, tzinfo=UTC)
DAY = date(2024, 3, 5)


def booking(amount: str = "10.00", **fields) -> Booking:
    values = dict(account="1210", contra_account="4760", side="H", tax_key="9", date=DAY)
    values.update(fields)
    return Booking(amount=Decimal(amount), **values)


VALID = [
    booking(),
    booking(),  # the same combination again: remembered, and still counted
    booking("1234.56", document_no="302-1234567-7654321", text='Amazon "Gebühr" ä'),
    booking("7.5", text="Straße Łódź Ħ", source="Abrechnung 1 Zeile 2", rule="Regel"),
    booking("12.00", currency="GBP", rate=Decimal("0.85"), base_amount=Decimal("14.12")),
    booking("3.00", eu_country_vat_id="FR12345678901", eu_tax_rate=Decimal("20.00")),
    booking("1.00", tax_key="94", sachverhalt="7", settlement_ref="123"),
]
BROKEN = [
    booking(contra_account="1210"),  # Konto and Gegenkonto equal
    booking(account="1234567"),  # longer than the account length + 1
    booking(currency="GBP"),  # a foreign currency without Kurs and Basis-Umsatz
    booking("12.00", currency="GBP", rate=Decimal("0.85"), base_amount=Decimal("99.00")),
    booking(eu_tax_rate=Decimal("20.00")),  # EU-Steuersatz without EU-Land u. UStID
    booking(sachverhalt="7", tax_key=""),  # Sachverhalt L+L without a key
    booking(document_no="ungültig mit Leerzeichen"),
    booking(date=date(2024, 4, 1), account="1210"),  # its own period: a file of its own
    booking(eu_country_vat_id="fr123"),
    booking(currency="eur"),
]


def _issues(result) -> list[tuple[int, int | None, str]]:
    return [(i.line, i.column, i.message) for i in result.issues]


def test_a_valid_batch_is_valid_while_written_and_when_read_back(tmp_path):
    files = write_batch(VALID, SETTINGS, tmp_path, name="ok", title="ok", created_at=CREATED)
    for written in files:
        assert written.validation is not None and written.validation.ok
        assert (
            written.validation.bookings == written.bookings == validate_file(written.path).bookings
        )


@pytest.mark.parametrize("broken", range(len(BROKEN)))
def test_a_broken_booking_is_found_while_written_with_the_messages_of_validate_file(
    tmp_path, broken
):
    bookings = [*VALID[:3], BROKEN[broken], *VALID[3:], BROKEN[broken]]
    files = write_batch(bookings, SETTINGS, tmp_path, name="x", title="x", created_at=CREATED)
    found = []
    for written in files:
        assert written.validation is not None
        assert _issues(written.validation) == _issues(validate_file(written.path))
        found += written.validation.issues
    if broken != BROKEN.index(BROKEN[7]):  # the one of another period is valid there
        assert found


def test_an_invalid_file_is_removed_and_refused(tmp_path):
    with pytest.raises(ExtfValidationError, match="Konto und Gegenkonto sind gleich"):
        write_validated([*VALID, BROKEN[0]], SETTINGS, tmp_path, name="x", title="x")
    assert list(tmp_path.iterdir()) == []
