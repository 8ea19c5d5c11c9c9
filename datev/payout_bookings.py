"""Bookings of a settlement (Amazon Payout), DESIGN.md §4.

The settlement is a bank account of its own, the clearing account of the marketplace: every
amount is booked between it and its target account (S on the clearing account when the amount is
positive), and the payout moves the rest to Geldtransit on the deposit date. Because the lines add
up to the settlement's total-amount (the file's checksum, verified here), the clearing account is
back at exactly 0.00 after every settlement, also in EUR for foreign currencies: the difference
that rounding and changing rates leave is booked as Kursdifferenz.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from datev.bookings import BatchTotals, Booking, BookingError, clean_document_no, side_for
from datev.currency import BASE_CURRENCY, EcbRates, with_base_amounts
from datev.granularity import Granularity, apply_granularity
from datev.rules import DEBTOR, FX_DIFFERENCE, PAYOUT, REVENUE, UNMATCHED, RuleSet
from formatting import number
from parsers.records import SettlementLine, SettlementSummary


def _line_bookings(
    summary: SettlementSummary,
    lines: Iterable[SettlementLine],
    rules: RuleSet,
    totals: BatchTotals,
) -> Iterator[Booking]:
    ref = summary.settlement_id
    settlement_no = clean_document_no(ref)
    fallback_day = summary.end.date()
    total = Decimal(0)
    for line in lines:
        total += line.amount
        if not line.amount:
            continue  # DATEV refuses an Umsatz of 0; it changes no balance
        day = line.posted_at.date() if line.posted_at else fallback_day
        rule = rules.match_payout(
            line.transaction_type, line.amount_type, line.amount_description, day
        )
        what = " ".join(
            p for p in (line.transaction_type, line.amount_type, line.amount_description) if p
        )
        if rule is None:
            totals.unmatched += 1
            totals.unmatched_keys.add(
                (line.transaction_type, line.amount_type, line.amount_description)
            )
            contra, tax_key, kind = rules.suspense_account, "", UNMATCHED
            rule_text, label = "keine Regel: Klärungskonto", what
        else:
            contra, tax_key, kind = rule.account, rule.tax_key, rule.kind
            rule_text, label = rule.describe(), rule.label or what
        by_order = kind in (DEBTOR, REVENUE)
        document_no = clean_document_no(line.order_id) if by_order else ""
        yield Booking(
            amount=abs(line.amount),
            side=side_for(line.amount),
            account=rules.clearing_account,
            contra_account=contra,
            date=day,
            currency=summary.currency,
            tax_key=tax_key,
            document_no=document_no or settlement_no,
            text=f"Amazon {line.order_id or ref} {label}"[:60],
            settlement_ref=ref,
            rule=rule_text,
            source=f"Abrechnung {ref} Zeile {line.line_no}",
            needs_rule=rule is None,
            kind=kind,
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
    lines: Iterable[SettlementLine],
    rules: RuleSet,
    *,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    totals: BatchTotals | None = None,
) -> Iterator[Booking]:
    """The bookings of one settlement, streamed; `totals` (if given) is filled on the way.

    Raises BookingError (at the end, after the last line) when the lines do not add up to the
    settlement's total, and currency.RateError when a foreign currency has no ECB rate.
    """
    totals = totals if totals is not None else BatchTotals()
    stream: Iterable[Booking] = _line_bookings(summary, lines, rules, totals)
    stream = apply_granularity(stream, granularity)
    if summary.currency != BASE_CURRENCY:
        stream = _fx_difference(with_base_amounts(stream, rates or EcbRates()), rules, summary)
    return totals.count(stream)
