"""The booking record: the fields of a DATEV Buchungsstapel row that the engine fills.

A `Booking` is one line of the batch. `amount` is always positive; `side` ("S"/"H") refers to
`account` (DATEV column #7), exactly as DATEV reads it. `rule` and `source` make a booking explain
itself: they are written to Beleginfo 1 and 2 so the tax advisor sees in DATEV which rule and which
report line produced it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter

from datev.errors import DatevError

CENT = Decimal("0.01")
BASE_CURRENCY = "EUR"  # the currency of the books and of the EXTF header
_DOCUMENT_NO_FORBIDDEN = re.compile(r"[^A-Za-z0-9$&%*+\-/]")


# Not frozen: a frozen dataclass sets every field through object.__setattr__, five times the
# cost of a plain one, and a settlement makes one Booking per line. Treat it as a value anyway:
# the engine derives changed bookings with `replaced`, never by assigning to a shared one.
@dataclass(slots=True)
class Booking:
    amount: Decimal  # #1, positive, in `currency`
    side: str  # #2, "S" or "H", for `account`
    account: str  # #7 Konto
    contra_account: str  # #8 Gegenkonto
    date: date  # #10 Belegdatum (the year goes to the header)
    currency: str = "EUR"  # #3 WKZ Umsatz
    rate: Decimal | None = None  # #4 Kurs: foreign units per 1 EUR
    base_amount: Decimal | None = None  # #5 Basis-Umsatz in EUR
    tax_key: str = ""  # #9 BU-Schlüssel
    document_no: str = ""  # #11 Belegfeld 1 (the OPOS key: the Amazon order id)
    document_no_2: str = ""  # #12 Belegfeld 2
    text: str = ""  # #14 Buchungstext
    # Beleginfo 3: Amazon's invoice. Not #20 Beleglink: DATEV reads that field only as a link
    # into its own document stores (`BEDI "<GUID>"`, `DDMS ...`), not as a URL.
    invoice_url: str = ""
    eu_country_vat_id: str = ""  # #40 EU-Land u. UStID (Bestimmung)
    eu_tax_rate: Decimal | None = None  # #41 EU-Steuersatz (Bestimmung), percent
    # #43 Sachverhalt L+L: which § 13b case a reverse-charge key books (DATEV tells them apart
    # by this number, not by the key), e.g. 7 = service of an EU entrepreneur.
    sachverhalt: str = ""
    origin_vat_id: str = ""  # #123 EU-Land u. UStID (Ursprung): a departure outside DE
    settlement_ref: str = ""  # #121 Abrechnungsreferenz
    rule: str = ""  # Beleginfo 1: the rule that produced the booking
    source: str = ""  # Beleginfo 2: where in the report it came from
    needs_rule: bool = False  # booked to the Klärungskonto because no rule matched
    kind: str = ""  # a datev.rules.RuleKind: order, fee, reserve, payout, ..., for summaries

    def replaced(self, **changes) -> Booking:
        """A copy with `changes` (dataclasses.replace, at a fraction of its cost)."""
        copy = Booking(*_all_fields(self))
        for name, value in changes.items():
            setattr(copy, name, value)
        return copy

    @property
    def signed_amount(self) -> Decimal:
        """The amount as it changes `account`: positive for S, negative for H."""
        return self.amount if self.side == "S" else -self.amount

    @property
    def eur_amount(self) -> Decimal:
        return self.amount if self.base_amount is None else self.base_amount


_all_fields = attrgetter(*Booking.__dataclass_fields__)


def side_for(amount: Decimal) -> str:
    """S when `amount` increases the account (positive), H otherwise."""
    return "S" if amount > 0 else "H"


def clean_document_no(value: str, limit: int = 36) -> str:
    """Belegfeld 1/2 only allow A-Z a-z 0-9 $ & % * + - /; drop anything else."""
    return _DOCUMENT_NO_FORBIDDEN.sub("", value)[:limit]


class BookingError(DatevError):
    """The report cannot be booked as it is; the message is German and meant for the user."""


@dataclass
class BatchTotals:
    """What a generation run produced; filled while the bookings stream through."""

    bookings: int = 0
    unmatched: int = 0  # report amounts no rule matched (booked to the Klärungskonto)
    unmatched_keys: set[tuple[str, ...]] = field(default_factory=set)
    # EUR per account, S positive; complete when the stream of `count` has ended.
    balances: dict[str, Decimal] = field(default_factory=dict)
    foreign_balances: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    # German notes for the tax advisor on defaults the batch relies on that are unverified
    # (review of December 2026); meant for the batch's summary next to the files.
    notes: set[str] = field(default_factory=set)

    @property
    def needs_rules(self) -> bool:
        return self.unmatched > 0

    def count(self, bookings: Iterable[Booking]) -> Iterator[Booking]:
        # EUR per (account, contra account) while streaming, added to `balances` at the end:
        # one sum per booking instead of two (the sums are exact, so the order does not matter).
        pairs: dict[tuple[str, str], Decimal] = {}
        try:
            for booking in bookings:
                self.bookings += 1
                eur = booking.amount if booking.base_amount is None else booking.base_amount
                pair = (booking.account, booking.contra_account)
                pairs[pair] = pairs.get(pair, 0) + (eur if booking.side == "S" else -eur)
                if booking.currency != BASE_CURRENCY:
                    key = (booking.account, booking.currency)
                    self.foreign_balances[key] = (
                        self.foreign_balances.get(key, 0) + booking.signed_amount
                    )
                yield booking
        finally:
            balances = self.balances
            for (account, contra_account), eur in pairs.items():
                balances[account] = balances.get(account, 0) + eur
                balances[contra_account] = balances.get(contra_account, 0) - eur
