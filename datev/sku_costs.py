"""The SKU cost table: what one unit of a SKU cost the seller, to value stock transfers.

Sellers keep it in a spreadsheet, so the CSV is read the way German spreadsheets write it: `;` or
`,` between the columns, a decimal comma or point (`12,50`, `1.234,56`, `12.50`), an optional
header `sku;cost`, UTF-8 or Windows-1252. Every refusal names the file, the line and the column.
"""

from __future__ import annotations

import csv
import re
from decimal import Decimal, InvalidOperation

HEADER_COST_NAMES = frozenset({"cost", "costs", "kosten", "einkaufspreis", "ek", "preis"})
MAX_SKU_LENGTH = 100  # Amazon's seller SKU has at most 40 characters; leave room
MAX_DECIMALS = 4  # unit costs like 0,0125 exist; the bookings round quantity x cost to cents
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


class SkuCostError(ValueError):
    """The cost table cannot be read; the message is German and meant for the user."""


def parse_cost(text: str) -> Decimal:
    """A unit cost in German or English notation: "12,50", "1.234,56", "12.50", "1,234.56".

    With both marks the last one is the decimal mark; a single point or comma is a decimal mark
    ("1.234" is 1,234 EUR, not 1234: unit costs rarely reach a thousand, and the page shows the
    value read in German notation)."""
    value = text.strip().removesuffix("EUR").removesuffix("€").strip()
    if "," in value and "." in value:
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "")
    if value.count(",") > 1 or value.count(".") > 1:
        raise ValueError(text)
    value = value.replace(",", ".")
    if not _NUMBER.match(value):
        raise ValueError(text)
    return Decimal(value)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    return ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")


def parse_sku_costs(data: bytes | str, file_name: str) -> dict[str, Decimal]:
    """SKU -> unit cost in EUR, in the order of the file. Refuses the whole file on the first
    defect, so that a half-read table never values some transfers and silently skips others."""
    text = _decode(data) if isinstance(data, bytes) else data
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise SkuCostError(f"{file_name}: die Datei enthält keine Kosten (erwartet: sku;cost).")
    costs: dict[str, Decimal] = {}
    seen_on: dict[str, int] = {}
    reader = csv.reader(lines, delimiter=_delimiter(first))
    for line_no, row in enumerate(reader, start=1):
        where = f"{file_name}, Zeile {line_no}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise SkuCostError(
                f"{where}: erwartet zwei Spalten (SKU und Kosten), gefunden {len(row)}. "
                "Bei Dezimalkomma bitte ; als Trennzeichen verwenden."
            )
        sku, cost_text = row[0].strip(), row[1].strip()
        if not costs and not seen_on and cost_text.lower() in HEADER_COST_NAMES:
            continue  # the optional header
        if not sku:
            raise SkuCostError(f"{where}, Spalte 1: die SKU fehlt.")
        if len(sku) > MAX_SKU_LENGTH:
            raise SkuCostError(
                f"{where}, Spalte 1: die SKU ist länger als {MAX_SKU_LENGTH} Zeichen."
            )
        try:
            cost = parse_cost(cost_text)
        except (ValueError, InvalidOperation):
            raise SkuCostError(
                f"{where}, Spalte 2: „{cost_text}“ ist kein Betrag (z. B. 12,50)."
            ) from None
        if not cost.is_finite():
            raise SkuCostError(f"{where}, Spalte 2: „{cost_text}“ ist kein Betrag (z. B. 12,50).")
        if cost <= 0:
            raise SkuCostError(f"{where}, Spalte 2: die Kosten müssen größer als 0 sein.")
        exponent = cost.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
            raise SkuCostError(
                f"{where}, Spalte 2: höchstens {MAX_DECIMALS} Nachkommastellen erlaubt."
            )
        if sku in seen_on:
            raise SkuCostError(
                f"{where}, Spalte 1: die SKU „{sku}“ steht schon in Zeile {seen_on[sku]}."
            )
        seen_on[sku] = line_no
        costs[sku] = cost
    if not costs:
        raise SkuCostError(f"{file_name}: die Datei enthält keine Kosten (erwartet: sku;cost).")
    return costs
