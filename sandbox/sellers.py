"""The seeded sellers: who they are, where they sell and how their reports look."""

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from sandbox.marketplaces import MARKETPLACES, Marketplace


@dataclass(frozen=True)
class Product:
    sku: str
    asin: str
    description: str
    price_eur: Decimal
    weight_kg: Decimal
    reduced_rate: bool = False


@dataclass(frozen=True)
class SellerProfile:
    """What differs between the seeded sellers; identities are derived from the seed."""

    legal_name: str
    store_name: str
    countries: tuple[str, ...]
    # Formats Amazon really uses in EU settlement files (DESIGN §2.3).
    date_style: str  # "iso" | "utc" | "german"
    decimal_comma: bool
    crlf: bool
    promotion_column: bool  # 24 columns with promotion-id, else 23
    orders_per_period: tuple[int, int]
    months_selling: int  # history the sandbox generates (at most 12)
    fulfillment: str  # "AFN" (FBA) or "MFN"
    reserves: bool
    negative_settlement: bool
    unknown_amounts: bool
    b2b_share: float
    products: tuple[Product, ...]


HOUSEHOLD = (
    Product(
        "KB-350-GR",
        "B0C4XK2LQ1",
        "Kaffeebecher aus Steingut, 350 ml – grün",
        Decimal("14.99"),
        Decimal("0.42"),
    ),
    Product(
        "KB-350-BL",
        "B0C4XK7ZT8",
        "Kaffeebecher aus Steingut, 350 ml – blau",
        Decimal("14.99"),
        Decimal("0.42"),
    ),
    Product(
        "SB-GLAS-6",
        "B09ZQ1MNP4",
        "Schüsselset Glas, 6-teilig, spülmaschinenfest",
        Decimal("32.50"),
        Decimal("2.10"),
    ),
    Product(
        "MS-HOLZ-01",
        "B08R6TT3JD",
        "Messerblock aus Buchenholz „Küchenprofi“",
        Decimal("49.90"),
        Decimal("1.80"),
    ),
    Product(
        "GH-SIL-3",
        "B07YK55GHX",
        "Grillhandschuhe Silikon, 2 Stück",
        Decimal("12.95"),
        Decimal("0.30"),
    ),
)
HERBS = (
    Product(
        "TEE-KAM-100",
        "B01N0Z4S7K",
        "Kamillentee lose, 100 g",
        Decimal("6.49"),
        Decimal("0.12"),
        reduced_rate=True,
    ),
    Product(
        "TEE-PFE-100",
        "B01N0Z9QFF",
        "Pfefferminztee Bio, 100 g",
        Decimal("7.29"),
        Decimal("0.12"),
        reduced_rate=True,
    ),
    Product(
        "GEW-SET-12",
        "B07Q2P8K2M",
        "Gewürzset „Mediterran“, 12 Gläser",
        Decimal("29.95"),
        Decimal("1.05"),
        reduced_rate=True,
    ),
    Product(
        "DOSE-BLE-1", "B086L1W9XT", "Teedose aus Weißblech, 250 g", Decimal("9.99"), Decimal("0.20")
    ),
)
OUTDOOR = (
    Product(
        "ZELT-2P-OL",
        "B0BXJ9KQ2R",
        "Trekkingzelt für 2 Personen, olivgrün",
        Decimal("129.00"),
        Decimal("2.40"),
    ),
    Product(
        "SCHL-800",
        "B0BXJB1PQS",
        "Daunenschlafsack 800 g, Komfort -5 °C",
        Decimal("189.00"),
        Decimal("1.30"),
    ),
    Product(
        "STIRN-LED", "B09T6W2Q1V", "Stirnlampe LED, 400 Lumen", Decimal("24.99"), Decimal("0.09")
    ),
    Product("TASSE-TI", "B0872MN6V3", "Titan-Tasse 450 ml", Decimal("19.90"), Decimal("0.07")),
)
BOOKS = (
    Product(
        "978-3-16-148410-0",
        "3161484100",
        "Handbuch der Buchhaltung für Händler",
        Decimal("39.00"),
        Decimal("0.85"),
        reduced_rate=True,
    ),
    Product(
        "978-3-86680-192-9",
        "3866801929",
        "Märchen aus dem Schwarzwald",
        Decimal("18.00"),
        Decimal("0.40"),
        reduced_rate=True,
    ),
    Product(
        "LZ-LEDER-BR",
        "B07PZZ8F5C",
        "Lesezeichen aus Leder, braun",
        Decimal("8.50"),
        Decimal("0.02"),
    ),
)

