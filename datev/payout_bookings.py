"""Bookings of a settlement (Amazon Payout), DESIGN.md §4.

The settlement is a bank account of its own, the clearing account of the marketplace: every
amount is booked between it and its target account (S on the clearing account when the amount is
positive), and the payout moves the rest to Geldtransit on the deposit date. Because the lines add
up to the settlement's total-amount (the file's checksum, verified here), the clearing account is
back at exactly 0.00 after every settlement, also in EUR for foreign currencies: the difference
that rounding and changing rates leave is booked as Kursdifferenz.

In a foreign currency the Order batch debits the Sammeldebitor at the ECB rate of the order's
day; the settlement credits it later. Given the day of each order (`order_days`), the
settlement clears the order at that same rate, so the Sammeldebitor is cleared in EUR as well
and the whole rate difference is the clearing account's Kursdifferenz.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple, Protocol

from datev.bookings import CENT, BatchTotals, Booking, BookingError, clean_document_no, side_for
from datev.currency import BASE_CURRENCY, EcbRates, to_base, with_base_amounts
from datev.granularity import Granularity, apply_granularity
from datev.rules import DEBTOR, FX_DIFFERENCE, PAYOUT, REVENUE, UNMATCHED, RuleSet
from formatting import number
from parsers.records import SettlementSummary

REVERSE_CHARGE_NOTE = (
    "Reverse Charge (BU {key}, Sachverhalt L+L {sachverhalt}) für Amazon-Rechnungen ohne "
    "deutsche USt angenommen. Welche Amazon-Gesellschaft die Werbung außerhalb von amazon.de "
    "abrechnet, und DATEVs Sachverhaltsnummern (Dok.-Nr. 1003613) sind ungeprüft; bitte mit "
    "den Rechnungen abgleichen, die Buchungsregeln sind änderbar."
)
NOT_TAXABLE_REVENUE_NOTE = (
    "Umsätze von {marketplace} aus dem Amazon-Lager dort (AFN) als im Inland nicht steuerbar "
    "gebucht (Konto {account})."
)
EXPORT_REVENUE_NOTE = (
    "Vom Verkäufer selbst versandte Bestellungen (MFN) von {marketplace} als Ausfuhr aus "
    "Deutschland gebucht (Konto {account}): dafür ist der Ausfuhrnachweis nötig. Wurden sie "
    "aus einem Lager im Ausland versandt, die Regel auf das Konto für nicht steuerbare "
    "Umsätze ändern."
)


def _note(totals: BatchTotals, rules: RuleSet, plan: _Plan, rule_fulfillment: str) -> None:
    if plan.sachverhalt:
        totals.notes.add(REVERSE_CHARGE_NOTE.format(key=plan.tax_key, sachverhalt=plan.sachverhalt))
    if plan.kind == REVENUE:
        mfn = rule_fulfillment.casefold() == "mfn"
        note = EXPORT_REVENUE_NOTE if mfn else NOT_TAXABLE_REVENUE_NOTE
        totals.notes.add(note.format(marketplace=rules.marketplace, account=plan.contra))


class PayoutLine(Protocol):
    """What the bookings read of a settlement line: a parsed `SettlementLine`, or of a stored
    one only these columns (importing.store.BookedLine, all a rebuild reads back)."""

    @property
    def line_no(self) -> int: ...
    @property
    def transaction_type(self) -> str: ...
    @property
    def order_id(self) -> str: ...
    @property
    def amount_type(self) -> str: ...
    @property
    def amount_description(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def posted_at(self) -> datetime | None: ...
    @property
    def fulfillment_id(self) -> str: ...


class _Plan(NamedTuple):
    """How the lines of one (transaction type, amount type, description, fulfillment, day)
    are booked: the same for every such line, so worked out once per settlement."""

    contra: str
    tax_key: str
    sachverhalt: str
    kind: str
    rule_text: str
    label: str
    by_order: bool  # Belegfeld 1 is the order id (else the settlement id)
    matched: bool


def _plan(
    rules: RuleSet, line: PayoutLine, day: date, totals: BatchTotals, notes_made: set
) -> _Plan:
    rule = rules.match_payout(
        line.transaction_type, line.amount_type, line.amount_description, day, line.fulfillment_id
    )
    what = " ".join(
        p for p in (line.transaction_type, line.amount_type, line.amount_description) if p
    )
    if rule is None:
        totals.unmatched_keys.add(
            (line.transaction_type, line.amount_type, line.amount_description)
        )
        return _Plan(
            rules.suspense_account, "", "", UNMATCHED, "keine Regel: Klärungskonto", what,
            False, False,
        )  # fmt: skip
    kind = rule.kind
    plan = _Plan(
        rule.account, rule.tax_key, rule.sachverhalt, kind, rule.describe(), rule.label or what,
        kind in (DEBTOR, REVENUE), True,
    )  # fmt: skip
    if rule.sachverhalt or kind == REVENUE:
        noted = (rule.tax_key, rule.sachverhalt, kind, rule.fulfillment)
        if noted not in notes_made:  # a note per case, not per line
            notes_made.add(noted)
            _note(totals, rules, plan, rule.fulfillment)
    return plan


def _line_bookings(
    summary: SettlementSummary,
    lines: Iterable[PayoutLine],
    rules: RuleSet,
    totals: BatchTotals,
    order_rate: OrderRate | None = None,
) -> Iterator[Booking]:
    ref = summary.settlement_id
    settlement_no = clean_document_no(ref)
    fallback_day = summary.end.date()
    currency, clearing_account = summary.currency, rules.clearing_account
    total = Decimal(0)
    notes_made: set[tuple[str, ...]] = set()
    plans: dict[tuple, _Plan] = {}
    order_id, order_no = "", ""  # the last order id and its Belegfeld 1 (lines come per order)
    for line in lines:
        amount = line.amount
        total += amount
        if not amount:
            continue  # DATEV refuses an Umsatz of 0; it changes no balance
        day = line.posted_at.date() if line.posted_at else fallback_day
        key = (
            line.transaction_type, line.amount_type, line.amount_description,
            line.fulfillment_id, day,
        )  # fmt: skip
        plan = plans.get(key)
        if plan is None:
            plan = plans[key] = _plan(rules, line, day, totals, notes_made)
        contra, tax_key, sachverhalt, kind, rule_text, label, by_order, matched = plan
        if not matched:
            totals.unmatched += 1
        if line.order_id != order_id:
            order_id, order_no = line.order_id, clean_document_no(line.order_id)
        rate = None
        if order_rate is not None and kind == DEBTOR:
            rate = order_rate(line.transaction_type, order_id)
        # Positional, in the order of Booking's fields: a keyword call costs twice as much
        # (1.1 against 0.5 µs), and this runs for every line of the settlement.
        yield Booking(
            abs(amount),  # amount
            "S" if amount > 0 else "H",  # side
            clearing_account,  # account
            contra,  # contra_account
            day,  # date
            currency,  # currency
            rate,  # rate
            None,  # base_amount
            tax_key,  # tax_key
            (order_no if by_order else "") or settlement_no,  # document_no
            "",  # document_no_2
            f"Amazon {order_id or ref} {label}"[:60],  # text
            "",  # invoice_url
            "",  # eu_country_vat_id
            None,  # eu_tax_rate
            sachverhalt,  # sachverhalt
            "",  # origin_vat_id
            ref,  # settlement_ref
            rule_text,  # rule
            f"Abrechnung {ref} Zeile {line.line_no}",  # source
            not matched,  # needs_rule
            kind,  # kind
        )
    if total != summary.total_amount:
        raise BookingError(
            f"Abrechnung {ref}: die Summe der Beträge ({number(total)}) weicht vom "
            f"Auszahlungsbetrag ({number(summary.total_amount)} {summary.currency}) ab; "
            "die Datei ist unvollständig."
        )
    if summary.total_amount:
        # The payout leaves the clearing account: H when Amazon pays, S when it debits the seller.
        payout_day = (summary.deposit_date or summary.end).date()
        yield Booking(
            amount=abs(summary.total_amount),
            side=side_for(-summary.total_amount),
            account=rules.clearing_account,
            contra_account=rules.transit_account,
            date=payout_day,
            currency=summary.currency,
            document_no=settlement_no,
            text=f"Amazon Auszahlung {ref}"[:60],
            settlement_ref=ref,
            rule="Auszahlung -> Geldtransit",
            source=f"Abrechnung {ref} Summenzeile",
            kind=PAYOUT,
        )


class OrderRate:
    """The ECB rate of the day the Order batch booked an order, for the settlement's Order
    lines of that order (refunds are booked on days of their own: they keep the rate of the
    settlement day)."""

    def __init__(self, order_days: Mapping[str, date], currency: str, rates: EcbRates) -> None:
        self._days = order_days
        self._currency = currency
        self._rates = rates

    def __call__(self, transaction_type: str, order_id: str) -> Decimal | None:
        if transaction_type.strip().casefold() != "order":
            return None
        day = self._days.get(order_id)
        return None if day is None else self._rates.rate(self._currency, day)


def _order_base_amounts(bookings: Iterable[Booking]) -> Iterator[Booking]:
    """Basis-Umsatz of the bookings that carry an order's rate.

    The EUR amounts of an order's consecutive bookings are rounded on their running total,
    so that together they are exactly the EUR amount the Order batch booked for the order
    (Principal and Promotion rounded one by one could be a cent off)."""
    order, foreign, eur = None, Decimal(0), Decimal(0)
    for booking in bookings:
        if booking.rate is None or booking.base_amount is not None:
            yield booking  # fees between an order's amounts do not interrupt its total
            continue
        if (booking.document_no, booking.rate) != order:
            order, foreign, eur = (booking.document_no, booking.rate), Decimal(0), Decimal(0)
        foreign += booking.signed_amount
        step = (foreign / booking.rate).quantize(CENT, ROUND_HALF_UP) - eur
        if step == 0 or (step > 0) != (booking.side == "S"):
            step = to_base(booking.amount, booking.rate)  # a cent-sized remainder: its own
            step = step if booking.side == "S" else -step
        eur += step
        yield booking.replaced(base_amount=abs(step))


def _fx_difference(
    bookings: Iterable[Booking], rules: RuleSet, summary: SettlementSummary
) -> Iterator[Booking]:
    """Book what rounding and rates leave on the clearing account in EUR as Kursdifferenz."""
    eur = Decimal(0)
    last_day = None
    for booking in bookings:
        if booking.account == rules.clearing_account:
            eur += booking.eur_amount if booking.side == "S" else -booking.eur_amount
        last_day = booking.date if booking.kind == PAYOUT else last_day
        yield booking
    if eur and summary.currency != BASE_CURRENCY:
        yield Booking(
            amount=abs(eur),
            side=side_for(-eur),
            account=rules.clearing_account,
            contra_account=rules.fx_loss_account if eur > 0 else rules.fx_gain_account,
            date=last_day or (summary.deposit_date or summary.end).date(),
            document_no=clean_document_no(summary.settlement_id),
            text=f"Kursdifferenz Abrechnung {summary.settlement_id}"[:60],
            settlement_ref=summary.settlement_id,
            rule="Kursdifferenz (EZB-Kurse je Buchungstag)",
            source=f"Abrechnung {summary.settlement_id}",
            kind=FX_DIFFERENCE,
        )


def settlement_bookings(
    summary: SettlementSummary,
    lines: Iterable[PayoutLine],
    rules: RuleSet,
    *,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    totals: BatchTotals | None = None,
    order_days: Mapping[str, date] | None = None,
) -> Iterator[Booking]:
    """The bookings of one settlement, streamed; `totals` (if given) is filled on the way.

    `order_days` maps an order id (as in the VAT report) to the day its Order batch booked it
    (TRANSACTION_COMPLETE_DATE): in a foreign currency that order is then cleared at that
    day's ECB rate. Without it, or for a daily summary (no orders), every amount takes the rate
    of its own day.

    Raises BookingError (at the end, after the last line) when the lines do not add up to the
    settlement's total, and currency.RateError when a foreign currency has no ECB rate.
    """
    totals = totals if totals is not None else BatchTotals()
    rates = rates or EcbRates()
    order_rate = None
    foreign = summary.currency != BASE_CURRENCY
    if foreign and order_days and granularity is not Granularity.DAILY_SUMMARY:
        order_rate = OrderRate(order_days, summary.currency, rates)
    stream: Iterable[Booking] = _line_bookings(summary, lines, rules, totals, order_rate)
    stream = apply_granularity(stream, granularity)
    if foreign:
        stream = with_base_amounts(_order_base_amounts(stream), rates)
        stream = _fx_difference(stream, rules, summary)
    return totals.count(stream)
