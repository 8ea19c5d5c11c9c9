"""The seller's own VAT ids in other EU countries (master data for stock transfers).

A transfer DE → PL is declared in the German ZM under the seller's Polish VAT id, so the id must be
a real one of that country: checked with python-stdnum (country prefix and check digit), like the
client's German USt-IdNr.
"""

from __future__ import annotations

from stdnum.eu import vat
from stdnum.exceptions import ValidationError

from datev.tax_treatment import EU_MEMBERS, country_code, eu_prefix


class OwnVatIdError(ValueError):
    """An own VAT id that cannot be used; the message is German and meant for the user."""


def validate_own_vat_id(country: str, vat_id: str) -> tuple[str, str]:
    """(ISO country code, VAT id in compact form) or OwnVatIdError.

    `country` may be empty: the VAT id's prefix then names it ("EL" is Greece, GR)."""
    try:
        compact = vat.validate(vat_id)
    except ValidationError:
        raise OwnVatIdError(
            f"„{vat_id}“ ist keine gültige USt-IdNr. (Länderkennung und Prüfziffer prüfen)."
        ) from None
    own_country = country_code(compact[:2])
    code = country_code(country) if country.strip() else own_country
    if code == "DE" or code not in EU_MEMBERS:
        raise OwnVatIdError(
            f"„{country or code}“ ist kein anderer EU-Staat als Deutschland "
            "(die deutsche USt-IdNr. steht in den Stammdaten)."
        )
    if compact[:2] != eu_prefix(code):
        raise OwnVatIdError(
            f"Die USt-IdNr. {compact} gehört nicht zu {code} (sie muss mit {eu_prefix(code)} "
            "beginnen)."
        )
    return code, compact


def parse_vat_id_option(text: str) -> tuple[str, str]:
    """`--vat-id PL:PL5260250274` or `--vat-id PL5260250274` (the prefix names the country)."""
    country, _, vat_id = text.rpartition(":")
    return validate_own_vat_id(country, vat_id.strip())
