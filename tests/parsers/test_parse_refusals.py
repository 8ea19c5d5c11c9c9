"""Every refused file gets a German message naming the file, and the line and column."""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
from decimal import Decimal

import pytest

from parsers import ReportError, detect, read_report
from tests.parsers.amazon_builders import (
    V1_SAMPLE,
    VAT_SAMPLE,
    Line,
    Settlement,
    Variant,
    settlement_v2,
    settlement_v2_rows,
    vat_rows,
    write,
)

SETTLEMENT = Settlement(
    lines=(
        Line(Decimal("39.99")),
        Line(Decimal("-5.99"), amount_type="ItemFees", amount_description="Commission"),
        Line(
            Decimal("-3.10"), amount_type="ItemFees", amount_description="FBAPerUnitFulfillmentFee"
        ),
    )
)


def refused(path, **kwargs) -> ReportError:
    with pytest.raises(ReportError) as info:
        report = read_report(path, **kwargs)
        list(report.lines() if report.kind == "payout" else report.rows())
    error = info.value
    message = str(error)
    assert message.startswith(f"Datei „{error.filename}“")
    if error.line is not None:
        assert f"Zeile {error.line}" in message
    if error.column is not None:
        assert f"Spalte „{error.column}“" in message
    return error


def v2_with(tmp_path, change, variant: Variant | None = None):
    variant = variant or Variant()
    rows = settlement_v2_rows(SETTLEMENT, variant)
    change(rows)
    return write(tmp_path, "settlement.txt", variant.render(rows))


def vat_with(tmp_path, change):
    rows = vat_rows()[:20]
    change(rows)
    return write(tmp_path, "vat.txt", Variant(newline="\r\n").render(rows))


def test_error_message_names_file_line_and_column(tmp_path):
    def bad(rows):
        rows[3][14] = "12,3x"

    error = refused(v2_with(tmp_path, bad), filename="x.txt")

    assert (error.filename, error.line, error.column) == ("x.txt", 4, "amount")
    assert (
        str(error) == "Datei „x.txt“, Zeile 4, Spalte „amount“: „12,3x“ ist kein gültiger Betrag."
    )


def test_empty_file(tmp_path):
    error = refused(write(tmp_path, "leer.txt", b""))
    assert "leer" in str(error)
    assert error.line is None


def test_file_of_blank_lines_is_empty(tmp_path):
    assert "leer" in str(refused(write(tmp_path, "leer.txt", b"\r\n\r\n  \n")))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "Bild (PNG)"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100), "Bild (JPEG)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP-Archiv"),
        (gzip.compress(V1_SAMPLE.read_bytes()), "gzip"),
        (bz2.compress(V1_SAMPLE.read_bytes()), "bzip2"),
        (lzma.compress(V1_SAMPLE.read_bytes()), "xz"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(64), "7-Zip"),
        (b"Rar!\x1a\x07\x01\x00" + bytes(64), "RAR"),
        (b"PK\x05\x06" + bytes(18), "ZIP-Archiv"),
        (bytes(range(256)) * 4, "keine Textdatei"),
    ],
)
def test_not_a_text_file(tmp_path, data, words):
    error = refused(write(tmp_path, "upload.bin", data))
    assert words in str(error)


def test_datev_batch_is_refused_as_datev(tmp_path):
    datev = (
        '"EXTF";700;21;"Buchungsstapel";13;20240130140440439;;"RE";"";"";29098;55003;20240101;4;'
        '20240101;20240831;"Rechnungen";"";1;0;0;"EUR";;"";;;"03";;;"";""\r\n'
        "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs\r\n"
        '1785,98;"S";"EUR";;\r\n'
    ).encode("cp1252")
    error = refused(write(tmp_path, "EXTF_Buchungsstapel.csv", datev))
    assert "DATEV" in str(error)
    assert error.line == 1


