"""Amazon VAT Transactions Reports (DESIGN §2.4) made from the same orders as the settlements."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sandbox.orders import (
    Item,
    Order,
    Refund,
    orders,
    period,
    period_index_at,
    refunds,
    split_gross,
)

REPORT_TYPE = "GET_VAT_TRANSACTION_DATA"

# The 92 columns of the layout before 2021 (Amazon's own spelling DEPATURE_CITY included).
_LEGACY_COLUMNS = """UNIQUE_ACCOUNT_IDENTIFIER ACTIVITY_PERIOD SALES_CHANNEL MARKETPLACE
TRANSACTION_TYPE TRANSACTION_EVENT_ID ACTIVITY_TRANSACTION_ID TAX_CALCULATION_DATE
TRANSACTION_DEPART_DATE TRANSACTION_ARRIVAL_DATE TRANSACTION_COMPLETE_DATE SELLER_SKU ASIN
ITEM_DESCRIPTION ITEM_MANUFACTURE_COUNTRY QTY ITEM_WEIGHT TOTAL_ACTIVITY_WEIGHT
COST_PRICE_OF_ITEMS PRICE_OF_ITEMS_AMT_VAT_EXCL PROMO_PRICE_OF_ITEMS_AMT_VAT_EXCL
TOTAL_PRICE_OF_ITEMS_AMT_VAT_EXCL SHIP_CHARGE_AMT_VAT_EXCL PROMO_SHIP_CHARGE_AMT_VAT_EXCL
TOTAL_SHIP_CHARGE_AMT_VAT_EXCL GIFT_WRAP_AMT_VAT_EXCL PROMO_GIFT_WRAP_AMT_VAT_EXCL
TOTAL_GIFT_WRAP_AMT_VAT_EXCL TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL PRICE_OF_ITEMS_VAT_RATE_PERCENT
PRICE_OF_ITEMS_VAT_AMT PROMO_PRICE_OF_ITEMS_VAT_AMT TOTAL_PRICE_OF_ITEMS_VAT_AMT
SHIP_CHARGE_VAT_RATE_PERCENT SHIP_CHARGE_VAT_AMT PROMO_SHIP_CHARGE_VAT_AMT
TOTAL_SHIP_CHARGE_VAT_AMT GIFT_WRAP_VAT_RATE_PERCENT GIFT_WRAP_VAT_AMT PROMO_GIFT_WRAP_VAT_AMT
TOTAL_GIFT_WRAP_VAT_AMT TOTAL_ACTIVITY_VALUE_VAT_AMT PRICE_OF_ITEMS_AMT_VAT_INCL
PROMO_PRICE_OF_ITEMS_AMT_VAT_INCL TOTAL_PRICE_OF_ITEMS_AMT_VAT_INCL SHIP_CHARGE_AMT_VAT_INCL
PROMO_SHIP_CHARGE_AMT_VAT_INCL TOTAL_SHIP_CHARGE_AMT_VAT_INCL GIFT_WRAP_AMT_VAT_INCL
PROMO_GIFT_WRAP_AMT_VAT_INCL TOTAL_GIFT_WRAP_AMT_VAT_INCL TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL
TRANSACTION_CURRENCY_CODE COMMODITY_CODE STATISTICAL_CODE_DEPART STATISTICAL_CODE_ARRIVAL
COMMODITY_CODE_SUPPLEMENTARY_UNIT ITEM_QTY_SUPPLEMENTARY_UNIT TOTAL_ACTIVITY_SUPPLEMENTARY_UNIT
PRODUCT_TAX_CODE DEPATURE_CITY DEPARTURE_COUNTRY DEPARTURE_POST_CODE ARRIVAL_CITY ARRIVAL_COUNTRY
ARRIVAL_POST_CODE SALE_DEPART_COUNTRY SALE_ARRIVAL_COUNTRY TRANSPORTATION_MODE
DELIVERY_CONDITIONS SELLER_DEPART_VAT_NUMBER_COUNTRY SELLER_DEPART_COUNTRY_VAT_NUMBER
SELLER_ARRIVAL_VAT_NUMBER_COUNTRY SELLER_ARRIVAL_COUNTRY_VAT_NUMBER
TRANSACTION_SELLER_VAT_NUMBER_COUNTRY TRANSACTION_SELLER_VAT_NUMBER BUYER_VAT_NUMBER_COUNTRY
BUYER_VAT_NUMBER VAT_CALCULATION_IMPUTATION_COUNTRY TAXABLE_JURISDICTION
TAXABLE_JURISDICTION_LEVEL VAT_INV_NUMBER VAT_INV_CONVERTED_AMT VAT_INV_CURRENCY_CODE
VAT_INV_EXCHANGE_RATE VAT_INV_EXCHANGE_RATE_DATE EXPORT_OUTSIDE_EU INVOICE_URL BUYER_NAME
ARRIVAL_ADDRESS SUPPLIER_NAME SUPPLIER_VAT_NUMBER""".split()  # noqa: SIM905 (92 names, compact)
# Since 2021: PROGRAM_TYPE is column 5, the two tax-scheme columns come last.
COLUMNS = (
    *_LEGACY_COLUMNS[:4],
    "PROGRAM_TYPE",
    *_LEGACY_COLUMNS[4:],
    "TAX_REPORTING_SCHEME",
    "TAX_COLLECTION_RESPONSIBILITY",
)
MONEY_SUFFIXES = ("_AMT", "_EXCL", "_INCL", "_PERCENT")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
CITIES = {
    "DE": ("Leipzig", "04347"),
    "FR": ("Lyon", "69003"),
    "IT": ("Milano", "20121"),
    "ES": ("Madrid", "28001"),
    "NL": ("Utrecht", "3511"),
    "BE": ("Gent", "9000"),
    "IE": ("Cork", "T12"),
    "PL": ("Kraków", "31-001"),
    "SE": ("Göteborg", "411 01"),
    "GB": ("Leeds", "LS1"),
    "AT": ("Graz", "8010"),
    "TR": ("Izmir", "35000"),
}
COUNTRY_NAMES = {
    "DE": "GERMANY",
    "FR": "FRANCE",
    "IT": "ITALY",
    "ES": "SPAIN",
    "NL": "NETHERLANDS",
    "BE": "BELGIUM",
    "IE": "IRELAND",
    "PL": "POLAND",
    "SE": "SWEDEN",
    "GB": "UNITED KINGDOM",
    "AT": "AUSTRIA",
    "TR": "TURKEY",
}


def month_of(when: datetime) -> date:
    return date(when.year, when.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def available_from(month: date) -> datetime:
    """Amazon publishes a month's VAT report from the 3rd of the following month."""
    following = next_month(month)
    return datetime(following.year, following.month, 3, tzinfo=UTC)


