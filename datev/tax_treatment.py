"""The tax treatment of a VAT transaction (DESIGN.md §4, "first match wins").

The treatment decides the revenue account of an Order booking. Names are stable identifiers that
booking rules refer to (`TaxTreatment`, stored in the database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

from parsers.records import VatTransaction


class TaxTreatment(StrEnum):
    """The closed set of treatments. The values are stored in the booking rules of the
    database: never rename one."""

    DE_19 = "DE_19"  # taxable in Germany, 19 % (16 % in 07-12/2020)
    DE_7 = "DE_7"  # taxable in Germany, 7 % (5 % in 07-12/2020)
    # Taxable in Germany, the goods crossing an EU border: from a foreign EU warehouse to a
    # German consumer (PL -> DE distance sale; #123 names the departure country for its
    # return), or from Germany to an EU consumer below the delivery threshold (before 07/2021).
    DE_19_EU = "DE_19_EU"
    DE_7_EU = "DE_7_EU"
    # DE -> DE to a business with a German VAT id at 0 %: the buyer owes the tax (§ 13b Abs. 2
    # Nr. 10 UStG, mobile phones, tablets, ...), the seller reports Kz 60.
    DE_REVERSE_CHARGE = "DE_REVERSE_CHARGE"
    OSS_FROM_DE = "OSS_FROM_DE"  # § 3c UStG distance sale from DE, declared in the OSS
    OSS_FROM_EU = "OSS_FROM_EU"  # distance sale from a foreign EU warehouse, in the OSS
    IC_SUPPLY = "IC_SUPPLY"  # § 4 Nr. 1b / § 6a UStG from DE: Kz 41 and the German ZM
    # A B2B supply from a foreign EU warehouse (PL -> AT, PL -> DE): the seller's supply in
    # the departure country (§ 3 Abs. 6 UStG), declared there, outside the German UStVA/ZM.
    IC_SUPPLY_FOREIGN = "IC_SUPPLY_FOREIGN"
    EXPORT = "EXPORT"  # § 4 Nr. 1a / § 6 UStG: goods leave Germany for a third country, Kz 43
    # Goods leave a foreign EU warehouse for a third country (PL -> CH, CZ -> GB): an export
    # of that country, not taxable in Germany.
    EXPORT_FROM_EU = "EXPORT_FROM_EU"
    # Goods leave from outside the EU (UK domestic under VOEC, IOSS from the UK, seller-
    # collected UK/CH VAT): the place of supply is abroad (§ 3 Abs. 6 UStG), not taxable here.
    THIRD_COUNTRY = "THIRD_COUNTRY"
    # The marketplace collects the VAT of a sale that starts in the EU and fits none of the
    # cases above (a German seller is no deemed-supplier case): the advisor has to decide.
    MARKETPLACE_COLLECTED = "MARKETPLACE_COLLECTED"
    # Taxable in another EU country under a local registration (local PL/CZ/FR sales,
    # distance sales before 07/2021): net revenue, the foreign VAT on a liability account.
    EU_LOCAL = "EU_LOCAL"
    UNKNOWN = "UNKNOWN"


def vat_rule_name(treatment: str) -> str:
    """The order rule that names the account for the VAT of a treatment booked net (the
    seller owes that VAT abroad), e.g. EU_LOCAL_VAT -> 1767: a rule like any other, so the
    advisor can change the account per country."""
    return f"{treatment}_VAT"


EU_MEMBERS = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
BREXIT = date(2021, 1, 1)  # GB left the EU VAT area (Northern Ireland "XI" stays for goods)

# Amazon writes TAXABLE_JURISDICTION as an English country name.
_COUNTRY_NAMES = {
    "AUSTRIA": "AT", "BELGIUM": "BE", "BULGARIA": "BG", "CYPRUS": "CY",
    "CZECH REPUBLIC": "CZ", "CZECHIA": "CZ", "GERMANY": "DE", "DENMARK": "DK", "ESTONIA": "EE",
    "SPAIN": "ES", "FINLAND": "FI", "FRANCE": "FR", "GREECE": "GR", "CROATIA": "HR",
    "HUNGARY": "HU", "IRELAND": "IE", "ITALY": "IT", "LITHUANIA": "LT", "LUXEMBOURG": "LU",
    "LATVIA": "LV", "MALTA": "MT", "NETHERLANDS": "NL", "POLAND": "PL", "PORTUGAL": "PT",
    "ROMANIA": "RO", "SWEDEN": "SE", "SLOVENIA": "SI", "SLOVAKIA": "SK",
    "UNITED KINGDOM": "GB", "GREAT BRITAIN": "GB", "SWITZERLAND": "CH", "NORWAY": "NO",
    "TURKEY": "TR",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Treatment:
    name: TaxTreatment
    # The country a rule can match: arrival country (OSS, IC supply, exports, third country),
    # taxing country (EU_LOCAL, DE), "" where unknown.
    country: str = ""
    vat_id: str = ""  # the buyer's VAT id for intra-community supplies
    rate_percent: Decimal | None = None  # the VAT rate in percent for #41
    # #123 EU-Land u. UStID (Ursprung) where the goods leave from another EU country (a
    # Pan-EU warehouse): the seller's VAT id there, or that country's code.
    origin: str = ""


def country_code(value: str) -> str:
    """ISO code of a country given as code or as Amazon's English name ("" if unknown)."""
    value = value.strip().upper()
    if len(value) == 2:
        return "GR" if value == "EL" else value
    return _COUNTRY_NAMES.get(value, "")