PROFILES = (
    SellerProfile(
        legal_name="Lindenhof Haushaltswaren GmbH",
        store_name="Lindenhof Küche",
        countries=("DE", "FR", "IT", "ES", "NL"),
        date_style="iso",
        decimal_comma=False,
        crlf=False,
        promotion_column=True,
        orders_per_period=(14, 24),
        months_selling=12,
        fulfillment="AFN",
        reserves=True,
        negative_settlement=True,
        unknown_amounts=True,
        b2b_share=0.08,
        products=HOUSEHOLD,
    ),
    SellerProfile(
        legal_name="Kräuterkontor Anna Schmidt e.K.",
        store_name="Kräuterkontor",
        countries=("DE",),
        date_style="german",
        decimal_comma=True,
        crlf=True,
        promotion_column=False,
        orders_per_period=(6, 12),
        months_selling=12,
        fulfillment="MFN",
        reserves=False,
        negative_settlement=False,
        unknown_amounts=False,
        b2b_share=0.0,
        products=HERBS,
    ),
    SellerProfile(
        legal_name="Nordlicht Outdoor UG (haftungsbeschränkt)",
        store_name="Nordlicht Outdoor",
        countries=("DE", "GB", "PL", "SE"),
        date_style="utc",
        decimal_comma=False,
        crlf=False,
        promotion_column=True,
        orders_per_period=(5, 10),
        months_selling=5,
        fulfillment="AFN",
        reserves=True,
        negative_settlement=False,
        unknown_amounts=True,
        b2b_share=0.05,
        products=OUTDOOR,
    ),
    SellerProfile(
        legal_name="Buchhandlung am Markt Berger & Sohn OHG",
        store_name="Buchhandlung am Markt",
        countries=("DE", "FR", "BE", "IE"),
        date_style="german",
        decimal_comma=True,
        crlf=False,
        promotion_column=True,
        orders_per_period=(8, 14),
        months_selling=12,
        fulfillment="MFN",
        reserves=False,
        negative_settlement=True,
        unknown_amounts=False,
        b2b_share=0.1,
        products=BOOKS,
    ),
)

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def derive(seed: str, *parts: object) -> bytes:
    """Stable bytes for `parts` under `seed` (the same seed always gives the same sandbox)."""
    return hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).digest()


def derive_digits(seed: str, length: int, *parts: object) -> str:
    number = int.from_bytes(derive(seed, *parts), "big")
    return str(10 ** (length - 1) + number % (9 * 10 ** (length - 1)))


_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def polish_vat_number(seed: str, number: int) -> str:
    """A Polish VAT id (PL + NIP) with a valid check digit: Pan-EU sellers register in Poland
    before Amazon moves their stock to its Polish warehouses."""
    nine = int(derive_digits(seed, 9, "vat-pl", number))
    while True:
        digits = str(nine)
        check = sum(w * int(d) for w, d in zip(_NIP_WEIGHTS, digits, strict=True)) % 11
        if check < 10:  # 10 is no digit: such a NIP is never issued, take the next number
            return f"PL{digits}{check}"
        nine = nine + 1 if nine < 999_999_999 else 100_000_000


@dataclass(frozen=True)
class Seller:
    number: int  # 1-based, as `flask sandbox credentials --seller N` counts
    selling_partner_id: str
    vat_number: str
    profile: SellerProfile
    pl_vat_number: str = ""  # the own VAT id in Poland, under which stock transfers arrive

    @property
    def marketplaces(self) -> list[Marketplace]:
        return [MARKETPLACES[c] for c in self.profile.countries]

    @property
    def marketplace_ids(self) -> list[str]:
        return [mp.id for mp in self.marketplaces]


