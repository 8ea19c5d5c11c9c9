"""Booking rules: which account and tax key each kind of amount goes to.

Rules are plain immutable objects so the engine works without a database (the `datev convert`
command uses `default_rule_book` directly); `models.booking_rules` loads the same objects from the
database for the web app.

- Payout rules match (transaction-type, amount-type, amount-description) of a settlement line.
  Each part is a case-insensitive pattern with `*` and `?` wildcards; optionally the line's
  fulfillment-id (AFN/MFN, or "*") as a fourth part. The most specific rule wins (fewest
  wildcard parts, then fewest `*`), ties go to the earlier rule.
- Order rules match the tax treatment of a VAT transaction (see `datev.tax_treatment`) and,
  optionally, its country.
- Every rule has an optional validity period (`valid_from`/`valid_to`, both inclusive), because
  Amazon's fee invoices changed from reverse charge (BU 94) to German VAT (BU 9) on 2024-08-01.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

from datev.accounts import STANDARD_LENGTH, default_accounts
from datev.errors import RulesMissing
from datev.settings import Chart
from datev.tax_treatment import TaxTreatment, vat_rule_name

WILDCARD = "*"
FEE_TAX_KEY_CHANGE = date(2024, 8, 1)
REVERSE_CHARGE_UNTIL = date(2024, 7, 31)

# Amazon stores outside Europe: their fees come from Amazon companies there (Amazon.com Services,
# Amazon.com.ca, ...), never with German VAT; the change to BU 9 on 01.08.2024 concerns only
# the European stores' fee invoices. A German seller owes the tax on them (§ 13b UStG): BU 94.
NON_EUROPEAN_MARKETPLACES = (
    "Amazon.com", "Amazon.ca", "Amazon.com.mx", "Amazon.com.br", "Amazon.co.jp",
    "Amazon.com.au", "Amazon.sg", "Amazon.in", "Amazon.ae", "Amazon.sa", "Amazon.eg",
    "Amazon.com.tr",
)  # fmt: skip
_NON_EUROPEAN = frozenset(m.casefold() for m in NON_EUROPEAN_MARKETPLACES)
# Amazon's European stores, as the settlement's marketplace-name spells them. Each gets a rule
# set of its own, because advertising is invoiced per store (see _ads_taxes).
EUROPEAN_MARKETPLACES = (
    "Amazon.de", "Amazon.fr", "Amazon.it", "Amazon.es", "Amazon.co.uk", "Amazon.nl",
    "Amazon.se", "Amazon.pl", "Amazon.com.be", "Amazon.ie",
)  # fmt: skip
# With one clearing account per marketplace, a store's account is the chart's clearing account
# (SKR03 1210, SKR04 1810) plus its position here: Amazon.de 1211/1811, Amazon.fr 1212/1812,
# ... Amazon.com.tr 1232/1832; "*" (a store without a set of its own) keeps 1210/1810. Append
# new stores at the end only: the numbers are in the clients' ledgers.
CLEARING_ACCOUNT_STORES = (
    "Amazon.de", "Amazon.fr", "Amazon.it", "Amazon.es", "Amazon.co.uk", "Amazon.nl",
    "Amazon.se", "Amazon.pl", "Amazon.com.be", "Amazon.ie", "Amazon.com", "Amazon.ca",
    "Amazon.com.mx", "Amazon.com.br", "Amazon.co.jp", "Amazon.com.au", "Amazon.sg",
    "Amazon.in", "Amazon.ae", "Amazon.sa", "Amazon.eg", "Amazon.com.tr",
)  # fmt: skip
# Sponsored Ads on amazon.de: invoiced with German VAT by a German Amazon company since
# 10/2018 (sellerlogic), before that from Luxembourg without VAT. The other stores' ads come
# from non-German Amazon companies (the exact entity per store is unverified: review F5).
GERMAN_ADS_VAT_FROM = date(2018, 10, 1)
# The UK left the EU VAT area at the end of 2020: a UK company's service is a third-country one.
UK_OUTSIDE_EU_FROM = date(2021, 1, 1)


# DATEV tax keys of the payout rules.
INPUT_VAT_KEY = "9"  # 19 % Vorsteuer
REVERSE_CHARGE_KEY = "94"  # § 13b UStG: 19 % Umsatzsteuer and 19 % Vorsteuer
# § 13b: 19 % Umsatzsteuer without Vorsteuer, for a Kleinunternehmer, who owes the § 13b tax
# but may not deduct it (§ 19 Abs. 1 UStG). DATEV's key per BuchhaltungsButler's DATEV key
# list ("§13b 19% UmSt. aber keine VSt.", BU 95); DATEV's own table was not accessible.
REVERSE_CHARGE_NO_INPUT_TAX_KEY = "95"

# #43 Sachverhalt L+L: DATEV tells the § 13b cases apart by this number, not by the key.
# DATEV's own list (Dok.-Nr. 1003613) was not accessible; these follow BuchhaltungsButler's
# DATEV export (7 next to BU 94 for an EU business's service) and the matching API codes
# (Drittland = 1). They are rule fields: the tax advisor can change them per rule.
SACHVERHALT_EU_SERVICE = "7"  # § 13b Abs. 1: service of an entrepreneur in another EU country
SACHVERHALT_FOREIGN_ENTREPRENEUR = "1"  # § 13b Abs. 2 Nr. 1: entrepreneur outside the EU


def is_non_european(marketplace: str | None) -> bool:
    return (marketplace or "").strip().casefold() in _NON_EUROPEAN


def _same_marketplace(a: str | None, b: str) -> bool:
    return (a or "").strip().casefold() == b.casefold()


class RuleKind(StrEnum):
    """What an amount is; decides Belegfeld 1 and how granularity merges bookings.

    The values are stored in the database (booking rules), so they never change."""

    DEBTOR = "debtor"  # clears the order's open item on the Sammeldebitor
    FEE = "fee"
    RESERVE = "reserve"
    OTHER = "other"
    REVENUE = "revenue"
    PAYOUT = "payout"
    UNMATCHED = "unmatched"
    FX_DIFFERENCE = "fx_difference"


DEBTOR = RuleKind.DEBTOR
FEE = RuleKind.FEE
RESERVE = RuleKind.RESERVE
OTHER = RuleKind.OTHER
REVENUE = RuleKind.REVENUE
PAYOUT = RuleKind.PAYOUT
UNMATCHED = RuleKind.UNMATCHED
FX_DIFFERENCE = RuleKind.FX_DIFFERENCE


@lru_cache(maxsize=512)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern.strip().casefold()))


def _specificity(parts: tuple[str, ...]) -> tuple[int, int]:
    """Sort key: rules with fewer wildcards first."""
    wild_parts = sum(1 for p in parts if p.strip() == WILDCARD)
    stars = sum(p.count("*") + p.count("?") for p in parts)
    return wild_parts, stars


def _valid(valid_from: date | None, valid_to: date | None, day: date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)


@dataclass(frozen=True, slots=True)
class PayoutRule:
    transaction_type: str
    amount_type: str
    amount_description: str
    account: str  # Gegenkonto; Konto is the clearing account
    tax_key: str = ""
    kind: RuleKind = RuleKind.OTHER
    valid_from: date | None = None
    valid_to: date | None = None
    label: str = ""
    # #43 Sachverhalt L+L of a reverse-charge key (see SACHVERHALT_*); the advisor may change it.
    sachverhalt: str = ""
    # The line's fulfillment-id: "AFN" (Amazon's warehouse), "MFN" (the seller ships), or "*".
    fulfillment: str = WILDCARD

    def __post_init__(self) -> None:
        # Rules loaded from the database carry the kind as a plain string; an unknown one
        # is refused here rather than booked as something it is not.
        object.__setattr__(self, "kind", RuleKind(self.kind))

    @property
    def pattern(self) -> tuple[str, str, str]:
        return (self.transaction_type, self.amount_type, self.amount_description)

    @property
    def specificity(self) -> tuple[int, int]:
        return _specificity((*self.pattern, self.fulfillment))

    def matches(
        self,
        transaction_type: str,
        amount_type: str,
        amount_description: str,
        fulfillment: str = "",
    ) -> bool:
        if self.fulfillment != WILDCARD and (
            self.fulfillment.strip().casefold() != fulfillment.strip().casefold()
        ):
            return False
        return all(
            _compile(p).match(v.strip().casefold())
            for p, v in zip(
                self.pattern, (transaction_type, amount_type, amount_description), strict=True
            )
        )

    def describe(self) -> str:
        text = self.label or "/".join(self.pattern)
        key = f" BU {self.tax_key}" if self.tax_key else ""
        case = f" SV {self.sachverhalt}" if self.sachverhalt else ""
        return f"{text} -> {self.account}{key}{case}"


@dataclass(frozen=True, slots=True)
class OrderRule:
    treatment: str  # a datev.tax_treatment name, e.g. "DE_19", or its VAT rule "EU_LOCAL_VAT"
    account: str  # Gegenkonto; Konto is the Sammeldebitor
    country: str = WILDCARD  # ISO code of the arrival/taxing country, or "*"
    tax_key: str = ""
    # Book the amount without VAT: the VAT goes to the account of the `<TREATMENT>_VAT` rule
    # (VAT owed abroad). Rows where the marketplace collects the VAT are booked net anyway.
    net: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    label: str = ""

    def describe(self) -> str:
        text = self.label or self.treatment
        return f"{text} -> {self.account}" + (f" BU {self.tax_key}" if self.tax_key else "")


@dataclass(frozen=True)
class RuleSet:
    """The rules of one client for one marketplace (or "*" for every marketplace)."""

    marketplace: str
    clearing_account: str
    debtor_account: str
    transit_account: str
    suspense_account: str
    fx_gain_account: str
    fx_loss_account: str
    payout_rules: tuple[PayoutRule, ...] = ()
    order_rules: tuple[OrderRule, ...] = ()
    _payout_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _order_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def match_payout(
        self,
        transaction_type: str,
        amount_type: str,
        amount_description: str,
        day: date,
        fulfillment: str = "",
    ) -> PayoutRule | None:
        key = (transaction_type, amount_type, amount_description, fulfillment)
        candidates = self._payout_cache.get(key)
        if candidates is None:
            matching = [r for r in self.payout_rules if r.matches(*key)]
            candidates = self._payout_cache[key] = sorted(matching, key=lambda r: r.specificity)
        for rule in candidates:
            if _valid(rule.valid_from, rule.valid_to, day):
                return rule
        return None

    def match_order(self, treatment: str, country: str, day: date) -> OrderRule | None:
        key = (treatment, country, day)
        if key not in self._order_cache:  # a report has few treatments, countries and days
            self._order_cache[key] = self._match_order(treatment, country, day)
        return self._order_cache[key]

    def _match_order(self, treatment: str, country: str, day: date) -> OrderRule | None:
        best: OrderRule | None = None
        for rule in self.order_rules:
            if rule.treatment != treatment or not _valid(rule.valid_from, rule.valid_to, day):
                continue
            if rule.country.upper() == country.upper():
                return rule
            if rule.country == WILDCARD and best is None:
                best = rule
        return best


@dataclass(frozen=True)
class RuleBook:
    """All rule sets of a client for one integration, looked up by marketplace."""

    rule_sets: tuple[RuleSet, ...]
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def for_marketplace(self, marketplace: str | None) -> RuleSet:
        rule_set = self._cache.get(marketplace)
        if rule_set is None:  # a VAT report asks for every row
            rule_set = self._cache[marketplace] = self._for_marketplace(marketplace)
        return rule_set

    def _for_marketplace(self, marketplace: str | None) -> RuleSet:
        wanted = (marketplace or "").strip().casefold()
        fallback = None
        for rule_set in self.rule_sets:
            if rule_set.marketplace.casefold() == wanted:
                return rule_set
            if rule_set.marketplace == WILDCARD:
                fallback = rule_set
        if fallback is None:
            raise RulesMissing(f"Keine Buchungsregeln für den Marktplatz {marketplace!r}.")
        return fallback


@dataclass(frozen=True, slots=True)
class _Tax:
    """How Amazon's invoices for one kind of amount are taxed in one period."""

    tax_key: str
    sachverhalt: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class _Seller:
    """The client's master data that decide the tax of Amazon's invoices."""

    country: str = "DE"  # Sitzland
    small_business: bool = False  # Kleinunternehmer (§ 19 UStG): no input VAT

    @property
    def in_germany(self) -> bool:
        return self.country.strip().upper() == "DE"

    def reverse_charge(
        self, sachverhalt: str, valid_from: date | None = None, valid_to: date | None = None
    ) -> _Tax:
        key = REVERSE_CHARGE_NO_INPUT_TAX_KEY if self.small_business else REVERSE_CHARGE_KEY
        return _Tax(key, sachverhalt, valid_from, valid_to)

    def german_vat(self, valid_from: date | None = None, valid_to: date | None = None) -> _Tax:
        """An invoice with German VAT: input VAT, or for a Kleinunternehmer the gross amount
        as the expense, without a key."""
        return _Tax("" if self.small_business else INPUT_VAT_KEY, "", valid_from, valid_to)