def test_other_csv_is_not_an_amazon_report(tmp_path):
    error = refused(write(tmp_path, "kunden.csv", "Name;Ort\nMüller;Köln\n"))
    assert "kein Amazon-Bericht" in str(error)
    assert error.line == 1


@pytest.mark.parametrize("source", ["settlement", "vat"])
def test_header_without_data(tmp_path, source):
    if source == "settlement":
        data = "\t".join(settlement_v2_rows(SETTLEMENT)[0]) + "\n"
    else:
        data = "\t".join(vat_rows()[0]) + "\r\n"
    error = refused(write(tmp_path, "nur-kopf.txt", data))
    assert "nur die Kopfzeile" in str(error)


def test_truncated_last_line_says_the_file_was_cut(tmp_path):
    data = V1_SAMPLE.read_bytes()
    cut = data[: data.rindex(b"\t-205.41") + 4]  # inside the last line
    error = refused(write(tmp_path, "abgeschnitten.txt", cut))
    assert "abgeschnitten" in str(error)
    assert error.line == 192


def test_truncated_vat_report(tmp_path):
    data = VAT_SAMPLE.read_bytes()
    error = refused(write(tmp_path, "vat.txt", data[:100_000]))
    assert "abgeschnitten" in str(error)
    assert error.line == data[:100_000].count(b"\n") + 1


def test_short_row_in_the_middle(tmp_path):
    def short(rows):
        rows[3] = rows[3][:10]

    error = refused(v2_with(tmp_path, short))
    assert (error.line, error.column) == (4, "shipment-id")
    assert "nur 10 von 24 Spalten" in str(error)


def test_row_with_an_extra_value(tmp_path):
    def longer(rows):
        rows[2].append("surplus")

    error = refused(v2_with(tmp_path, longer))
    assert error.line == 3
    assert "25 Spalten" in str(error)


def test_settlement_that_does_not_add_up(tmp_path):
    s = Settlement(lines=SETTLEMENT.lines, total=Decimal("30.91"))
    error = refused(write(tmp_path, "s.txt", settlement_v2(s)))
    assert (error.line, error.column) == (2, "total-amount")
    assert "ergeben 30,90 EUR" in str(error) and "nennt aber 30,91 EUR" in str(error)
    assert "(Differenz 0,01)" in str(error)
    assert "geht nicht auf" in str(error)


def test_missing_required_column(tmp_path):
    def drop_currency(rows):
        for row in rows:
            del row[5]

    error = refused(v2_with(tmp_path, drop_currency))
    assert (error.line, error.column) == (1, "currency")
    assert "fehlt die Spalte „currency“" in str(error)


def test_missing_required_vat_column(tmp_path):
    def drop(rows):
        i = rows[0].index("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL")
        for row in rows:
            del row[i]

    error = refused(vat_with(tmp_path, drop))
    assert error.column == "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL"
    assert error.line == 1


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        (14, "", "Der Betrag fehlt"),
        (14, "1.2.3", "„1.2.3“ ist kein gültiger Betrag"),
        (14, "NaN", "„NaN“ ist kein gültiger Betrag"),
        (14, "1e3", "„1e3“ ist kein gültiger Betrag"),
        (14, "1,234", "„1,234“ ist mehrdeutig"),
        (14, "1.234", "„1.234“ ist mehrdeutig"),
        (17, "2023-13-05T07:13:19+00:00", "kein gültiges Datum"),
        (17, "2023-01-05T07:13:19", "kein gültiges Datum"),  # no offset: ambiguous
        (17, "05/01/2023", "kein gültiges Datum"),
        (16, "32.01.2023", "kein gültiges Datum"),
        (22, "eins", "keine gültige Menge"),
    ],
)
def test_bad_cells_in_a_settlement(tmp_path, column, value, words):
    def bad(rows):
        rows[4][column] = value

    error = refused(v2_with(tmp_path, bad))
    assert error.line == 5
    assert error.column == settlement_v2_rows(SETTLEMENT)[0][column]
    assert words in str(error)


