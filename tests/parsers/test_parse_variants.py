"""Every variant Amazon and spreadsheet programs produce reads to the same records."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from parsers import read_report
from tests.parsers.amazon_builders import (
    V1_SAMPLE,
    VAT_SAMPLE,
    Line,
    Settlement,
    Variant,
    read_rows,
    settlement_v2,
    settlement_v2_rows,
    v1_sample_as_v2,
    vat_2021_layout,
    vat_rows,
    write,
)

SAMPLE_V2 = v1_sample_as_v2()

VARIANTS = [
    Variant(),
    Variant(newline="\r\n"),
    Variant(encoding="utf-8-sig"),
    Variant(encoding="cp1252", newline="\r\n", dates="de", decimal=","),
    Variant(encoding="utf-16"),
    Variant(dates="utc"),
    Variant(dates="de", decimal="1.234,56"),
    Variant(delimiter=",", quoted=True),
    Variant(delimiter=","),
    Variant(delimiter=";", decimal=",", dates="de", encoding="cp1252", newline="\r\n"),
    Variant(delimiter=";", quoted=True, decimal="1.234,56", encoding="utf-8-sig"),
    Variant(delimiter="\t", quoted=True, newline="\r\n"),
    Variant(trailing_newline=False),
]


def variant_id(v: Variant) -> str:
    sep = {"\t": "tab", ",": "comma", ";": "semicolon"}[v.delimiter]
    return "-".join(
        [sep, "quoted" if v.quoted else "plain", v.encoding, repr(v.newline)[1:-1], v.dates]
        + [v.decimal, "eof-nl" if v.trailing_newline else "no-eof-nl"]
    )


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_settlement_v2_variants_of_the_real_sample_reconcile(tmp_path, variant):
    path = write(tmp_path, "settlement.txt", settlement_v2(SAMPLE_V2, variant))

    report = read_report(path)

    assert report.format == "settlement-v2"
    assert report.summary.total_amount == Decimal("1016.08")
    assert report.summary.currency == "CAD"
    assert report.summary.start == SAMPLE_V2.start
    assert report.reconciled and report.line_count == 153
    lines = list(report.lines())
    assert [x.amount for x in lines] == [x.amount for x in SAMPLE_V2.lines]
    assert [x.posted_at for x in lines] == [x.posted for x in SAMPLE_V2.lines]
    assert [x.amount_description for x in lines] == [x.amount_description for x in SAMPLE_V2.lines]
    assert [x.quantity for x in lines] == [x.quantity for x in SAMPLE_V2.lines]


@pytest.mark.parametrize("variant", VARIANTS, ids=variant_id)
def test_settlement_v1_variants_of_the_real_sample_reconcile(tmp_path, variant):
    rows = read_rows(V1_SAMPLE)
    path = write(tmp_path, "v1.txt", variant.render(rows))

    report = read_report(path)

    assert (report.format, report.line_count, report.sum_of_amounts) == (
        "settlement-v1",
        153,
        Decimal("1016.08"),
    )
    assert len(list(report.lines())) == 153


def test_a_v1_file_with_a_column_named_amount_is_still_read_by_its_amount_columns(tmp_path):
    # Only "amount" together with "amount-type" makes a V2 file.
    rows = read_rows(V1_SAMPLE)
    rows = [[*row, "amount" if i == 0 else "9.99"] if row else row for i, row in enumerate(rows)]
    report = read_report(write(tmp_path, "v1.txt", Variant().render(rows)))

    assert (report.format, report.line_count, report.sum_of_amounts) == (
        "settlement-v1",
        153,
        Decimal("1016.08"),
    )
    assert sum(x.amount for x in report.lines()) == Decimal("1016.08")


@pytest.mark.parametrize(
    "variant",
    [
        Variant(newline="\r\n"),
        Variant(delimiter=",", quoted=True, newline="\r\n"),  # Seller Central's .csv
        Variant(delimiter=",", encoding="utf-8-sig"),
        Variant(delimiter=";", encoding="cp1252", newline="\r\n"),
        Variant(encoding="utf-16", newline="\r\n"),
    ],
    ids=variant_id,
)
@pytest.mark.parametrize("layout", ["92-columns", "2021"])
def test_vat_report_variants_of_the_real_sample(tmp_path, variant, layout):
    rows = vat_rows()
    if layout == "2021":
        rows = vat_2021_layout(rows)
    path = write(tmp_path, "vat.csv", variant.render(rows))

    report = read_report(path)

    assert report.layout == layout
    assert report.row_count == 285
    assert report.transaction_types == {"FC_TRANSFER": 15, "REFUND": 32, "RETURN": 29, "SALE": 209}
    assert report.to_json()["totals"] == {"EUR": {"SALE": "5938.45", "REFUND": "-1091.32"}}
    parsed = list(report.rows())
    assert any("Hyaluronsäure" in r.item_description for r in parsed)
    if layout == "2021":
        sale = next(r for r in parsed if r.transaction_type == "SALE")
        assert (sale.program_type, sale.tax_collection_responsibility) == ("REGULAR", "SELLER")
        assert sale.tax_reporting_scheme in ("REGULAR", "UNION-OSS")


def test_vat_dates_in_german_notation(tmp_path):
    rows = vat_rows()
    for row in rows[1:]:
        for i in (7, 8, 9, 10):
            if row[i]:
                row[i] = row[i].replace("-", ".")
    report = read_report(write(tmp_path, "vat.txt", Variant().render(rows)))
    assert {r.transaction_complete_date for r in report.rows()} == {
        r.transaction_complete_date for r in read_report(VAT_SAMPLE).rows()
    }


def test_windows_1252_detected_even_when_the_first_umlaut_comes_late(tmp_path):
    lines = [Line(Decimal("1.00"), sku=f"SKU-{i:06d}") for i in range(3000)]
    lines.append(Line(Decimal("2.50"), sku="Größe-XL"))
    s = Settlement(lines=tuple(lines))
    data = settlement_v2(s, Variant(encoding="cp1252"))
    assert data.index("Größe".encode("cp1252")) > 64 * 1024

    report = read_report(write(tmp_path, "s.txt", data))

    assert report.sum_of_amounts == Decimal("3002.50")
    assert list(report.lines())[-1].sku == "Größe-XL"


def test_unknown_columns_and_any_column_order_are_tolerated(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    rows = [[*r, "extra"] if i else [*r, "some-new-column"] for i, r in enumerate(rows)]
    order = list(range(len(rows[0])))
    random.Random(3).shuffle(order)
    rows = [[r[i] for i in order] for r in rows]

    report = read_report(write(tmp_path, "s.txt", Variant().render(rows)))

    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert [x.order_id for x in report.lines()] == [x.order_id for x in SAMPLE_V2.lines]


def test_settlement_v2_with_23_columns_without_promotion_id(tmp_path):
    rows = [r[:23] for r in settlement_v2_rows(SAMPLE_V2)]
    report = read_report(write(tmp_path, "s.txt", Variant().render(rows)))
    assert report.reconciled and report.line_count == 153


def test_settlement_v1_with_33_columns(tmp_path):
    rows = read_rows(V1_SAMPLE)
    drop = {
        rows[0].index(c)
        for c in ("direct-payment-type", "direct-payment-amount", "misc-fee-amount")
    }
    rows = [[c for i, c in enumerate(r) if i not in drop] for r in rows]
    report = read_report(write(tmp_path, "v1.txt", Variant().render(rows)))
    assert (report.format, report.line_count) == ("settlement-v1", 153)


def test_blank_lines_and_trailing_empty_cells_are_ignored(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    rows.insert(5, [])
    rows.insert(9, [""] * 24)
    rows[7] = [*rows[7], "", ""]
    rows.append([])
    report = read_report(write(tmp_path, "s.txt", Variant(newline="\r\n").render(rows)))
    assert report.line_count == 153
    assert len(list(report.lines())) == 153


def test_a_settlement_entry_repeated_in_the_file_is_read_once(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    rows = rows + rows
    report = read_report(write(tmp_path, "s.txt", Variant().render(rows)))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert len(list(report.lines())) == 153


def test_a_repeated_summary_row_is_read_once(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    rows.append(rows[1])
    report = read_report(write(tmp_path, "s.txt", Variant().render(rows)))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert len(list(report.lines())) == 153


def test_tab_file_with_a_literal_quote_at_the_start_of_a_cell(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    rows[3][21] = '"Deluxe" Set 15"'
    report = read_report(write(tmp_path, "s.txt", Variant().render(rows)))
    assert list(report.lines())[1].sku == '"Deluxe" Set 15"'


def test_negative_settlement_and_thousands(tmp_path):
    s = Settlement(
        lines=(
            Line(Decimal("1234.56")),
            Line(
                Decimal("-2500.00"),
                transaction_type="ServiceFee",
                amount_type="Cost of Advertising",
            ),
        )
    )
    for variant in (Variant(decimal="1.234,56"), Variant(decimal=","), Variant()):
        report = read_report(write(tmp_path, "s.txt", settlement_v2(s, variant)))
        assert report.summary.total_amount == Decimal("-1265.44")
        assert report.to_json()["total_amount"] == "-1265.44"


def test_filename_is_the_display_name(tmp_path):
    path = write(tmp_path, "upload-123.tmp", settlement_v2(SAMPLE_V2))
    assert read_report(path, filename="Abrechnung.txt").filename == "Abrechnung.txt"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark(tmp_path, encoding):
    path = write(tmp_path, "s.txt", settlement_v2(SAMPLE_V2, Variant(encoding=encoding)))
    report = read_report(path)
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))


def test_tab_file_with_quoted_data_under_an_unquoted_header(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    data = (
        "\t".join(rows[0]) + "\n" + "".join("\t".join(f'"{c}"' for c in r) + "\n" for r in rows[1:])
    )
    report = read_report(write(tmp_path, "s.txt", data))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))


def test_a_dos_end_of_file_mark_after_the_last_line_is_ignored(tmp_path):
    data = settlement_v2(SAMPLE_V2, Variant(newline="\r\n")) + b"\x1a"
    report = read_report(write(tmp_path, "s.txt", data))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert len(list(report.lines())) == 153


def test_windows_1252_file_with_a_literal_mojibake_title_is_still_windows_1252(tmp_path):
    # A seller's SKU holding „Ã¤“ literally (a broken title upstream) comes before the
    # first Windows-1252 umlaut: it looks like UTF-8 there, but the file is not.
    lines = [Line(Decimal("1.00"), sku=f"Größe-{i}") for i in range(50)]
    lines.insert(0, Line(Decimal("1.00"), sku="KÃ¤se"))
    data = settlement_v2(Settlement(lines=tuple(lines)), Variant(encoding="cp1252"))

    report = read_report(write(tmp_path, "s.txt", data))

    assert [x.sku for x in report.lines()][:2] == ["KÃ¤se", "Größe-0"]


def test_two_downloads_of_one_settlement_put_together_with_their_byte_order_marks(tmp_path):
    data = settlement_v2(SAMPLE_V2, Variant(encoding="utf-8-sig", newline="\r\n"))
    report = read_report(write(tmp_path, "s.txt", data + data))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert len(list(report.lines())) == 153


def test_a_summary_row_repeated_right_away_is_the_same_entry(tmp_path):
    rows = settlement_v2_rows(SAMPLE_V2)
    for repeated in ([rows[1]], [rows[0], rows[1]]):
        data = Variant().render([rows[0], rows[1], *repeated, *rows[2:]])
        report = read_report(write(tmp_path, "s.txt", data))
        assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
        assert len(list(report.lines())) == 153


BLANK_LINE_CASES = [
    pytest.param(variant, before, id=f"{variant_id(variant)}-{before!r}")
    for variant in (
        Variant(delimiter=";", decimal=",", newline="\r\n", encoding="cp1252"),
        Variant(delimiter=",", quoted=True),
        Variant(encoding="utf-16"),
    )
    for before in ("\r\n", "\n\n", "{d}{d}{d}{d}\r\n", '""{d}""\n', "   \n")
    # In a plain tab file quotes are text, so '""' is no empty cell there.
    if not ('"' in before and not variant.quoted and variant.delimiter == "\t")
]


@pytest.mark.parametrize(("variant", "before"), BLANK_LINE_CASES)
def test_blank_lines_before_the_header_do_not_hide_the_separator(tmp_path, variant, before):
    text = variant.render(settlement_v2_rows(SAMPLE_V2, variant)).decode(variant.encoding)
    before = before.format(d=variant.delimiter)  # a row of empty cells
    data = (before + text.lstrip("\ufeff")).encode(variant.encoding)
    report = read_report(write(tmp_path, "s.csv", data))
    assert (report.line_count, report.sum_of_amounts) == (153, Decimal("1016.08"))
    assert len(list(report.lines())) == 153


def german_excel(rows: list[list[str]]) -> list[list[str]]:
    """What German Excel writes back: 1.234,56 and 0,19, dates TT.MM.JJJJ, `;;;` after."""
    header = rows[0]
    out = [[*header, "", "", ""]]
    for row in rows[1:]:
        cells = []
        for name, cell in zip(header, row, strict=True):
            if re.fullmatch(r"-?\d+\.\d+", cell):
                if "RATE" in name:
                    cell = cell.replace(".", ",")
                else:
                    whole, _, cents = f"{Decimal(cell):,.2f}".partition(".")
                    cell = f"{whole.replace(',', '.')},{cents}"
            elif re.fullmatch(r"\d\d-\d\d-\d{4}", cell):
                cell = cell.replace("-", ".")
            cells.append(cell)
        out.append([*cells, "", "", ""])
    return out


@pytest.mark.parametrize(
    "variant",
    [
        Variant(delimiter=";", encoding="cp1252", newline="\r\n"),  # "CSV (Trennzeichen-getrennt)"
        Variant(delimiter="\t", encoding="utf-16", newline="\r\n"),  # "Unicode-Text"
    ],
    ids=variant_id,
)
def test_vat_report_as_german_excel_saves_it(tmp_path, variant):
    rows = vat_rows()
    sale = next(r for r in rows if r[4] == "SALE")
    gross = rows[0].index("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL")
    sale[gross] = str(Decimal(sale[gross]) + 1000)  # to be written as 1.018,90
    rows = german_excel(rows)
    assert "1.018,90" in [c for r in rows for c in r]
    text = variant.render(rows).decode(variant.encoding).lstrip("\ufeff") + variant.newline
    data = text.encode(variant.encoding)

    report = read_report(write(tmp_path, "vat.csv", data))

    assert report.row_count == 285
    assert report.to_json()["totals"] == {"EUR": {"SALE": "6938.45", "REFUND": "-1091.32"}}
    parsed = list(report.rows())
    assert {r.vat_rate for r in parsed if r.transaction_type == "SALE"} <= {
        Decimal("0.19"),
        Decimal("0.07"),
        Decimal("0.2"),
        Decimal("0.21"),
        Decimal("0.1"),
        Decimal("0.0"),
        Decimal("0.23"),
        Decimal("0.22"),
        Decimal("0.25"),
        Decimal("0"),
    }
    assert any("Hyaluronsäure" in r.item_description for r in parsed)
