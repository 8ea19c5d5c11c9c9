"""The project's EXTF validator: DATEV's own sample passes, each broken rule is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from datev.extf_validator import split_fields, validate_file

FIXTURES = Path(__file__).parent.parent / "fixtures" / "datev"
SAMPLE = FIXTURES / "EXTF_Buchungsstapel_datev-musterdaten.csv"


def test_datevs_own_sample_batch_passes_without_a_finding():
    result = validate_file(SAMPLE)
    assert result.issues == []
    assert result.bookings == 54


def _sample_lines() -> list[str]:
    return SAMPLE.read_bytes().decode("cp1252").split("\r\n")[:-1]


def _write(tmp_path: Path, lines: list[str], name: str = "EXTF_test.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def _set_field(line: str, number: int, value: str) -> str:
    fields = line.split(";")
    fields[number - 1] = value
    return ";".join(fields)


def _messages(path: Path) -> str:
    return " | ".join(str(issue) for issue in validate_file(path).issues)


@pytest.mark.parametrize(
    ("line_no", "field", "value", "expected"),
    [
        (0, 21, "", "Festschreibung muss 0 sein"),
        (0, 5, "12", "erwartet '13'"),
        (0, 16, "20250131", "verschiedenen Kalenderjahren"),
        (0, 13, "20240201", "nicht in einem Wirtschaftsjahr"),
        (0, 13, "20240229", "29. Februar"),  # no crash on a leap day
        (0, 16, "20240131", "außerhalb Datum vom/bis"),
        (0, 11, "999", "Beraternummer"),
        (0, 17, '"Ein sehr langer Stapelname, länger als dreißig"', "höchstens 30"),
        (2, 1, "0,00", "Umsatz"),
        (2, 1, "12.50", "Umsatz"),
        (2, 2, '"X"', "Soll/Haben"),
        (2, 7, "1234567", "länger als Sachkontenlänge"),
        (2, 8, "", "Gegenkonto (ohne BU-Schlüssel) fehlt"),
        (2, 9, '"12345"', "BU-Schlüssel"),
        (2, 10, "3102", "gibt es 2024 nicht"),
        (2, 11, '"302_123"', "Belegfeld 1"),
        (2, 14, "Ohne Anführungszeichen", "Text muss in"),
        (2, 3, '"GBP"', "Fremdwährung GBP"),
        (2, 114, "1", "Festschreibung muss 0 sein"),
        (2, 121, '"' + "R" * 51 + '"', "Abrechnungsreferenz"),
        (2, 40, '"de123"', "EU-Land u. UStID"),
        (0, 8, "RE", 'Text muss in "..."'),
        (0, 27, "03", 'Text muss in "..."'),
        (0, 12, '"55003"', 'Zahl darf nicht in "..."'),
        (0, 14, "9", "Sachkontenlänge muss zwischen 4 und 8"),
        (2, 8, "48400", "Konto und Gegenkonto sind gleich"),
        (2, 41, "19,00", "EU-Steuersatz ohne EU-Land"),
        (2, 20, '"https://www.amazon.de/invoice/1"', "DATEV-Beleglink"),
    ],
)
def test_each_broken_rule_is_reported(tmp_path, line_no, field, value, expected):
    lines = _sample_lines()
    lines[line_no] = _set_field(lines[line_no], field, value)
    assert expected in _messages(_write(tmp_path, lines))


def test_a_sachverhalt_l_l_needs_a_tax_key_and_is_never_0(tmp_path):
    lines = _sample_lines()
    with_key = _set_field(lines[2], 9, '"94"')
    lines[2:] = [
        _set_field(with_key, 43, "7"),  # fine: § 13b service of an EU entrepreneur
        _set_field(_set_field(lines[2], 9, '""'), 43, "7"),
        _set_field(with_key, 43, "0"),
        _set_field(with_key, 43, '"7"'),
    ]
    assert [
        (issue.line, issue.message) for issue in validate_file(_write(tmp_path, lines)).issues
    ] == [
        (4, "Sachverhalt L+L ohne BU-Schlüssel."),
        (5, "Sachverhalt L+L 0 gibt es nicht."),
        (6, 'Sachverhalt L+L: Zahl darf nicht in "..." stehen.'),
    ]


def test_a_datev_document_link_is_a_valid_beleglink(tmp_path):
    lines = _sample_lines()
    lines[2] = _set_field(lines[2], 20, '"BEDI ""CB6A8F8F-099A-B3A9-2BAA-0CB64E299BA1"""')
    assert _messages(_write(tmp_path, lines)) == ""


