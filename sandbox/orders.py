"""Deterministic sales of a seeded seller: the orders and refunds that both the settlement
reports and the VAT Transactions Reports are made of, so the two always agree."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from sandbox.marketplaces import PRICE_FACTOR, Marketplace
from sandbox.sellers import Product, Seller, derive_digits

CENT = Decimal("0.01")
PERIOD = timedelta(days=14)
# Settlement periods of every seller and marketplace lie on a 14-day grid from here.
GRID_ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)

REDUCED_RATES = {
    "DE": "0.07",
    "FR": "0.055",
    "IT": "0.04",
    "ES": "0.04",
    "NL": "0.09",
    "BE": "0.06",
    "IE": "0.0",
    "PL": "0.05",
    "SE": "0.06",
    "GB": "0.0",
    "TR": "0.10",
}
ORDER_PREFIXES = {
    "DE": ("302", "303", "304", "305", "306", "028"),
    "GB": ("202", "203", "204", "026"),
}
EU_BUYER_COUNTRIES = ("AT", "FR", "NL", "BE", "IT", "PL")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split_gross(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(net, vat) of a gross amount, rounded so that net + vat == gross."""
    net = money(gross / (1 + rate))
    return net, gross - net


@dataclass(frozen=True)
class Item:
    product: Product
    order_item_code: str
    quantity: int
    principal: Decimal  # gross, VAT included, as Amazon EU reports it
    shipping: Decimal
    promotion: Decimal  # <= 0, on the principal
    promotion_id: str
    vat_rate: Decimal
    commission: Decimal  # <= 0
    fba_fee: Decimal  # <= 0

    @property
    def gross(self) -> Decimal:
        return self.principal + self.shipping + self.promotion


@dataclass(frozen=True)
class Order:
    order_id: str
    marketplace: Marketplace
    posted: datetime
    fulfillment: str
    shipment_id: str
    items: tuple[Item, ...]
    ship_from: str
    ship_to: str
    buyer_vat_number: str

    @property
    def tax_scheme(self) -> tuple[str, str]:
        """(TAX_REPORTING_SCHEME, TAX_COLLECTION_RESPONSIBILITY)."""
        if self.marketplace.country == "GB":
            return "UK_VOEC-IMPORT", "MARKETPLACE"
        if self.marketplace.country == "TR" or self.buyer_vat_number:
            return "REGULAR", "SELLER"
        if self.ship_to != self.ship_from:
            return "UNION-OSS", "SELLER"
        return "REGULAR", "SELLER"


@dataclass(frozen=True)
class Refund:
    order: Order
    posted: datetime
    adjustment_id: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Period:
    """One 14-day settlement period of one seller on one marketplace."""

    seller: Seller
    marketplace: Marketplace
    index: int
    start: datetime
    end: datetime

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.seller.number, self.marketplace.country, self.index)


def grid_offset(seed: str, seller: Seller, marketplace: Marketplace) -> timedelta:
    rng = random.Random(f"{seed}:grid:{seller.number}:{marketplace.country}")
    return timedelta(days=rng.randrange(14), seconds=rng.randrange(86400))


def period(seed: str, seller: Seller, marketplace: Marketplace, index: int) -> Period:
    start = GRID_ANCHOR + grid_offset(seed, seller, marketplace) + index * PERIOD
    return Period(seller, marketplace, index, start, start + PERIOD)


def period_index_at(seed: str, seller: Seller, marketplace: Marketplace, when: datetime) -> int:
    """Index of the period that contains `when`."""
    return (when - GRID_ANCHOR - grid_offset(seed, seller, marketplace)) // PERIOD


def _rate(marketplace: Marketplace, ship_to: str, product: Product) -> Decimal:
    if product.reduced_rate:
        return Decimal(REDUCED_RATES.get(ship_to, REDUCED_RATES[marketplace.country]))
    return marketplace.vat_rate if ship_to == marketplace.country else Decimal("0.19")


def _order_id(rng: random.Random, country: str) -> str:
    prefix = rng.choice(ORDER_PREFIXES.get(country, ("402", "403", "404", "405", "406", "407")))
    return f"{prefix}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"