def test_two_settlements_in_one_file(tmp_path):
    def other(rows):
        rows[4][0] = "99999999999"

    error = refused(v2_with(tmp_path, other))
    assert "mehr als eine Abrechnung" in str(error)
    assert "99999999999" in str(error)
    assert (error.line, error.column) == (5, "settlement-id")


def test_two_currencies_in_one_settlement(tmp_path):
    def gbp(rows):
        rows[3][5] = "GBP"

    error = refused(v2_with(tmp_path, gbp))
    assert "genau eine Währung" in str(error)
    assert (error.line, error.column) == (4, "currency")


def test_summary_row_must_come_first(tmp_path):
    def swap(rows):
        rows[1], rows[2] = rows[2], rows[1]

    error = refused(v2_with(tmp_path, swap))
    assert "Summenzeile" in str(error)
    assert (error.line, error.column) == (2, "total-amount")


def test_bad_currency_code(tmp_path):
    def euro(rows):
        rows[1][5] = "€"

    error = refused(v2_with(tmp_path, euro))
    assert (error.line, error.column) == (2, "currency")


def test_contradicting_repeated_summary(tmp_path):
    def repeat(rows):
        again = list(rows[1])
        again[4] = "1.00"
        rows.append(again)

    error = refused(v2_with(tmp_path, repeat))
    assert "zwei verschiedene Summenzeilen" in str(error)


def test_repeated_entry_that_differs_from_the_first(tmp_path):
    def repeat(rows):
        rows.extend([list(r) for r in rows[:4]])  # header, summary and two of three lines

    error = refused(v2_with(tmp_path, repeat))
    assert "mehrfach" in str(error)
    assert error.line == 6


def test_unclosed_quote_in_a_csv(tmp_path):
    variant = Variant(delimiter=",", quoted=True)
    data = variant.render(settlement_v2_rows(SETTLEMENT, variant))
    data = data.replace(b'"302-1234567-7654321"', b'"302-1234567-7654321', 1)
    error = refused(write(tmp_path, "s.csv", data))
    assert "Anführungszeichen" in str(error)
    assert error.line is not None


def test_bytes_invalid_in_every_accepted_encoding(tmp_path):
    data = settlement_v2(SETTLEMENT).replace(b"SKU-1", b"SKU-\x81\x8d", 1)
    error = refused(write(tmp_path, "s.txt", data))
    assert "Zeichenkodierung" in str(error)


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("TRANSACTION_COMPLETE_DATE", "2020-02-30", "kein gültiges Datum"),
        ("TAX_CALCULATION_DATE", "29/02/2020", "kein gültiges Datum"),
        ("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL", "", "Der Betrag fehlt"),
        ("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL", "18.9.0", "kein gültiger Betrag"),
        ("TOTAL_ACTIVITY_VALUE_VAT_AMT", "drei", "kein gültiger Betrag"),
        ("PRICE_OF_ITEMS_VAT_RATE_PERCENT", "19%", "kein gültiger Betrag"),
        ("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL", "1.890", "„1.890“ ist mehrdeutig"),
        ("QTY", "1,5", "keine gültige Menge"),
        ("EXPORT_OUTSIDE_EU", "MAYBE", "„MAYBE“ ist kein gültiger Wert"),
        ("TRANSACTION_CURRENCY_CODE", "", "Die Währung fehlt"),
        ("TRANSACTION_CURRENCY_CODE", "EURO", "kein Währungscode"),
        ("TRANSACTION_CURRENCY_CODE", "eur", "kein Währungscode"),
        ("TRANSACTION_TYPE", "", "TRANSACTION_TYPE fehlt"),
        ("TRANSACTION_TYPE", "Sale", "erwartet „SALE“"),
        ("TRANSACTION_TYPE", "refund", "erwartet „REFUND“"),
    ],
)
def test_bad_cells_in_a_vat_report(tmp_path, column, value, words):
    def bad(rows):
        rows[2][rows[0].index(column)] = value  # line 3 is a SALE

    error = refused(vat_with(tmp_path, bad))
    assert (error.line, error.column) == (3, column)
    assert words in str(error)