def _transactions(seed, seller, month, first_index):
    """The orders and refunds of `seller` dated within `month`, on every marketplace.

    `first_index(seller, marketplace)` is the first settlement period the sandbox generates."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(*next_month(month).timetuple()[:3], tzinfo=UTC)
    sales: list[Order] = []
    returns: list[Refund] = []
    for mp in seller.marketplaces:
        first = first_index(seller, mp)
        for index in range(
            max(first, period_index_at(seed, seller, mp, start)),
            period_index_at(seed, seller, mp, end - timedelta(microseconds=1)) + 1,
        ):
            p = period(seed, seller, mp, index)
            sales += [o for o in orders(seed, p) if start <= o.posted < end]
            returns += [r for r in refunds(seed, p, first) if start <= r.posted < end]
    return sorted(sales, key=lambda o: o.posted), sorted(returns, key=lambda r: r.posted)


def _amounts(item: Item, sign: int) -> dict[str, str]:
    rate = item.vat_rate
    price_net, price_vat = split_gross(item.principal, rate)
    promo_net, promo_vat = split_gross(item.promotion, rate)
    ship_net, ship_vat = split_gross(item.shipping, rate)

    def f(value: Decimal) -> str:
        return f"{sign * value:.2f}"

    return {
        "PRICE_OF_ITEMS_AMT_VAT_EXCL": f(price_net),
        "PROMO_PRICE_OF_ITEMS_AMT_VAT_EXCL": f(promo_net),
        "TOTAL_PRICE_OF_ITEMS_AMT_VAT_EXCL": f(price_net + promo_net),
        "SHIP_CHARGE_AMT_VAT_EXCL": f(ship_net),
        "PROMO_SHIP_CHARGE_AMT_VAT_EXCL": "0.00",
        "TOTAL_SHIP_CHARGE_AMT_VAT_EXCL": f(ship_net),
        "GIFT_WRAP_AMT_VAT_EXCL": "0.00",
        "PROMO_GIFT_WRAP_AMT_VAT_EXCL": "0.00",
        "TOTAL_GIFT_WRAP_AMT_VAT_EXCL": "0.00",
        "TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL": f(price_net + promo_net + ship_net),
        "PRICE_OF_ITEMS_VAT_RATE_PERCENT": str(rate),
        "PRICE_OF_ITEMS_VAT_AMT": f(price_vat),
        "PROMO_PRICE_OF_ITEMS_VAT_AMT": f(promo_vat),
        "TOTAL_PRICE_OF_ITEMS_VAT_AMT": f(price_vat + promo_vat),
        "SHIP_CHARGE_VAT_RATE_PERCENT": str(rate),
        "SHIP_CHARGE_VAT_AMT": f(ship_vat),
        "PROMO_SHIP_CHARGE_VAT_AMT": "0.00",
        "TOTAL_SHIP_CHARGE_VAT_AMT": f(ship_vat),
        "GIFT_WRAP_VAT_RATE_PERCENT": "",
        "GIFT_WRAP_VAT_AMT": "0.00",
        "PROMO_GIFT_WRAP_VAT_AMT": "0.00",
        "TOTAL_GIFT_WRAP_VAT_AMT": "0.00",
        "TOTAL_ACTIVITY_VALUE_VAT_AMT": f(price_vat + promo_vat + ship_vat),
        "PRICE_OF_ITEMS_AMT_VAT_INCL": f(item.principal),
        "PROMO_PRICE_OF_ITEMS_AMT_VAT_INCL": f(item.promotion),
        "TOTAL_PRICE_OF_ITEMS_AMT_VAT_INCL": f(item.principal + item.promotion),
        "SHIP_CHARGE_AMT_VAT_INCL": f(item.shipping),
        "PROMO_SHIP_CHARGE_AMT_VAT_INCL": "0.00",
        "TOTAL_SHIP_CHARGE_AMT_VAT_INCL": f(item.shipping),
        "GIFT_WRAP_AMT_VAT_INCL": "0.00",
        "PROMO_GIFT_WRAP_AMT_VAT_INCL": "0.00",
        "TOTAL_GIFT_WRAP_AMT_VAT_INCL": "0.00",
        "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL": f(item.gross),
    }


def _row(seller, month, order: Order, item: Item, kind: str, when: datetime, ref: str, style):
    date_format = "%d.%m.%Y" if style == "german" else "%d-%m-%Y"
    day = when.strftime(date_format)
    scheme, responsibility = order.tax_scheme
    depart_city, depart_post = CITIES[order.ship_from]
    arrival_city, arrival_post = CITIES[order.ship_to]
    taxable = order.ship_to if scheme in ("UNION-OSS", "UK_VOEC-IMPORT") else order.ship_from
    export = "YES" if order.marketplace.country in ("GB", "TR") else "NO"
    invoice = {"SALE": "INV", "REFUND": "CN"}.get(kind, "")
    row = {
        "UNIQUE_ACCOUNT_IDENTIFIER": seller.selling_partner_id,
        "ACTIVITY_PERIOD": f"{month.year}-{MONTHS[month.month - 1]}",
        "SALES_CHANNEL": order.fulfillment,
        "MARKETPLACE": order.marketplace.domain.removeprefix("www."),
        "PROGRAM_TYPE": "REGULAR",
        "TRANSACTION_TYPE": kind,
        "TRANSACTION_EVENT_ID": order.order_id,
        "ACTIVITY_TRANSACTION_ID": ref,
        "TAX_CALCULATION_DATE": day,
        "TRANSACTION_DEPART_DATE": day if kind == "SALE" else "",
        "TRANSACTION_COMPLETE_DATE": day,
        "SELLER_SKU": item.product.sku,
        "ASIN": item.product.asin,
        "ITEM_DESCRIPTION": item.product.description,
        "QTY": str(item.quantity),
        "ITEM_WEIGHT": str(item.product.weight_kg),
        "TOTAL_ACTIVITY_WEIGHT": str(item.product.weight_kg * item.quantity),
        "TRANSACTION_CURRENCY_CODE": order.marketplace.currency,
        "PRODUCT_TAX_CODE": "A_BOOKS_GEN" if item.product.reduced_rate else "A_GEN_STANDARD",
        "DEPATURE_CITY": depart_city,
        "DEPARTURE_COUNTRY": order.ship_from,
        "DEPARTURE_POST_CODE": depart_post,
        "ARRIVAL_CITY": arrival_city,
        "ARRIVAL_COUNTRY": order.ship_to,
        "ARRIVAL_POST_CODE": arrival_post,
        "SALE_DEPART_COUNTRY": order.ship_from,
        "SALE_ARRIVAL_COUNTRY": order.ship_to,
        "TRANSPORTATION_MODE": "CONSIGNMENT_BY_POST",
        "DELIVERY_CONDITIONS": "DAP",
        "SELLER_DEPART_VAT_NUMBER_COUNTRY": "DE",
        "SELLER_DEPART_COUNTRY_VAT_NUMBER": seller.vat_number,
        "TRANSACTION_SELLER_VAT_NUMBER_COUNTRY": "DE",
        "TRANSACTION_SELLER_VAT_NUMBER": seller.vat_number,
        "BUYER_VAT_NUMBER_COUNTRY": order.buyer_vat_number[:2],
        "BUYER_VAT_NUMBER": order.buyer_vat_number,
        "VAT_CALCULATION_IMPUTATION_COUNTRY": taxable,
        "TAXABLE_JURISDICTION": COUNTRY_NAMES[taxable],
        "TAXABLE_JURISDICTION_LEVEL": "Country",
        "VAT_INV_NUMBER": invoice
        and f"{invoice}-{order.marketplace.country}-{ref[-9:]}-{month.year}",
        "EXPORT_OUTSIDE_EU": export,
        "INVOICE_URL": "https://www.amazon.de/gp/invoice/download.html?v=urn%3aalx%3adoc%3a" + ref,
        "TAX_REPORTING_SCHEME": scheme,
        "TAX_COLLECTION_RESPONSIBILITY": responsibility,
    }
    row.update(_amounts(item, -1 if kind == "REFUND" else 1))
    return row


def render(seed, seller, month: date, first_index) -> str | None:
    """The report of one month as tab-separated text, or None when there is nothing to report."""
    sales, returns = _transactions(seed, seller, month, first_index)
    if not sales and not returns:
        return None
    style = seller.profile.date_style
    rng = random.Random(f"{seed}:vat:{seller.number}:{month}")
    rows = []
    for order in sales:
        for item in order.items:
            rows.append(
                (
                    order.posted,
                    _row(
                        seller,
                        month,
                        order,
                        item,
                        "SALE",
                        order.posted,
                        order.shipment_id + item.order_item_code,
                        style,
                    ),
                )
            )
    for refund in returns:
        for item in refund.items:
            rows.append(
                (
                    refund.posted,
                    _row(
                        seller,
                        month,
                        refund.order,
                        item,
                        "REFUND",
                        refund.posted,
                        refund.adjustment_id,
                        style,
                    ),
                )
            )
            if refund.order.fulfillment == "AFN":
                # The goods come back to the warehouse: a RETURN row without money.
                back = _row(
                    seller,
                    month,
                    refund.order,
                    item,
                    "RETURN",
                    refund.posted,
                    refund.adjustment_id,
                    style,
                )
                back.update({column: "" for column in back if column.endswith(MONEY_SUFFIXES)})
                back["INVOICE_URL"] = ""
                rows.append((refund.posted, back))
    if seller.profile.fulfillment == "AFN":
        for _ in range(rng.randint(1, 3)):
            # Stock moved between fulfilment centres: goods only, no money, MARKETPLACE N/A.
            product = rng.choice(seller.profile.products)
            when = datetime(month.year, month.month, rng.randint(1, 28), tzinfo=UTC)
            day = when.strftime("%d.%m.%Y" if style == "german" else "%d-%m-%Y")
            rows.append(
                (
                    when,
                    {
                        "UNIQUE_ACCOUNT_IDENTIFIER": seller.selling_partner_id,
                        "ACTIVITY_PERIOD": f"{month.year}-{MONTHS[month.month - 1]}",
                        "SALES_CHANNEL": "AFN",
                        "MARKETPLACE": "N/A",
                        "PROGRAM_TYPE": "REGULAR",
                        "TRANSACTION_TYPE": "FC_TRANSFER",
                        "TRANSACTION_EVENT_ID": str(rng.randrange(10**9, 10**10)),
                        "ACTIVITY_TRANSACTION_ID": str(rng.randrange(10**9, 10**10)),
                        "TRANSACTION_DEPART_DATE": day,
                        "TRANSACTION_ARRIVAL_DATE": day,
                        "TRANSACTION_COMPLETE_DATE": day,
                        "SELLER_SKU": product.sku,
                        "ASIN": product.asin,
                        "ITEM_DESCRIPTION": product.description,
                        "QTY": str(rng.randint(5, 40)),
                        "TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL": "0.00",
                        "TOTAL_ACTIVITY_VALUE_VAT_AMT": "0.00",
                        "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL": "0.00",
                        "DEPATURE_CITY": "Leipzig",
                        "DEPARTURE_COUNTRY": "DE",
                        "DEPARTURE_POST_CODE": "04347",
                        "ARRIVAL_CITY": "Kraków",
                        "ARRIVAL_COUNTRY": "PL",
                        "ARRIVAL_POST_CODE": "31-001",
                        "SALE_DEPART_COUNTRY": "DE",
                        "SALE_ARRIVAL_COUNTRY": "PL",
                        # Amazon names the seller's own VAT ids of both countries: the
                        # transfer is an intra-community supply to itself under the PL id.
                        "SELLER_DEPART_VAT_NUMBER_COUNTRY": "DE",
                        "SELLER_DEPART_COUNTRY_VAT_NUMBER": seller.vat_number,
                        "SELLER_ARRIVAL_VAT_NUMBER_COUNTRY": "PL",
                        "SELLER_ARRIVAL_COUNTRY_VAT_NUMBER": seller.pl_vat_number,
                        "TRANSACTION_SELLER_VAT_NUMBER_COUNTRY": "DE",
                        "TRANSACTION_SELLER_VAT_NUMBER": seller.vat_number,
                        "TRANSPORTATION_MODE": "TRANSPORT_BY_ROAD",
                        "DELIVERY_CONDITIONS": "XXX",
                    },
                )
            )
    rows.sort(key=lambda pair: pair[0])
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(row.get(column, "") for column in COLUMNS) for _, row in rows]
    return "\n".join(lines) + "\n"