def _shipment_id(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz0123456789"
    return "D" + "".join(rng.choice(alphabet) for _ in range(8))


@lru_cache(maxsize=4096)
def orders(seed: str, p: Period) -> tuple[Order, ...]:
    """The orders shipped (and so posted to the settlement) within period `p`."""
    profile = p.seller.profile
    rng = random.Random(f"{seed}:orders:{p.seller.number}:{p.marketplace.country}:{p.index}")
    count = rng.randint(*profile.orders_per_period)
    if p.marketplace.country != profile.countries[0]:
        count = max(1, count // 3)
    factor = PRICE_FACTOR[p.marketplace.currency]
    span = int(PERIOD.total_seconds())
    result = []
    for _ in range(count):
        mp = p.marketplace
        ship_to, buyer_vat = mp.country, ""
        if mp.country == "DE" and rng.random() < profile.b2b_share:
            ship_to = rng.choice(EU_BUYER_COUNTRIES)
            if ship_to != "AT":
                buyer_vat = ship_to + derive_digits(seed, 9, "buyer", rng.random())
        items = []
        for product in rng.sample(profile.products, k=rng.choice((1, 1, 1, 2))):
            quantity = rng.choice((1, 1, 1, 2, 3))
            unit = money(product.price_eur * factor)
            if unit > 5:
                unit = unit.to_integral_value() - CENT
            principal = unit * quantity
            rate = Decimal(0) if buyer_vat else _rate(mp, ship_to, product)
            if buyer_vat:
                # B2B buyers with a VAT id pay the net price (intra-community supply).
                principal = split_gross(principal, Decimal("0.19"))[0]
            shipping = Decimal(0)
            if profile.fulfillment == "MFN" and not items:
                shipping = money(Decimal("3.99") * factor)
            promotion, promotion_id = Decimal(0), ""
            if rng.random() < 0.12:
                promotion = -money(principal * Decimal("0.10"))
                promotion_id = f"Sparen {rng.randrange(10, 99)} %-{rng.randrange(1000, 9999)}"
            gross = principal + shipping + promotion
            commission_rate = Decimal("0.07") if product.reduced_rate else Decimal("0.15")
            fba_fee = Decimal(0)
            if profile.fulfillment == "AFN":
                fba_fee = -money(Decimal(rng.choice(("2.70", "3.12", "3.54", "4.18"))) * factor)
                fba_fee *= quantity
            items.append(
                Item(
                    product=product,
                    order_item_code=derive_digits(seed, 14, "item", rng.random()),
                    quantity=quantity,
                    principal=principal,
                    shipping=shipping,
                    promotion=promotion,
                    promotion_id=promotion_id,
                    vat_rate=rate,
                    commission=-money(gross * commission_rate),
                    fba_fee=fba_fee,
                )
            )
        result.append(
            Order(
                order_id=_order_id(rng, mp.country),
                marketplace=mp,
                posted=p.start + timedelta(seconds=rng.randrange(span)),
                fulfillment=profile.fulfillment,
                shipment_id=_shipment_id(rng),
                items=tuple(items),
                ship_from="DE",
                ship_to=ship_to,
                buyer_vat_number=buyer_vat,
            )
        )
    return tuple(sorted(result, key=lambda o: o.posted))


@lru_cache(maxsize=4096)
def refunds(seed: str, p: Period, first_index: int) -> tuple[Refund, ...]:
    """Refunds posted within `p`, of orders of this or the previous period (if it exists)."""
    rng = random.Random(f"{seed}:refunds:{p.seller.number}:{p.marketplace.country}:{p.index}")
    candidates = list(orders(seed, p))
    if p.index > first_index:
        previous = period(seed, p.seller, p.marketplace, p.index - 1)
        candidates = list(orders(seed, previous)) + candidates
    result = []
    for order in rng.sample(candidates, k=min(len(candidates), rng.choice((0, 1, 1, 2)))):
        earliest = max(order.posted + timedelta(days=1), p.start)
        if earliest >= p.end:
            continue
        posted = earliest + (p.end - earliest) * rng.random()
        result.append(
            Refund(
                order=order,
                posted=posted.replace(microsecond=0),
                adjustment_id=derive_digits(seed, 14, "adjustment", order.order_id),
                items=order.items[:1],
            )
        )
    return tuple(sorted(result, key=lambda r: r.posted))
