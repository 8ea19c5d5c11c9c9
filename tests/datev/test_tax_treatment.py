"""Tax treatment of a VAT transaction, first match wins (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from datev_builders import vat_row

from datev.tax_treatment import country_code, derive_treatment


@pytest.mark.parametrize(
    ("fields", "name", "country"),
    [
        ({}, "DE_19", "DE"),
        ({"rate": "0.07"}, "DE_7", "DE"),
        ({"rate": "0.16", "day": date(2020, 9, 1)}, "DE_19", "DE"),
        ({"rate": "0.20", "arrival": "FR", "jurisdiction": "FRANCE", "scheme": "UNION-OSS"},
         "OSS_FROM_DE", "FR"),
        ({"rate": "0.21", "depart": "CZ", "arrival": "NL", "scheme": "UNION-OSS"},
         "OSS_FROM_EU", "NL"),
        ({"rate": "0.0", "arrival": "AT", "buyer_vat": "ATU12345678", "jurisdiction": ""},
         "IC_SUPPLY", "AT"),
        ({"rate": "0.0", "arrival": "CH", "export": True, "jurisdiction": ""}, "EXPORT", "CH"),
        ({"rate": "0.0", "arrival": "US", "jurisdiction": ""}, "EXPORT", "US"),
        ({"rate": "0.0", "arrival": "GB", "jurisdiction": "", "day": date(2021, 3, 1)},
         "EXPORT", "GB"),
        ({"rate": "0.20", "arrival": "GB", "responsibility": "MARKETPLACE",
          "scheme": "UK_VOEC-DOMESTIC"}, "MARKETPLACE_COLLECTED", "GB"),
        ({"rate": "0.23", "depart": "PL", "arrival": "PL", "jurisdiction": "POLAND",
          "scheme": ""}, "EU_LOCAL", "PL"),
        ({"rate": "0.21", "depart": "CZ", "arrival": "CZ", "jurisdiction": "CZECH REPUBLIC",
          "scheme": ""}, "EU_LOCAL", "CZ"),
        ({"rate": None, "jurisdiction": ""}, "UNKNOWN", "DE"),
    ],
)  # fmt: skip
def test_treatment(fields, name, country):
    treatment = derive_treatment(vat_row(2, **fields))
    assert (treatment.name, treatment.country) == (name, country)


def test_before_brexit_a_sale_to_great_britain_is_no_export():
    treatment = derive_treatment(
        vat_row(2, arrival="GB", jurisdiction="GERMANY", day=date(2020, 2, 5))
    )
    assert treatment.name == "DE_19"


def test_oss_carries_the_rate_in_percent_and_ic_supply_the_buyers_vat_id():
    oss = derive_treatment(vat_row(2, rate="0.055", arrival="FR", scheme="UNION-OSS"))
    assert oss.rate_percent == Decimal("5.50")
    ic = derive_treatment(
        vat_row(2, rate="0.0", arrival="FR", buyer_vat="fr12345678901", jurisdiction="")
    )
    assert ic.vat_id == "FR12345678901"


def test_country_names_and_codes():
    assert country_code("GERMANY") == "DE"
    assert country_code("Czech Republic") == "CZ"
    assert country_code("EL") == "GR"
    assert country_code("ATLANTIS") == ""