def test_unreadable_path(tmp_path):
    error = refused(tmp_path / "fehlt.txt")
    assert "kann nicht gelesen werden" in str(error)


def test_every_message_is_german_and_complete(tmp_path):
    def bad(rows):
        rows[2][17] = "gestern"

    error = refused(v2_with(tmp_path, bad), filename="Abrechnung Januar.txt")
    assert re.fullmatch(
        r"Datei „Abrechnung Januar\.txt“, Zeile 3, Spalte „posted-date-time“: „gestern“ ist kein "
        r"gültiges Datum \(.*\)\.",
        str(error),
    )


def test_an_endless_line_is_refused_without_reading_it_into_memory(tmp_path):
    header = "\t".join(settlement_v2_rows(SETTLEMENT)[0]) + "\n"
    error = refused(write(tmp_path, "s.txt", header + "x\t" * 2_000_000))
    assert "Die Zeile hat 524289 Spalten, die Kopfzeile aber nur 24" in str(error)
    assert error.line == 2


def test_an_endless_line_of_empty_cells_is_no_data(tmp_path):
    header = "\t".join(settlement_v2_rows(SETTLEMENT)[0]) + "\n"
    error = refused(write(tmp_path, "s.txt", header + "\t" * 3_000_000))
    assert "nur die Kopfzeile" in str(error)


def big_settlement(encoding: str = "utf-8") -> bytes:
    """A settlement larger than the sniffing window, umlauts on every line."""
    lines = tuple(Line(Decimal("1.00"), sku=f"Größe-{i:05d}") for i in range(1500))
    return settlement_v2(Settlement(lines=lines), Variant(encoding=encoding))


def test_damaged_byte_in_a_utf8_file_is_refused_with_line_and_column_not_read_as_1252(tmp_path):
    data = big_settlement()
    at = data.index(b"Gr\xc3\xb6\xc3\x9fe-01400")
    assert at > 64 * 1024
    line = data[:at].count(b"\n") + 1
    data = data[:at] + b"\xe4" + data[at:]  # one Windows-1252 „ä“ in a UTF-8 file

    error = refused(write(tmp_path, "s.txt", data))

    assert (error.line, error.column) == (line, "sku")
    assert "ungültig" in str(error) and "UTF-8" in str(error)


def test_undecodable_bytes_are_refused_with_line_and_column(tmp_path):
    data = settlement_v2(SETTLEMENT).replace(b"SKU-1", b"SKU-\x81\x8d", 3)
    error = refused(write(tmp_path, "s.txt", data))
    assert (error.line, error.column) == (3, "sku")
    assert "Zeichenkodierung" in str(error)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
@pytest.mark.parametrize("where", ["first lines", "beyond the sniffing window"])
def test_nul_character_is_refused_with_line_and_column(tmp_path, encoding, where):
    data = big_settlement(encoding if encoding != "utf-16" else "utf-16-le")
    nul = "\x00".encode(encoding if encoding != "utf-16" else "utf-16-le")
    name = "Größe-00003" if where == "first lines" else "Größe-01400"
    at = data.index(name.encode(encoding if encoding != "utf-16" else "utf-16-le"))
    text = data[:at].decode(encoding if encoding != "utf-16" else "utf-16-le")
    data = data[:at] + nul + data[at:]

    error = refused(write(tmp_path, "s.txt", data))

    assert "Nullzeichen" in str(error)
    assert (error.line, error.column) == (text.count("\n") + 1, "sku")


def test_utf16_file_cut_in_the_middle_of_a_character(tmp_path):
    data = settlement_v2(SETTLEMENT, Variant(encoding="utf-16"))
    error = refused(write(tmp_path, "s.txt", data[:-1]))
    assert "abgeschnitten" in str(error)