def eu_prefix(country: str) -> str:
    """The prefix of a member state's VAT ids: its ISO code, but "EL" for Greece. (DATEV wants
    the ISO code, GR, where #40 holds only a country, as for OSS.)"""
    return "EL" if country == "GR" else country


_NOT_IN_VAT_ID = re.compile(r"[^A-Z0-9]")


def normalise_vat_id(value: str, *countries: str) -> str:
    """A buyer's VAT id as DATEV's #40 takes it: capitals and digits only ("de 123 456 789" and
    "DE-123.456.789" are DE123456789); where the country prefix is missing, the first of
    `countries` that is a country code goes in front."""
    if not value:
        return ""
    vat_id = _NOT_IN_VAT_ID.sub("", value.upper())
    if vat_id and not vat_id[:2].isalpha():
        for country in map(country_code, countries):
            if len(country) == 2 and country.isalpha():
                return eu_prefix(country) + vat_id
    return vat_id


def in_eu(country: str, day: date | None) -> bool:
    if country in EU_MEMBERS or country == "XI":
        return True
    return country == "GB" and day is not None and day < BREXIT


def _percent(rate: Decimal | None) -> Decimal | None:
    return None if rate is None else (rate * 100).quantize(Decimal("0.01"))


def _origin(tx: _Inputs, depart: str, day: date | None) -> str:
    """#123 for goods leaving from an EU country other than Germany: DATEV asks for the
    sender's EU country by its VAT id there (TRANSACTION_SELLER_VAT_NUMBER), else its code."""
    if depart == "DE" or not in_eu(depart, day):
        return ""
    seller = normalise_vat_id(tx.seller_vat_number, tx.seller_vat_number_country)
    return seller if seller[:2] == eu_prefix(depart) else eu_prefix(depart)


def _taxable_in_germany(
    rate: Decimal | None,
    depart: str,
    arrival: str,
    day: date | None,
    origin: str,
    buyer_vat_id: str,
) -> Treatment:
    # Across an EU border: from a foreign EU warehouse (#123 names it) or to an EU country.
    eu_supply = bool(origin) or (depart == "DE" and arrival != "DE" and in_eu(arrival, day))
    percent = _percent(rate)
    if rate in (Decimal("0.19"), Decimal("0.16")):  # 16 %: 07-12/2020
        name = TaxTreatment.DE_19_EU if eu_supply else TaxTreatment.DE_19
        return Treatment(name, country="DE", rate_percent=percent, origin=origin)
    if rate in (Decimal("0.07"), Decimal("0.05")):
        name = TaxTreatment.DE_7_EU if eu_supply else TaxTreatment.DE_7
        return Treatment(name, country="DE", rate_percent=percent, origin=origin)
    if depart == "DE" and not rate and buyer_vat_id[:2] == "DE" and rate is not None:
        return Treatment(TaxTreatment.DE_REVERSE_CHARGE, country="DE", vat_id=buyer_vat_id)
    return Treatment(TaxTreatment.UNKNOWN, country="DE", rate_percent=percent)