def _fee_taxes(marketplace: str, seller: _Seller) -> tuple[_Tax, ...]:
    """Selling and FBA fees: reverse charge until 31.07.2024 (Amazon Services Europe,
    Luxembourg: an EU entrepreneur's service), German input VAT from 01.08.2024; for a store
    outside Europe reverse charge for a foreign entrepreneur's service at every date."""
    if is_non_european(marketplace):
        return (seller.reverse_charge(SACHVERHALT_FOREIGN_ENTREPRENEUR),)
    if not seller.in_germany:
        # Amazon EU invoices a seller established elsewhere from Luxembourg or from its branch
        # in the seller's country, never with German VAT: reverse charge continues.
        return (seller.reverse_charge(SACHVERHALT_EU_SERVICE),)
    return (
        seller.reverse_charge(SACHVERHALT_EU_SERVICE, valid_to=REVERSE_CHARGE_UNTIL),
        seller.german_vat(valid_from=FEE_TAX_KEY_CHANGE),
    )


def _ads_taxes(marketplace: str, seller: _Seller) -> tuple[_Tax, ...]:
    """Advertising: German VAT only for amazon.de ads from 10/2018; every other store and
    earlier date is a foreign Amazon company's service under reverse charge."""
    if is_non_european(marketplace):
        return (seller.reverse_charge(SACHVERHALT_FOREIGN_ENTREPRENEUR),)
    if _same_marketplace(marketplace, "Amazon.co.uk"):
        return (
            seller.reverse_charge(SACHVERHALT_EU_SERVICE, valid_to=_day_before(UK_OUTSIDE_EU_FROM)),
            seller.reverse_charge(SACHVERHALT_FOREIGN_ENTREPRENEUR, valid_from=UK_OUTSIDE_EU_FROM),
        )
    if _same_marketplace(marketplace, "Amazon.de") and seller.in_germany:
        # A B2B service is taxed where the customer is established (§ 3a Abs. 2 UStG): only
        # a seller established in Germany gets the German Amazon company's German VAT.
        return (
            seller.reverse_charge(
                SACHVERHALT_EU_SERVICE, valid_to=_day_before(GERMAN_ADS_VAT_FROM)
            ),
            seller.german_vat(valid_from=GERMAN_ADS_VAT_FROM),
        )
    return (seller.reverse_charge(SACHVERHALT_EU_SERVICE),)