def test_a_file_changed_or_removed_after_validation_raises_only_report_error(tmp_path):
    data = settlement_v2(SETTLEMENT)
    path = write(tmp_path, "s.txt", data)
    report = read_report(path)

    path.write_bytes(data.replace(b"SKU-1", b"SKU-\xff", 1))
    with pytest.raises(ReportError, match="verändert"):
        list(report.lines())

    path.unlink()
    with pytest.raises(ReportError, match="kann nicht mehr gelesen werden"):
        list(report.lines())


def _without_the_last_closing_quote(data: bytes) -> bytes:
    return data.rstrip(b"\n")[:-1] + b"\n"


@pytest.mark.parametrize("kind", ["payout", "order"])
@pytest.mark.parametrize(
    "change",
    [lambda data: data.replace(b'"AFN"', b'"MFN"'), _without_the_last_closing_quote],
    ids=["a text cell", "an unclosed quote at the end"],
)
def test_a_report_changed_after_validation_is_refused_on_the_next_pass(tmp_path, kind, change):
    variant = Variant(delimiter=",", quoted=True)
    rows = settlement_v2_rows(SETTLEMENT, variant) if kind == "payout" else vat_rows()[:20]
    path = write(tmp_path, "report.csv", variant.render(rows))
    report = read_report(path)

    path.write_bytes(change(path.read_bytes()))
    with pytest.raises(ReportError, match="nach dem Einlesen verändert"):
        list(report.lines() if kind == "payout" else report.rows())


def test_lines_are_physical_lines_where_the_row_starts_even_after_values_spanning_lines(tmp_path):
    variant = Variant(delimiter=",", quoted=True, newline="\r\n")

    def spanning(rows):
        rows[2][21] = "Set\r\n15 Zoll\nblau"  # three physical lines in one value
        rows[4][14] = "zwölf"

    data = variant.render(settlement_v2_rows(SETTLEMENT, variant))
    good = read_report(write(tmp_path, "ok.csv", data.replace(b'"SKU-1"', b'"SKU\r\n1"', 1)))
    assert [x.line_no for x in good.lines()] == [3, 5, 6]

    error = refused(v2_with(tmp_path, spanning, variant))
    # header 1, summary 2, the row with the value on lines 3-5, then 6, and 7: the bad one
    assert (error.line, error.column) == (7, "amount")


def test_an_unclosed_quote_is_reported_where_the_row_starts_not_at_the_end_of_the_file(tmp_path):
    variant = Variant(delimiter=",")
    data = variant.render(settlement_v2_rows(SETTLEMENT, variant) + [[]] * 20)
    data = data.replace(b",SKU-1,", b',"SKU-1,', 2)  # lines 3 and 4, csv reads on to the end
    error = refused(write(tmp_path, "s.csv", data))
    assert "Anführungszeichen" in str(error)
    assert error.line == 3


@pytest.mark.parametrize("ends", ["\n", "\r", "\r\n", " \n", "\t\n", "\t" * 23 + "\n"])
def test_a_file_of_endless_blank_lines_is_refused_early(tmp_path, monkeypatch, ends):
    monkeypatch.setattr("parsers.table.MAX_BLANK_LINES", 10_000)  # a million in real life
    header = "\t".join(settlement_v2_rows(SETTLEMENT)[0]) + "\n"
    error = refused(write(tmp_path, "s.txt", header + ends * 200_000))
    assert "fast nur aus Leerzeilen (10.001 von 10.002 Zeilen sind leer)" in str(error)
    assert error.line == 10_002


def test_twice_converted_line_ends_are_still_read(tmp_path):
    # "\r\r\n": a blank line after every row.
    rows = settlement_v2_rows(SETTLEMENT)
    report = read_report(write(tmp_path, "s.txt", Variant(newline="\r\r\n").render(rows)))
    assert [x.line_no for x in report.lines()] == [5, 7, 9]
    assert report.reconciled