class _Inputs(NamedTuple):
    """The fields of a VatTransaction that decide its treatment, named as there. A report has
    few distinct combinations of them, so each is derived once (`_derive` only sees these)."""

    transaction_complete_date: date | None
    tax_calculation_date: date | None
    sale_depart_country: str
    departure_country: str
    sale_arrival_country: str
    arrival_country: str
    vat_rate: Decimal | None
    tax_reporting_scheme: str
    seller_vat_number: str
    seller_vat_number_country: str
    buyer_vat_number: str
    buyer_vat_number_country: str
    export_outside_eu: bool
    tax_collection_responsibility: str
    taxable_jurisdiction: str
    vat_calculation_imputation_country: str


_inputs_of = attrgetter(*_Inputs._fields)


def derive_treatment(tx: VatTransaction) -> Treatment:
    """First match wins, the departure country first (§ 3 Abs. 6 UStG: a supply with
    transport takes place where the transport begins), as DESIGN.md §4 lists the cases."""
    return _derive(_inputs_of(tx))


@lru_cache(maxsize=4096)
def _derive(inputs: tuple) -> Treatment:
    tx = _Inputs._make(inputs)
    day = tx.transaction_complete_date or tx.tax_calculation_date
    depart = country_code(tx.sale_depart_country or tx.departure_country)
    arrival = country_code(tx.sale_arrival_country or tx.arrival_country)
    rate = tx.vat_rate
    scheme = tx.tax_reporting_scheme.upper()
    from_eu = in_eu(depart, day)
    if (depart and not from_eu) or scheme == "UK_VOEC-DOMESTIC":
        # UK VOEC domestic, IOSS deemed reseller from the UK, seller-collected UK/CH VAT:
        # a supply abroad, whoever collects the VAT there. Its country is where the goods
        # are (GB for VOEC domestic, also where a row lacks the departure country).
        place = depart if depart and not from_eu else arrival
        return Treatment(TaxTreatment.THIRD_COUNTRY, country=place)
    origin = _origin(tx, depart, day)
    if scheme == "UNION-OSS":
        name = TaxTreatment.OSS_FROM_DE if depart == "DE" else TaxTreatment.OSS_FROM_EU
        return Treatment(name, country=arrival, rate_percent=_percent(rate), origin=origin)
    vat_id = normalise_vat_id(tx.buyer_vat_number, tx.buyer_vat_number_country, arrival)
    if vat_id and depart != arrival and from_eu and in_eu(arrival, day) and not rate:
        name = TaxTreatment.IC_SUPPLY if depart == "DE" else TaxTreatment.IC_SUPPLY_FOREIGN
        return Treatment(name, country=arrival, vat_id=vat_id, origin=origin)
    if tx.export_outside_eu or (arrival and not in_eu(arrival, day)):
        if depart == "DE":  # UK_VOEC-IMPORT shipped from Germany stays an export
            return Treatment(TaxTreatment.EXPORT, country=arrival)
        if from_eu:
            return Treatment(TaxTreatment.EXPORT_FROM_EU, country=arrival, origin=origin)
        return Treatment(TaxTreatment.UNKNOWN, country=arrival)  # from where? not Kz 43
    if tx.tax_collection_responsibility.upper() == "MARKETPLACE":
        return Treatment(TaxTreatment.MARKETPLACE_COLLECTED, country=arrival)
    taxing = country_code(tx.taxable_jurisdiction) or country_code(
        tx.vat_calculation_imputation_country
    )
    if taxing == "DE":
        return _taxable_in_germany(rate, depart, arrival, day, origin, vat_id)
    if taxing and in_eu(taxing, day):
        return Treatment(
            TaxTreatment.EU_LOCAL, country=taxing, rate_percent=_percent(rate), origin=origin
        )
    return Treatment(TaxTreatment.UNKNOWN, country=taxing)