def seeded_sellers(seed: str, count: int | None = None) -> list[Seller]:
    """The four hand-made sellers; with `count` (SANDBOX_SELLERS) that many, the first four
    unchanged and the others generated from the seed (for benchmarks of many connections)."""
    count = len(PROFILES) if count is None else count
    return [_seller(seed, number, profile_of(seed, number)) for number in range(1, count + 1)]


def _seller(seed: str, number: int, profile: SellerProfile) -> Seller:
    number_bytes = int.from_bytes(derive(seed, "seller", number), "big")
    chars = []
    for _ in range(12):
        number_bytes, digit = divmod(number_bytes, 36)
        chars.append(_ALPHABET[digit])
    selling_partner_id = "A" + str(1 + number % 3) + "".join(chars)
    vat_number = "DE" + derive_digits(seed, 9, "vat", number)
    pl_vat_number = polish_vat_number(seed, number)
    return Seller(number, selling_partner_id, vat_number, profile, pl_vat_number)


def profile_of(seed: str, number: int) -> SellerProfile:
    if number <= len(PROFILES):
        return PROFILES[number - 1]
    return generated_profile(seed, number)


# What a generated seller sells, and the word its name takes from that.
_TRADES = (
    (HOUSEHOLD, ("Haushaltswaren", "Küche", "Wohnen")),
    (HERBS, ("Tee", "Kräuter", "Gewürze")),
    (OUTDOOR, ("Outdoor", "Camping", "Sport")),
    (BOOKS, ("Bücher", "Buchhandel", "Verlag")),
)
_PLACES = (
    "Alster", "Bergblick", "Birkenweg", "Bodensee", "Eichenhof", "Elbtal", "Feldberg",
    "Hafenkante", "Harz", "Heideland", "Isar", "Kastanienhof", "Lahntal", "Lindenplatz",
    "Mainufer", "Moselblick", "Nordstern", "Ostwind", "Rheinau", "Rosengarten", "Saaletal",
    "Schwarzwald", "Spreewald", "Sternberg", "Taunus", "Uferweg", "Weserbogen", "Wiesengrund",
    "Zugspitz", "Ammersee",
)  # fmt: skip
_LEGAL_FORMS = ("GmbH", "UG (haftungsbeschränkt)", "e.K.", "OHG", "GmbH & Co. KG")
# The home marketplace comes first (settlements treat it as such); the others Amazon's
# Pan-EU sellers add most often, and the three outside the euro.
_FURTHER_COUNTRIES = ("FR", "IT", "ES", "NL", "BE", "IE", "PL", "SE", "GB")


def generated_profile(seed: str, number: int) -> SellerProfile:
    """A seller of its own: marketplaces, file formats, fulfilment and assortment drawn from the
    seed; twelve months of history, so every one has settlements across the whole year."""
    rng = random.Random(f"{seed}:profile:{number}")
    products, words = _TRADES[rng.randrange(len(_TRADES))]
    further = rng.choice((0, 0, 1, 1, 2, 3, 4))
    countries = ("DE", *rng.sample(_FURTHER_COUNTRIES, k=further))
    # The styles Amazon really writes (DESIGN §2.3): German dates with decimal commas, ISO or
    # "UTC" dates with points.
    date_style = rng.choice(("iso", "utc", "german"))
    fulfillment = rng.choice(("AFN", "MFN"))
    least = rng.randint(3, 10)
    place = _PLACES[(number + int.from_bytes(derive(seed, "place"), "big")) % len(_PLACES)]
    word = rng.choice(words)
    legal_form = rng.choice(_LEGAL_FORMS)
    return SellerProfile(
        legal_name=f"{place} {word} {number} {legal_form}",
        store_name=f"{place} {word} {number}",
        countries=countries,
        date_style=date_style,
        decimal_comma=date_style == "german",
        crlf=rng.random() < 0.3,
        promotion_column=rng.random() < 0.7,
        orders_per_period=(least, least + rng.randint(2, 10)),
        months_selling=12,
        fulfillment=fulfillment,
        reserves=fulfillment == "AFN" and rng.random() < 0.5,
        negative_settlement=rng.random() < 0.2,
        unknown_amounts=rng.random() < 0.3,
        b2b_share=rng.choice((0.0, 0.0, 0.05, 0.1)),
        products=products,
    )