def test_a_row_of_empty_cells_before_the_summary_row_is_skipped(tmp_path):
    variant = Variant(delimiter=";", encoding="cp1252", newline="\r\n")
    rows = settlement_v2_rows(SETTLEMENT, variant)
    rows.insert(1, [""] * len(rows[0]))  # a spreadsheet's ";;;;;"
    report = read_report(write(tmp_path, "s.csv", variant.render(rows)))
    assert report.summary.total_amount == Decimal("30.90")
    assert [x.line_no for x in report.lines()] == [4, 5, 6]


def test_a_message_never_names_a_column_without_a_name(tmp_path):
    rows = vat_rows()[:5]
    rows[0] = [*rows[0], "", ""]  # the header has two unnamed columns more than the rows
    error = refused(write(tmp_path, "vat.csv", Variant(delimiter=";").render(rows)))
    assert (error.line, error.column) == (2, "ohne Namen, Nr. 93")
    assert "„“" not in str(error)


@pytest.mark.parametrize("sid", ["2,42887E+11", "2.42887e+11", "2E+11"])
def test_a_settlement_id_in_a_spreadsheets_exponent_notation_is_refused(tmp_path, sid):
    def excel(rows):
        for row in rows[1:]:
            row[0] = sid

    error = refused(v2_with(tmp_path, excel, Variant(delimiter=";", decimal=",")))
    assert (error.line, error.column) == (2, "settlement-id")
    assert "Exponentialschreibweise" in str(error)


def test_two_vat_reports_pasted_together_are_refused_at_the_second_header(tmp_path):
    rows = vat_rows()
    error = refused(vat_with(tmp_path, lambda r: r.extend(rows[:4])))
    assert "zwei Berichte" in str(error)
    assert (error.line, error.column) == (21, "TRANSACTION_TYPE")


def test_a_new_period_on_every_row_is_refused_before_memory_grows(tmp_path):
    rows = vat_rows()
    period = rows[0].index("ACTIVITY_PERIOD")
    many = [[*rows[2][:period], f"2020-{i:05d}", *rows[2][period + 1 :]] for i in range(1200)]
    error = refused(write(tmp_path, "vat.txt", Variant().render([rows[0], *many])))
    assert "mehr als 1000 verschiedene Werte" in str(error)
    assert (error.line, error.column) == (1002, "ACTIVITY_PERIOD")


def test_an_overlong_marketplace_name_is_refused(tmp_path):
    def long_name(rows):
        rows[3][11] = "Amazon.de" * 100

    error = refused(v2_with(tmp_path, long_name))
    assert "zu lang" in str(error)
    assert (error.line, error.column) == (4, "marketplace-name")


def test_a_vat_report_of_endless_rows_of_empty_cells_is_refused_early(tmp_path, monkeypatch):
    monkeypatch.setattr("parsers.table.MAX_BLANK_LINES", 10_000)
    header = "\t".join(vat_rows()[0]) + "\n"
    error = refused(write(tmp_path, "vat.txt", header + ("\t" * 91 + "\n") * 20_000))
    assert "fast nur aus Leerzeilen" in str(error)


def test_a_spreadsheets_thousands_of_empty_rows_after_the_data_are_read(tmp_path):
    variant = Variant(delimiter=";", decimal=",", newline="\r\n")
    rows = settlement_v2_rows(SETTLEMENT, variant) + [[""] * 24] * 30_000
    report = read_report(write(tmp_path, "s.csv", variant.render(rows)))
    assert report.reconciled and len(list(report.lines())) == 3


def test_a_file_removed_while_it_is_read_raises_only_report_error(tmp_path, monkeypatch):
    path = write(tmp_path, "s.txt", settlement_v2(SETTLEMENT))
    sniffed = detect.sniff

    def sniff_then_remove(*args):
        source = sniffed(*args)
        path.unlink()
        return source

    monkeypatch.setattr(detect, "sniff", sniff_then_remove)
    error = refused(path)
    assert "kann nicht gelesen werden (sie existiert nicht)" in str(error)
