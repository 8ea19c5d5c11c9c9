"""Booking granularity: how many report amounts become one DATEV booking.

- `PER_ORDER` (default): consecutive amounts of the same order that the same rule books on the
  same day become one booking (Principal + Tax + Shipping of an order line: one booking).
- `FEES_PER_DAY` ("Gebührenbuchungen zusammenfassen"): fees are summed per day, account and
  tax key over the whole report; everything else as `PER_ORDER`.
- `DAILY_SUMMARY`: for very large reports, one booking per day and rule (tax treatment); the
  order ids are dropped, so open items cannot be cleared per order.

Merging only ever adds signed amounts of identical account, contra account, tax key, currency
and day, so balances are unchanged; a sum of zero produces no booking.
Memory: `PER_ORDER` holds one booking, the summing modes one sum per day and key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter

from datev.bookings import Booking, clean_document_no, side_for
from datev.rules import FEE, PAYOUT


class Granularity(StrEnum):
    PER_ORDER = "per_order"
    FEES_PER_DAY = "fees_per_day"
    DAILY_SUMMARY = "daily_summary"


def _with_amount(booking: Booking, signed: Decimal, count: int, **changes) -> Booking:
    if count == 1 and not changes and len(booking.source) <= 210:
        return booking  # nothing merged: `signed` is its own amount (and a copy costs)
    source = booking.source if count == 1 else f"{booking.source} ff. ({count} Beträge)"
    return booking.replaced(
        amount=abs(signed), side=side_for(signed), source=source[:210], **changes
    )


# The fields that must agree for two bookings to merge (one C call per booking).
_merge_key = attrgetter(
    "account", "contra_account", "tax_key", "sachverhalt", "date", "document_no", "currency",
    "eu_country_vat_id", "eu_tax_rate", "origin_vat_id", "settlement_ref", "rule", "kind",
    "needs_rule",
)  # fmt: skip


def merge_consecutive(bookings: Iterable[Booking]) -> Iterator[Booking]:
    first: Booking | None = None
    key: Hashable = None
    total = Decimal(0)
    count = 0
    for booking in bookings:
        this_key = _merge_key(booking) if booking.kind != PAYOUT else object()
        if first is not None and this_key == key:
            total += booking.amount if booking.side == "S" else -booking.amount  # signed_amount
            count += 1
            continue
        if first is not None and total:
            yield _with_amount(first, total, count)
        first, key, total, count = booking, this_key, booking.signed_amount, 1
    if first is not None and total:
        yield _with_amount(first, total, count)


class _Sums:
    def __init__(self, key: Callable[[Booking], Hashable]) -> None:
        self._key = key
        self._sums: dict[Hashable, list] = {}

    def add(self, booking: Booking) -> None:
        entry = self._sums.get(k := self._key(booking))
        if entry is None:
            self._sums[k] = [booking, booking.signed_amount, 1]
        else:
            entry[1] += booking.signed_amount
            entry[2] += 1

    def bookings(self, **changes) -> Iterator[Booking]:
        for first, total, count in sorted(self._sums.values(), key=lambda e: e[0].date):
            if total:
                document_no = clean_document_no(first.settlement_ref)
                yield _with_amount(
                    first, total, count, document_no=document_no, invoice_url="", **changes
                )


def _fee_key(b: Booking) -> Hashable:
    return (
        b.date, b.account, b.contra_account, b.tax_key, b.sachverhalt, b.currency,
        b.settlement_ref,
    )  # fmt: skip


def _summary_key(b: Booking) -> Hashable:
    return (
        b.date, b.account, b.contra_account, b.tax_key, b.sachverhalt, b.currency,
        b.eu_country_vat_id, b.eu_tax_rate, b.origin_vat_id, b.settlement_ref, b.rule, b.kind,
        b.needs_rule,
    )  # fmt: skip


def _set_aside(bookings: Iterable[Booking], kind: str, sums: _Sums) -> Iterator[Booking]:
    """The bookings that are not of `kind`; those that are go into `sums`, still streaming."""
    for booking in bookings:
        if booking.kind == kind:
            sums.add(booking)
        else:
            yield booking


def apply_granularity(bookings: Iterable[Booking], mode: Granularity) -> Iterator[Booking]:
    if mode is Granularity.PER_ORDER:
        yield from merge_consecutive(bookings)
        return
    if mode is Granularity.FEES_PER_DAY:
        fees = _Sums(_fee_key)
        yield from merge_consecutive(_set_aside(bookings, FEE, fees))
        yield from fees.bookings(
            text="Amazon-Gebühren Tagessumme", rule="Gebührenbuchungen zusammengefasst"
        )
        return
    summary = _Sums(_summary_key)
    for booking in bookings:
        if booking.kind == PAYOUT:
            yield booking
        else:
            summary.add(booking)
    yield from summary.bookings()
