"""The SKU cost table CSV: spreadsheet formats are read, defects refused with file, line, column."""

from __future__ import annotations

from decimal import Decimal

import pytest

from datev.sku_costs import SkuCostError, parse_sku_costs


@pytest.mark.parametrize(
    "text",
    [
        "sku;cost\nTASSE-01;3,125\nTELLER-02;1.234,50\n",
        "TASSE-01;3,125\r\nTELLER-02;1234,5\r\n",
        "sku,cost\nTASSE-01,3.125\nTELLER-02,1234.50\n",
        '\ufeffSKU;Kosten\n"TASSE-01";3,125 €\nTELLER-02;"1.234,50"\n\n',
    ],
)
def test_german_and_english_spreadsheets_give_the_same_decimals(text):
    costs = parse_sku_costs(text.encode("utf-8"), "kosten.csv")
    assert costs == {"TASSE-01": Decimal("3.125"), "TELLER-02": Decimal("1234.50")}
    assert all(isinstance(cost, Decimal) for cost in costs.values())


def test_windows_1252_from_excel_is_read():
    costs = parse_sku_costs("sku;cost\nMÜSLI-ÄPFEL;2,10\n".encode("cp1252"), "k.csv")
    assert costs == {"MÜSLI-ÄPFEL": Decimal("2.10")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sku;cost\nTASSE-01;drei\n", "k.csv, Zeile 2, Spalte 2: „drei“ ist kein Betrag"),
        ("TASSE-01;0\n", "k.csv, Zeile 1, Spalte 2: die Kosten müssen größer als 0 sein"),
        ("TASSE-01;-2,50\n", "k.csv, Zeile 1, Spalte 2: „-2,50“ ist kein Betrag"),
        ("TASSE-01;1,23456\n", "Zeile 1, Spalte 2: höchstens 4 Nachkommastellen"),
        (";2,50\n", "k.csv, Zeile 1, Spalte 1: die SKU fehlt"),
        ("A;1\nB;2\nA;3\n", "k.csv, Zeile 3, Spalte 1: die SKU „A“ steht schon in Zeile 1"),
        ("TASSE-01,3,125\n", "k.csv, Zeile 1: erwartet zwei Spalten (SKU und Kosten), gefunden 3"),
        ("TASSE-01\n", "k.csv, Zeile 1: erwartet zwei Spalten"),
        ("", "k.csv: die Datei enthält keine Kosten"),
        ("sku;cost\n", "k.csv: die Datei enthält keine Kosten"),
        ("TASSE-01;1,2,3\n", "„1,2,3“ ist kein Betrag"),
        ("TASSE-01;NaN\n", "k.csv, Zeile 1, Spalte 2: „NaN“ ist kein Betrag"),
        ("TASSE-01;Infinity\n", "k.csv, Zeile 1, Spalte 2: „Infinity“ ist kein Betrag"),
    ],
)
def test_defects_are_refused_naming_file_line_and_column(text, message):
    with pytest.raises(SkuCostError) as refused:
        parse_sku_costs(text.encode(), "k.csv")
    assert message in str(refused.value)


def test_a_header_only_counts_on_the_first_line():
    with pytest.raises(SkuCostError, match="Zeile 2, Spalte 2: „cost“ ist kein Betrag"):
        parse_sku_costs(b"A;1\nsku;cost\n", "k.csv")