def _day_before(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


def _taxed_rules(
    tt: str, at: str, desc: str, account: str, label: str, taxes: tuple[_Tax, ...]
) -> tuple[PayoutRule, ...]:
    """One fee rule per tax period."""
    return tuple(
        PayoutRule(
            tt,
            at,
            desc,
            account,
            t.tax_key,
            FEE,
            t.valid_from,
            t.valid_to,
            label + (" (RC)" if t.sachverhalt else ""),
            t.sachverhalt,
        )  # fmt: skip
        for t in taxes
    )


def default_payout_rules(
    chart: Chart,
    account_length: int = STANDARD_LENGTH,
    marketplace: str = WILDCARD,
    *,
    country: str = "DE",
    small_business: bool = False,
) -> tuple[PayoutRule, ...]:
    """Settlement rules of DESIGN.md §4 for one marketplace ("*": a store without rules of
    its own); unmatched amounts go to the Klärungskonto. `country` is the client's Sitzland,
    `small_business` whether it is a Kleinunternehmer (no input VAT keys)."""
    a = default_accounts(chart, account_length)
    seller = _Seller(country, small_business)
    european = not is_non_european(marketplace)
    fees = _fee_taxes(marketplace, seller)
    rules: list[PayoutRule] = []
    for tt in ("Order", "Refund", "Chargeback*"):
        for at in ("ItemPrice", "ItemWithheldTax", "Promotion"):
            if european:
                rules.append(PayoutRule(tt, at, "*", a.debtor, "", DEBTOR, label=f"{tt}/{at}"))
            else:
                # No VAT Transactions Report covers these stores, so no Order batch opens an
                # item on the Sammeldebitor: the settlement books the revenue itself (net of
                # the tax the marketplace withholds). Fulfilled by Amazon from its warehouse
                # there (AFN), the sale is made abroad (§ 3 Abs. 6 UStG): not taxable in
                # Germany (8338/4338, Kz 45), not an export (Kz 43 needs goods leaving
                # Germany). A parcel the seller ships itself (MFN) is taken to leave from its
                # own stock in Germany: an export (8120/4120), for which it needs the
                # Ausfuhrnachweis; a seller shipping from stock abroad changes that rule.
                rules.append(
                    PayoutRule(tt, at, "*", a.revenue_non_european_marketplace, "", REVENUE,
                               label=f"{tt}/{at} Erlöse nicht steuerbar")
                )  # fmt: skip
                rules.append(
                    PayoutRule(tt, at, "*", a.revenue_export, "", REVENUE,
                               label=f"{tt}/{at} Ausfuhr (MFN aus DE)", fulfillment="MFN")
                )  # fmt: skip
    # Foreign tax that Amazon charges on its fees (amazon.ca "TaxAmount": GST/HST) is neither
    # German input VAT nor a § 13b base: a claim against the foreign tax office, without a key.
    # First, so that it wins the tie with the advertising and ServiceFee rules.
    rules.append(
        PayoutRule("*", "*", "TaxAmount", a.foreign_tax_claim, "", OTHER,
                   label="Ausländische Steuer auf Gebühren")
    )  # fmt: skip
    # Advertising first: it also arrives as ServiceFee/ItemFees/"Cost of Advertising".
    ads = _ads_taxes(marketplace, seller)
    for tt, at, desc in (
        ("*", "Cost of Advertising", "*"),
        ("Cost of Advertising", "*", "*"),
        ("*", "*", "Cost of Advertising"),
    ):
        rules += _taxed_rules(tt, at, desc, a.advertising, "Werbekosten", ads)
    rules += _taxed_rules("*", "ItemFees", "*", a.selling_fees, "Verkaufsgebühren", fees)
    rules += _taxed_rules("*", "ShipmentFees", "*", a.fba_fees, "Versandgebühren", fees)
    rules += _taxed_rules("*", "ItemFees", "FBA*", a.fba_fees, "FBA-Gebühren", fees)
    # Before ServiceFee: as specific as it, so the earlier rule wins the tie.
    rules += _taxed_rules("*", "*", "Subscription Fee", a.selling_fees, "Grundgebühr", fees)
    rules += _taxed_rules("ServiceFee", "*", "*", a.fba_fees, "Servicegebühren", fees)
    rules += _taxed_rules("*", "*", "*Storage*", a.fba_fees, "Lagergebühren", fees)
    rules += _taxed_rules("*", "*", "*Removal*", a.fba_fees, "Remissionsgebühren", fees)
    rules += _taxed_rules("*", "*", "*Disposal*", a.fba_fees, "Entsorgungsgebühren", fees)
    rules.append(
        PayoutRule("*", "FBA Inventory Reimbursement", "*", a.reimbursements, "", OTHER,
                   label="Erstattungen FBA-Inventar")
    )  # fmt: skip
    rules.append(
        PayoutRule("*", "*", "WAREHOUSE_*", a.reimbursements, "", OTHER,
                   label="Erstattungen FBA-Inventar")
    )  # fmt: skip
    for desc in ("Previous Reserve Amount Balance", "Current Reserve Amount"):
        rules.append(PayoutRule("*", "*", desc, a.reserve, "", RESERVE, label="Einbehalt"))
    return tuple(rules)


def default_order_rules(
    chart: Chart, account_length: int = STANDARD_LENGTH
) -> tuple[OrderRule, ...]:
    """VAT report rules of DESIGN.md §4 by tax treatment (`datev.tax_treatment`), each label
    naming the case it books. A rule with `net` books the amount without VAT; the VAT the
    seller owes abroad goes to the account of the `<TREATMENT>_VAT` rule, so the Sammeldebitor
    still holds the gross amount the settlement clears."""
    a = default_accounts(chart, account_length)
    t = TaxTreatment
    return (
        # DE -> DE, seller collects German VAT (§ 1 Abs. 1 Nr. 1 UStG): gross on the automatic
        # accounts, which extract the VAT.
        OrderRule(t.DE_19, a.revenue_19, label="DE nach DE 19 % § 1 UStG"),
        OrderRule(t.DE_7, a.revenue_7, label="DE nach DE 7 % § 12 II UStG"),
        # EU warehouse -> German consumer (PL -> DE; since 07/2021 § 3c UStG, before above the
        # delivery threshold), German VAT in the German return, #123 naming the departure
        # country for its own return; or DE -> EU consumer below the delivery threshold
        # (before 07/2021). "Im Inland steuerpflichtige EU-Lieferungen": automatic accounts,
        # gross (review F12, DATEV practice after steuerberater-pressler).
        OrderRule(t.DE_19_EU, a.revenue_de_eu_19, label="EU-Lieferung, in DE stpfl. 19 %"),
        OrderRule(t.DE_7_EU, a.revenue_de_eu_7, label="EU-Lieferung, in DE stpfl. 7 %"),
        # DE -> DE to a business with a German VAT id at 0 %: the buyer owes the tax (§ 13b
        # Abs. 2 Nr. 10 UStG: phones, tablets, consoles, chips from 5,000 EUR), Kz 60. Which
        # § 13b case it is the advisor confirms (8337/4337 for other services).
        OrderRule(t.DE_REVERSE_CHARGE, a.revenue_reverse_charge_de,
                  label="DE nach DE § 13b II Nr. 10 (prüfen)"),
        # DE -> EU consumer, seller declares the arrival country's VAT in the OSS (§ 3c, § 18j
        # UStG): BU 240, #40 country, #41 rate.
        OrderRule(t.OSS_FROM_DE, a.revenue_oss, tax_key="240",
                  label="OSS DE nach EU § 3c UStG"),
        # Foreign EU warehouse -> other EU consumer, in the OSS: BU 241, #123 origin VAT id.
        OrderRule(t.OSS_FROM_EU, a.revenue_oss, tax_key="241",
                  label="OSS EU-Lager nach EU § 3c"),
        # DE -> EU business with a VAT id, 0 %: igL (§ 4 Nr. 1b, § 6a UStG), Kz 41 and ZM.
        OrderRule(t.IC_SUPPLY, a.revenue_ic_supply, label="igL DE nach EU § 4 Nr. 1b"),
        # Foreign EU warehouse -> EU business (PL -> AT, PL -> DE): the seller's supply in the
        # departure country (§ 3 Abs. 6 UStG), declared there; an individual account outside
        # the German UStVA/ZM, #123 the departure country's VAT id. The account is to be set
        # up and confirmed by the advisor (unverified in the review).
        OrderRule(t.IC_SUPPLY_FOREIGN, a.revenue_ic_supply_foreign, net=True,
                  label="igL aus EU-Lager (prüfen)"),
        # DE -> third country (also UK_VOEC-IMPORT from DE, Amazon collecting the UK VAT):
        # Ausfuhr (§ 4 Nr. 1a, § 6 UStG), Kz 43.
        OrderRule(t.EXPORT, a.revenue_export, net=True, label="Ausfuhr DE § 4 Nr. 1a UStG"),
        # Foreign EU warehouse -> third country (PL -> CH, CZ -> GB): that country's export,
        # not taxable in Germany (§ 3 Abs. 6 UStG), Kz 45.
        OrderRule(t.EXPORT_FROM_EU, a.revenue_not_taxable, net=True,
                  label="Ausfuhr EU-Lager, nicht stb."),
        # Third-country warehouse (GB -> GB under UK VOEC domestic, GB -> EU under IOSS, Amazon
        # collecting; GB -> GB or CH -> CH, the seller collecting): a supply abroad, not
        # taxable in Germany (§ 3 Abs. 6 UStG), Kz 45. Net; VAT the seller collects goes to a
        # liability account, never to revenue (the account is for the advisor to confirm).
        OrderRule(t.THIRD_COUNTRY, a.revenue_not_taxable, net=True,
                  label="Drittlandslager § 3 Abs. 6"),
        OrderRule(vat_rule_name(t.THIRD_COUNTRY), a.third_country_vat,
                  label="USt Drittland, vom Steuerberater zu prüfen"),
        # Taxable in another EU country under the seller's registration there (PL -> PL from
        # the Polish warehouse; distance sales above the threshold before 07/2021; the seller
        # collects): not taxable in Germany, Kz 45. Net, the foreign VAT on 1767/3817. The
        # advisor may book gross with BU 10 (#40/#41) instead: which DATEV wants after 07/2021
        # is unverified.
        OrderRule(t.EU_LOCAL, a.revenue_oss, net=True, label="Im anderen EU-Land stpfl."),
        OrderRule(vat_rule_name(t.EU_LOCAL), a.foreign_vat, label="USt im anderen EU-Land"),
        # MARKETPLACE_COLLECTED (Amazon collects the VAT of a sale from the EU that no case
        # above covers; for a German seller no deemed-supplier case) has no default rule: the
        # Klärungskonto shows it for the advisor.
    )  # fmt: skip


def marketplace_clearing_account(
    chart: Chart, marketplace: str, account_length: int = STANDARD_LENGTH
) -> str:
    """The clearing account of one store (see CLEARING_ACCOUNT_STORES); the chart's common
    clearing account for a store not in that list."""
    common = default_accounts(chart).clearing
    wanted = marketplace.strip().casefold()
    position = next(
        (i for i, m in enumerate(CLEARING_ACCOUNT_STORES, 1) if m.casefold() == wanted), 0
    )
    return str(int(common) + position) + "0" * (account_length - STANDARD_LENGTH)


def default_rule_set(
    chart: Chart,
    marketplace: str = WILDCARD,
    account_length: int = STANDARD_LENGTH,
    *,
    country: str = "DE",
    small_business: bool = False,
    clearing_per_marketplace: bool = False,
) -> RuleSet:
    """The default rules of one marketplace for a client's master data (chart, Sachkonten-
    länge, Sitzland, Kleinunternehmer) and its choice of one clearing account per store."""
    a = default_accounts(chart, account_length)
    clearing = a.clearing
    if clearing_per_marketplace:
        clearing = marketplace_clearing_account(chart, marketplace, account_length)
    return RuleSet(
        marketplace=marketplace,
        clearing_account=clearing,
        debtor_account=a.debtor,
        transit_account=a.transit,
        suspense_account=a.suspense,
        fx_gain_account=a.fx_gain,
        fx_loss_account=a.fx_loss,
        payout_rules=default_payout_rules(
            chart, account_length, marketplace, country=country, small_business=small_business
        ),
        order_rules=default_order_rules(chart, account_length),
    )


def default_rule_book(
    chart: Chart,
    account_length: int = STANDARD_LENGTH,
    *,
    country: str = "DE",
    small_business: bool = False,
    clearing_per_marketplace: bool = False,
) -> RuleBook:
    """The "*" rule set plus one for every known store: advertising is taxed per store, and
    the stores outside Europe invoice their fees without German VAT. With
    `clearing_per_marketplace` every store books on a clearing account of its own (1211 ff.)."""
    return RuleBook(
        tuple(
            default_rule_set(
                chart,
                marketplace,
                account_length,
                country=country,
                small_business=small_business,
                clearing_per_marketplace=clearing_per_marketplace,
            )
            for marketplace in (WILDCARD, *EUROPEAN_MARKETPLACES, *NON_EUROPEAN_MARKETPLACES)
        )
    )
