"""The Amazon marketplaces the sandbox knows (DESIGN §2.1) and their facts."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Marketplace:
    id: str
    country: str
    currency: str
    language: str
    domain: str
    vat_rate: Decimal
    in_eu: bool
    tax_jurisdiction: str

    @property
    def name(self) -> str:
        """Name as the Sellers API and the settlement `marketplace-name` column spell it."""
        return "Amazon." + self.domain.removeprefix("www.amazon.")


MARKETPLACES = {
    mp.country: mp
    for mp in (
        Marketplace(
            "A1PA6795UKMFR9",
            "DE",
            "EUR",
            "de_DE",
            "www.amazon.de",
            Decimal("0.19"),
            True,
            "GERMANY",
        ),
        Marketplace(
            "A13V1IB3VIYZZH",
            "FR",
            "EUR",
            "fr_FR",
            "www.amazon.fr",
            Decimal("0.20"),
            True,
            "FRANCE",
        ),
        Marketplace(
            "APJ6JRA9NG5V4", "IT", "EUR", "it_IT", "www.amazon.it", Decimal("0.22"), True, "ITALY"
        ),
        Marketplace(
            "A1RKKUPIHCS9HS", "ES", "EUR", "es_ES", "www.amazon.es", Decimal("0.21"), True, "SPAIN"
        ),
        Marketplace(
            "A1F83G8C2ARO7P",
            "GB",
            "GBP",
            "en_GB",
            "www.amazon.co.uk",
            Decimal("0.20"),
            False,
            "UNITED KINGDOM",
        ),
        Marketplace(
            "A1805IZSGTT6HS",
            "NL",
            "EUR",
            "nl_NL",
            "www.amazon.nl",
            Decimal("0.21"),
            True,
            "NETHERLANDS",
        ),
        Marketplace(
            "AMEN7PMS3EDWL",
            "BE",
            "EUR",
            "fr_BE",
            "www.amazon.com.be",
            Decimal("0.21"),
            True,
            "BELGIUM",
        ),
        Marketplace(
            "A28R8C7NBKEWEA",
            "IE",
            "EUR",
            "en_IE",
            "www.amazon.ie",
            Decimal("0.23"),
            True,
            "IRELAND",
        ),
        Marketplace(
            "A1C3SOZRARQ6R3",
            "PL",
            "PLN",
            "pl_PL",
            "www.amazon.pl",
            Decimal("0.23"),
            True,
            "POLAND",
        ),
        Marketplace(
            "A2NODRKZP88ZB9",
            "SE",
            "SEK",
            "sv_SE",
            "www.amazon.se",
            Decimal("0.25"),
            True,
            "SWEDEN",
        ),
        Marketplace(
            "A33AVAJ2PDY3EV",
            "TR",
            "TRY",
            "tr_TR",
            "www.amazon.com.tr",
            Decimal("0.20"),
            False,
            "TURKEY",
        ),
    )
}

BY_ID = {mp.id: mp for mp in MARKETPLACES.values()}

# Rough price level of each currency against EUR, so generated prices look local.
PRICE_FACTOR = {
    "EUR": Decimal("1"),
    "GBP": Decimal("0.85"),
    "PLN": Decimal("4.3"),
    "SEK": Decimal("11.2"),
    "TRY": Decimal("36"),
}
