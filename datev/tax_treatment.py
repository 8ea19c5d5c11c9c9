"""The tax treatment of a VAT transaction (DESIGN.md §4, "first match wins").

The treatment decides the revenue account of an Order booking. Names are stable identifiers that
booking rules refer to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from parsers.records import VatTransaction

DE_19 = "DE_19"
DE_7 = "DE_7"
OSS_FROM_DE = "OSS_FROM_DE"
OSS_FROM_EU = "OSS_FROM_EU"
IC_SUPPLY = "IC_SUPPLY"
EXPORT = "EXPORT"
MARKETPLACE_COLLECTED = "MARKETPLACE_COLLECTED"
EU_LOCAL = "EU_LOCAL"
UNKNOWN = "UNKNOWN"

TREATMENTS = (
    DE_19,
    DE_7,
    OSS_FROM_DE,
    OSS_FROM_EU,
    IC_SUPPLY,
    EXPORT,
    MARKETPLACE_COLLECTED,
    EU_LOCAL,
    UNKNOWN,
)

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
    name: str
    country: str = ""  # arrival country (OSS), taxing country (EU_LOCAL), "" otherwise
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


def _origin(tx: VatTransaction, depart: str, day: date | None) -> str:
    """#123 for goods leaving from an EU country other than Germany: DATEV asks for the
    sender's EU country by its VAT id there (TRANSACTION_SELLER_VAT_NUMBER), else its code."""
    if depart == "DE" or not in_eu(depart, day):
        return ""
    seller = normalise_vat_id(tx.seller_vat_number, tx.seller_vat_number_country)
    return seller if seller[:2] == eu_prefix(depart) else eu_prefix(depart)


def derive_treatment(tx: VatTransaction) -> Treatment:
    day = tx.transaction_complete_date or tx.tax_calculation_date
    depart = country_code(tx.sale_depart_country or tx.departure_country)
    arrival = country_code(tx.sale_arrival_country or tx.arrival_country)
    rate = tx.vat_rate
    if tx.tax_collection_responsibility.upper() == "MARKETPLACE":
        return Treatment(MARKETPLACE_COLLECTED, country=arrival)
    origin = _origin(tx, depart, day)
    if tx.tax_reporting_scheme.upper() == "UNION-OSS":
        name = OSS_FROM_DE if depart == "DE" else OSS_FROM_EU
        return Treatment(name, country=arrival, rate_percent=_percent(rate), origin=origin)
    vat_id = normalise_vat_id(tx.buyer_vat_number, tx.buyer_vat_number_country, arrival)
    if vat_id and depart != arrival and in_eu(depart, day) and in_eu(arrival, day) and not rate:
        return Treatment(IC_SUPPLY, country=arrival, vat_id=vat_id, origin=origin)
    if tx.export_outside_eu or (arrival and not in_eu(arrival, day)):
        return Treatment(EXPORT, country=arrival)
    taxing = country_code(tx.taxable_jurisdiction) or country_code(
        tx.vat_calculation_imputation_country
    )
    if taxing == "DE":
        if rate in (Decimal("0.19"), Decimal("0.16")):  # 16 %: 07-12/2020
            return Treatment(DE_19, country="DE", rate_percent=_percent(rate))
        if rate in (Decimal("0.07"), Decimal("0.05")):
            return Treatment(DE_7, country="DE", rate_percent=_percent(rate))
        return Treatment(UNKNOWN, country="DE", rate_percent=_percent(rate))
    if taxing and in_eu(taxing, day):
        return Treatment(EU_LOCAL, country=taxing, rate_percent=_percent(rate), origin=origin)
    return Treatment(UNKNOWN, country=taxing)
