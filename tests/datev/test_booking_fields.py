"""The order of Booking's fields is part of the engine's contract: the payout and order engines
construct bookings positionally on their hot paths (a keyword call costs twice as much)."""

from __future__ import annotations

from datev.bookings import Booking


def test_booking_fields_keep_the_order_the_engines_construct_them_in():
    assert list(Booking.__dataclass_fields__) == [
        "amount", "side", "account", "contra_account", "date", "currency", "rate",
        "base_amount", "tax_key", "document_no", "document_no_2", "text", "invoice_url",
        "eu_country_vat_id", "eu_tax_rate", "sachverhalt", "origin_vat_id", "settlement_ref",
        "rule", "source", "needs_rule", "kind",
    ]  # fmt: skip
