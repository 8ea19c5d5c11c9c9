"""Tax treatment of a VAT transaction, first match wins (DESIGN.md §4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from datev_builders import vat_row

from datev.tax_treatment import TaxTreatment, country_code, derive_treatment, vat_rule_name


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
        # B2B from a Polish Amazon warehouse: the seller's supply in Poland, not a German igL
        ({"rate": "0.0", "depart": "PL", "arrival": "AT", "buyer_vat": "ATU58004634",
          "jurisdiction": "", "seller_vat": "PL5263266229"}, "IC_SUPPLY_FOREIGN", "AT"),
        ({"rate": "0.0", "depart": "PL", "arrival": "DE", "buyer_vat": "DE123456789",
          "jurisdiction": "", "seller_vat": "PL5263266229"}, "IC_SUPPLY_FOREIGN", "DE"),
        ({"rate": "0.0", "arrival": "CH", "export": True, "jurisdiction": ""}, "EXPORT", "CH"),
        ({"rate": "0.0", "arrival": "US", "jurisdiction": ""}, "EXPORT", "US"),
        ({"rate": "0.0", "arrival": "GB", "jurisdiction": "", "day": date(2021, 3, 1)},
         "EXPORT", "GB"),
        # UK_VOEC-IMPORT shipped from Germany: Amazon collects the UK VAT, still an export
        ({"rate": "0.20", "arrival": "GB", "jurisdiction": "UNITED KINGDOM", "export": True,
          "responsibility": "MARKETPLACE", "scheme": "UK_VOEC-IMPORT"}, "EXPORT", "GB"),
        # exports from a foreign EU warehouse are that country's exports
        ({"rate": "0.0", "depart": "PL", "arrival": "CH", "export": True, "jurisdiction": ""},
         "EXPORT_FROM_EU", "CH"),
        ({"rate": "0.0", "depart": "CZ", "arrival": "GB", "export": True, "jurisdiction": "",
          "scheme": "UK_VOEC-IMPORT", "responsibility": "MARKETPLACE"},
         "EXPORT_FROM_EU", "GB"),
        # goods in a UK warehouse: the departure decides before who collects the VAT
        ({"rate": "0.20", "depart": "GB", "arrival": "GB", "responsibility": "MARKETPLACE",
          "scheme": "UK_VOEC-DOMESTIC", "jurisdiction": "UNITED KINGDOM"}, "THIRD_COUNTRY", "GB"),
        ({"rate": "0.20", "depart": "GB", "arrival": "GB", "jurisdiction": "UNITED KINGDOM"},
         "THIRD_COUNTRY", "GB"),
        ({"rate": "0.19", "depart": "GB", "arrival": "DE", "responsibility": "MARKETPLACE",
          "scheme": "DEEMED_RESELLER-IOSS"}, "THIRD_COUNTRY", "GB"),
        ({"rate": "0.081", "depart": "CH", "arrival": "CH", "jurisdiction": "SWITZERLAND"},
         "THIRD_COUNTRY", "CH"),
        # Amazon collecting the VAT of a German sale fits no case for a German seller
        ({"responsibility": "MARKETPLACE"}, "MARKETPLACE_COLLECTED", "DE"),
        ({"rate": "0.23", "depart": "PL", "arrival": "PL", "jurisdiction": "POLAND",
          "scheme": ""}, "EU_LOCAL", "PL"),
        ({"rate": "0.21", "depart": "CZ", "arrival": "CZ", "jurisdiction": "CZECH REPUBLIC",
          "scheme": ""}, "EU_LOCAL", "CZ"),
        ({"rate": None, "jurisdiction": ""}, "UNKNOWN", "DE"),
        # from a foreign EU warehouse to a German consumer: German VAT, the origin named
        ({"rate": "0.19", "depart": "PL", "arrival": "DE", "seller_vat": "PL5263266229"},
         "DE_19_EU", "DE"),
        ({"rate": "0.07", "depart": "CZ", "arrival": "DE"}, "DE_7_EU", "DE"),
        # DE -> FR below the French delivery threshold (2020): German VAT, an EU supply
        ({"rate": "0.19", "arrival": "FR", "scheme": "", "day": date(2020, 2, 5)},
         "DE_19_EU", "DE"),
        # DE -> DE to a German business at 0 %: § 13b Abs. 2 Nr. 10 UStG
        ({"rate": "0.0", "buyer_vat": "DE123456789"}, "DE_REVERSE_CHARGE", "DE"),
        ({"rate": "0.0"}, "UNKNOWN", "DE"),  # 0 % in Germany without a reason: the advisor
        # without the departure country nobody can say that the goods left Germany
        ({"rate": "0.0", "depart": "", "arrival": "CH", "export": True, "jurisdiction": ""},
         "UNKNOWN", "CH"),
    ],
)  # fmt: skip
def test_treatment(fields, name, country):
    treatment = derive_treatment(vat_row(2, **fields))
    assert (treatment.name, treatment.country) == (name, country)


def test_treatment_names_are_stable_because_rules_in_the_database_store_them():
    assert [t.value for t in TaxTreatment] == [
        "DE_19", "DE_7", "DE_19_EU", "DE_7_EU", "DE_REVERSE_CHARGE", "OSS_FROM_DE",
        "OSS_FROM_EU", "IC_SUPPLY", "IC_SUPPLY_FOREIGN", "EXPORT", "EXPORT_FROM_EU",
        "THIRD_COUNTRY", "MARKETPLACE_COLLECTED", "EU_LOCAL", "UNKNOWN",
    ]  # fmt: skip
    assert max(len(vat_rule_name(t)) for t in TaxTreatment) <= 30  # booking_rules.treatment


def test_a_b2b_supply_from_a_foreign_warehouse_names_its_origin_vat_id():
    treatment = derive_treatment(
        vat_row(2, rate="0.0", depart="PL", arrival="AT", buyer_vat="ATU58004634",
                jurisdiction="", seller_vat="PL5263266229")
    )  # fmt: skip
    assert (treatment.vat_id, treatment.origin) == ("ATU58004634", "PL5263266229")


def test_before_brexit_a_sale_to_great_britain_is_no_export():
    # but an EU distance sale below the UK delivery threshold, taxable in Germany
    treatment = derive_treatment(
        vat_row(2, arrival="GB", jurisdiction="GERMANY", day=date(2020, 2, 5))
    )
    assert treatment.name == "DE_19_EU"


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
