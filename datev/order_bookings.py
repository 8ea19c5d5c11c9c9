"""Bookings of a VAT Transactions Report (Amazon Order), DESIGN.md §4.

SALE and REFUND rows become revenue bookings Konto = Sammeldebitor, Gegenkonto = revenue account
of the row's tax treatment, gross amount (the automatic account extracts the VAT), S for a sale
and H for a refund, the order id in Belegfeld 1 so the settlement's debtor booking clears it.
RETURN, FC_TRANSFER, INBOUND and other stock movements carry no money and produce no booking.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from datev.bookings import BatchTotals, Booking, BookingError, clean_document_no, side_for
from datev.currency import EcbRates, with_base_amounts
from datev.granularity import Granularity, apply_granularity
from datev.rules import REVENUE, UNMATCHED, RuleBook
from datev.tax_treatment import (
    EU_LOCAL,
    IC_SUPPLY,
    OSS_FROM_DE,
    OSS_FROM_EU,
    derive_treatment,
)
from parsers.records import VatTransaction

REVENUE_TYPES = frozenset({"SALE", "REFUND"})


def _row_bookings(
    rows: Iterable[VatTransaction], rule_book: RuleBook, totals: BatchTotals
) -> Iterator[Booking]:
    for tx in rows:
        if tx.transaction_type.upper() not in REVENUE_TYPES:
            continue
        day = tx.transaction_complete_date or tx.tax_calculation_date
        if day is None:
            raise BookingError(
                f"Zeile {tx.line_no}: {tx.transaction_type} {tx.transaction_event_id} "
                "hat kein Datum (TRANSACTION_COMPLETE_DATE)."
            )
        rules = rule_book.for_marketplace(tx.marketplace)
        treatment = derive_treatment(tx)
        rule = rules.match_order(treatment.name, treatment.country, day)
        amount = tx.total_vat_excl if rule is not None and rule.net else tx.total_vat_incl
        if not amount:
            continue
        if not tx.currency:
            raise BookingError(f"Zeile {tx.line_no}: die Währung fehlt.")
        eu_field, eu_rate = "", None
        if treatment.name == IC_SUPPLY:
            eu_field = treatment.vat_id[:15]
        elif treatment.name in (OSS_FROM_DE, OSS_FROM_EU, EU_LOCAL):
            eu_field, eu_rate = treatment.country, treatment.rate_percent
        if rule is None:
            totals.unmatched += 1
            totals.unmatched_keys.add((treatment.name, treatment.country))
            contra, tax_key, kind = rules.suspense_account, "", UNMATCHED
            rule_text = f"keine Regel für {treatment.name} {treatment.country}: Klärungskonto"
            label = treatment.name
        else:
            contra, tax_key, kind = rule.account, rule.tax_key, REVENUE
            rule_text, label = rule.describe(), rule.label or treatment.name
        order_id = tx.transaction_event_id
        yield Booking(
            amount=abs(amount),
            side=side_for(amount),
            account=rules.debtor_account,
            contra_account=contra,
            date=day,
            currency=tx.currency,
            tax_key=tax_key,
            document_no=clean_document_no(order_id),
            text=f"Amazon {tx.transaction_type} {order_id} {label}"[:60],
            invoice_url=tx.invoice_url if len(tx.invoice_url) <= 210 else "",  # cut: useless
            eu_country_vat_id=eu_field,
            eu_tax_rate=eu_rate if eu_field else None,
            origin_vat_id=treatment.origin,
            rule=rule_text,
            source=f"USt-Bericht Zeile {tx.line_no}",
            needs_rule=rule is None,
            kind=kind,
        )


def vat_report_bookings(
    rows: Iterable[VatTransaction],
    rule_book: RuleBook,
    *,
    granularity: Granularity = Granularity.PER_ORDER,
    rates: EcbRates | None = None,
    totals: BatchTotals | None = None,
) -> Iterator[Booking]:
    """The revenue bookings of a VAT Transactions Report, streamed."""
    totals = totals if totals is not None else BatchTotals()
    stream = apply_granularity(_row_bookings(rows, rule_book, totals), granularity)
    return totals.count(with_base_amounts(stream, rates or EcbRates()))
