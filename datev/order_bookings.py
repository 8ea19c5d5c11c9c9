"""Bookings of a VAT Transactions Report (Amazon Order), DESIGN.md §4.

SALE and REFUND rows become revenue bookings Konto = Sammeldebitor, Gegenkonto = revenue account
of the row's tax treatment, S for a sale and H for a refund, the order id in Belegfeld 1 so the
settlement's debtor booking clears it. RETURN, FC_TRANSFER, INBOUND and other stock movements
carry no money and produce no booking.

The amount on the Sammeldebitor is always what the settlement clears for the order:
- the gross amount where the seller collects the VAT. On a German automatic account it is one
  booking (the account extracts the VAT); where the rule books net (VAT owed abroad), it is two
  bookings with the same Belegfeld 1: Sammeldebitor against revenue (net) and Sammeldebitor
  against the VAT account of the `<TREATMENT>_VAT` rule (the VAT), S for a sale, H for a refund;
- the net amount where the marketplace collects the VAT (UK VOEC, IOSS): Amazon withholds it,
  the settlement pays ItemPrice + ItemWithheldTax = net.
A row whose shipping or gift wrap has another VAT rate than the items (VatTransaction.rate_parts)
is booked per rate, each part with its own treatment (19 % and 7 % in one basket).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from datev.bookings import BatchTotals, Booking, BookingError, clean_document_no, side_for
from datev.currency import EcbRates, with_base_amounts
from datev.granularity import Granularity, apply_granularity
from datev.rules import REVENUE, UNMATCHED, OrderRule, RuleBook, RuleSet
from datev.tax_treatment import TaxTreatment, Treatment, derive_treatment, vat_rule_name
from parsers.records import VatTransaction

REVENUE_TYPES = frozenset({"SALE", "REFUND"})
# #40 holds the buyer's VAT id for these, the country (with #41 the rate) for those.
_BUYER_VAT_ID = frozenset({TaxTreatment.IC_SUPPLY, TaxTreatment.IC_SUPPLY_FOREIGN})
_COUNTRY_AND_RATE = frozenset(
    {TaxTreatment.OSS_FROM_DE, TaxTreatment.OSS_FROM_EU, TaxTreatment.EU_LOCAL}
)


def _rate_parts(tx: VatTransaction) -> Iterator[VatTransaction]:
    """The row itself, or one row per VAT rate where shipping or gift wrap differs."""
    if not tx.rate_parts:
        yield tx
        return
    for part in tx.rate_parts:
        yield tx._replace(
            vat_rate=part.rate,
            total_vat_excl=part.vat_excl,
            total_vat=part.vat,
            total_vat_incl=part.vat_incl,
            rate_parts=(),
        )


def _eu_fields(treatment: Treatment) -> tuple[str, Decimal | None]:
    if treatment.name in _BUYER_VAT_ID:
        return treatment.vat_id[:15], None
    if treatment.name in _COUNTRY_AND_RATE:
        return treatment.country, treatment.rate_percent
    return "", None


def _rule_fields(
    rules: RuleSet, rule: OrderRule | None, name: str, treatment: Treatment, totals: BatchTotals
) -> tuple[str, str, str, str, str]:
    """(contra account, tax key, kind, Beleginfo rule text, label); no rule: Klärungskonto."""
    if rule is None:
        totals.unmatched += 1
        totals.unmatched_keys.add((name, treatment.country))
        text = f"keine Regel für {name} {treatment.country}: Klärungskonto"
        return rules.suspense_account, "", UNMATCHED, text, name
    return rule.account, rule.tax_key, REVENUE, rule.describe(), rule.label or name


def _part_bookings(
    tx: VatTransaction, day: date, rules: RuleSet, totals: BatchTotals
) -> Iterator[Booking]:
    treatment = derive_treatment(tx)
    rule = rules.match_order(treatment.name, treatment.country, day)
    marketplace_collects = tx.tax_collection_responsibility.upper() == "MARKETPLACE"
    net = marketplace_collects or (rule is not None and rule.net)
    amounts: list[tuple[str, OrderRule | None, Decimal]] = [
        (treatment.name, rule, tx.total_vat_excl if net else tx.total_vat_incl)
    ]
    if net and not marketplace_collects:
        # The seller owes this VAT abroad: the buyer paid it, so it stays on the debtor.
        vat_name = vat_rule_name(treatment.name)
        vat_rule = rules.match_order(vat_name, treatment.country, day)
        amounts.append((vat_name, vat_rule, tx.total_vat_incl - tx.total_vat_excl))
    eu_field, eu_rate = _eu_fields(treatment)
    order_id = tx.transaction_event_id
    document_no = clean_document_no(order_id)
    for name, this_rule, amount in amounts:
        revenue = name == treatment.name  # #40/#41/#123 describe the supply, not its VAT
        if not amount:
            continue
        if not tx.currency:
            raise BookingError(f"Zeile {tx.line_no}: die Währung fehlt.")
        contra, tax_key, kind, rule_text, label = _rule_fields(
            rules, this_rule, name, treatment, totals
        )
        # Positional, in the order of Booking's fields: a keyword call costs twice as much
        # (1.1 against 0.5 µs), and this runs for every amount of the report.
        yield Booking(
            abs(amount),  # amount
            side_for(amount),  # side
            rules.debtor_account,  # account
            contra,  # contra_account
            day,  # date
            tx.currency,  # currency
            None,  # rate
            None,  # base_amount
            tax_key,  # tax_key
            document_no,  # document_no
            "",  # document_no_2
            f"Amazon {tx.transaction_type} {order_id} {label}"[:60],  # text
            tx.invoice_url if len(tx.invoice_url) <= 210 else "",  # invoice_url (cut: useless)
            eu_field if revenue else "",  # eu_country_vat_id
            eu_rate if eu_field and revenue else None,  # eu_tax_rate
            "",  # sachverhalt
            treatment.origin if revenue else "",  # origin_vat_id
            "",  # settlement_ref
            rule_text,  # rule
            f"USt-Bericht Zeile {tx.line_no}",  # source
            this_rule is None,  # needs_rule
            kind,  # kind
        )


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
        for part in _rate_parts(tx):
            yield from _part_bookings(part, day, rules, totals)


def _grouped_per_order(bookings: Iterable[Booking]) -> Iterator[Booking]:
    """The bookings of consecutive rows of one order, those of one account and day together:
    an order of two Polish items books 8320, 8320, 1767, 1767 (which granularity merges into
    one booking each), not 8320, 1767, 8320, 1767. Holds one order's bookings at a time."""
    order: str | None = None
    groups: dict[tuple, list[Booking]] = {}
    for booking in bookings:
        if booking.document_no != order or not order:
            for group in groups.values():
                yield from group
            order, groups = booking.document_no, {}
        key = (booking.contra_account, booking.tax_key, booking.date, booking.rule)
        groups.setdefault(key, []).append(booking)
    for group in groups.values():
        yield from group


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
    stream = apply_granularity(
        _grouped_per_order(_row_bookings(rows, rule_book, totals)), granularity
    )
    return totals.count(with_base_amounts(stream, rates or EcbRates()))