def test_foreign_currency_base_amount_must_fit_the_rate(tmp_path):
    lines = _sample_lines()
    gbp = next(i for i, line in enumerate(lines) if '"GBP"' in line)
    lines[gbp] = _set_field(lines[gbp], 5, "150,00")
    assert "Basis-Umsatz passt nicht" in _messages(_write(tmp_path, lines))


def test_line_ends_other_than_crlf_are_reported(tmp_path):
    path = tmp_path / "EXTF_lf.csv"
    path.write_bytes(SAMPLE.read_bytes().replace(b"\r\n", b"\n"))
    assert "CRLF" in _messages(path)


def test_a_wrong_column_line_is_reported(tmp_path):
    lines = _sample_lines()
    lines[1] = lines[1].replace("Abrechnungsreferenz", "Abrechnungs-Referenz")
    assert "Spaltenüberschrift" in _messages(_write(tmp_path, lines))


def test_a_row_with_126_fields_is_reported(tmp_path):
    lines = _sample_lines()
    lines[2] += ";"
    assert "126 statt 125" in _messages(_write(tmp_path, lines))


def test_utf8_instead_of_windows_1252_is_reported(tmp_path):
    path = tmp_path / "EXTF_utf8.csv"
    path.write_bytes(SAMPLE.read_bytes().decode("cp1252").encode("utf-8"))
    assert validate_file(path).issues  # "ä" as UTF-8 decodes to mojibake or fails a pattern


def test_file_name_must_be_extf(tmp_path):
    path = _write(tmp_path, _sample_lines(), name="buchungen.csv")
    assert "EXTF_<Name>.csv" in _messages(path)


def test_quoted_semicolons_and_doubled_quotes_split_correctly():
    assert split_fields('1;"a;b";"sag ""hallo""";;""') == [
        ("1", False),
        ("a;b", True),
        ('sag "hallo"', True),
        ("", False),
        ("", True),
    ]


def test_a_batch_of_the_older_format_version_9_is_refused_clearly():
    result = validate_file(FIXTURES / "EXTF_Buchungsstapel_ledermann-datev.csv")
    messages = [str(issue) for issue in result.issues]
    assert messages[0] == "Zeile 1, Feld 5: erwartet '13', gefunden '9'."
    assert "Zeile 3: Buchungszeile hat 120 statt 125 Felder." in messages


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("A" * 60, True),
        ("A" * 61, False),
        ('Ein ""Zitat"" mit ' + "A" * 44, True),  # 60 characters, each "" counts as one
        ('Ein ""Zitat"" mit ' + "A" * 45, False),
        ('""' * 60, True),
        ('""' * 61, False),
        ('Ein "Zitat', False),  # a single quote inside a text
        ("Tab\tim Text", False),
    ],
)
def test_the_length_of_a_free_text_counts_a_doubled_quote_as_one_character(tmp_path, text, valid):
    """Buchungstext holds 60 characters; the fast and the field-by-field check agree on it."""
    lines = _sample_lines()
    lines[2] = _set_field(lines[2], 14, f'"{text}"')
    assert validate_file(_write(tmp_path, lines)).ok == valid


def test_a_sachverhalt_l_l_that_is_no_number_is_reported_not_a_crash(tmp_path):
    lines = _sample_lines()
    lines[2] = _set_field(_set_field(lines[2], 9, '"9"'), 43, "a")
    assert "Sachverhalt L+L: ungültiger Wert 'a'" in _messages(_write(tmp_path, lines))


def test_a_line_like_valid_ones_before_it_is_still_checked_in_full(tmp_path):
    """The validator remembers combinations of fields that passed; a line that differs from
    one of them only in a field outside that memory is still found."""
    lines = _sample_lines()
    valid = lines[2]
    lines[2:] = [
        valid,
        valid,
        _set_field(valid, 1, '""'),  # Umsatz missing, quoted
        _set_field(valid, 1, ""),  # Umsatz missing
        _set_field(valid, 5, "100,18"),  # Basis-Umsatz without a foreign currency
        _set_field(valid, 14, '"Test ' + "x" * 60 + '"'),  # Buchungstext too long
        valid,
    ]
    assert [
        (issue.line, issue.column) for issue in validate_file(_write(tmp_path, lines)).issues
    ] == [(5, 1), (6, 1), (7, 4), (8, 14)]
