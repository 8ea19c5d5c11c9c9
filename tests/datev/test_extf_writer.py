"""The EXTF writer: header and quoting as DATEV writes them, files split by period and size."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from datev import extf_format as fmt
from datev.bookings import Booking
from datev.extf_validator import validate_file
from datev.extf_writer import _encoded, format_booking, header_line, write_batch
from datev.periods import period_of
from datev.settings import BatchSettings, SettingsError, parse_fy_start
from tests.datev.datev_extf_check import check_file

SETTINGS = BatchSettings(berater=29098, mandant=55003)
CREATED = datetime(2024, 1, 30, 14, 4, 40, 439000, tzinfo=UTC)


def booking(day: date, amount: str = "10.00", **fields) -> Booking:
    values = dict(account="1210", contra_account="4760", side="H", tax_key="9")
    values.update(fields)
    return Booking(amount=Decimal(amount), date=day, **values)


def test_header_line_is_exactly_the_one_of_design_section_3():
    period = period_of(date(2024, 3, 5), SETTINGS)
    assert header_line(SETTINGS, period, "Buchungsstapel", CREATED) == (
        '"EXTF";700;21;"Buchungsstapel";13;20240130140440439;;"RE";"";"";29098;55003;20240101;4;'
        '20240301;20240331;"Buchungsstapel";"";1;0;0;"EUR";;"";;;"03";;;"";""'
    )


def test_header_names_skr04_for_a_skr04_client():
    settings = BatchSettings(berater=1001, mandant=1, chart="SKR04")
    line = header_line(settings, period_of(date(2024, 3, 5), settings), "x", CREATED)
    assert line.split(";")[26] == '"04"'


def test_column_line_is_datevs_own():
    sample = (
        Path(__file__).parent.parent
        / "fixtures"
        / "datev"
        / "EXTF_Buchungsstapel_datev-musterdaten.csv"
    )
    datev_columns = sample.read_bytes().decode("cp1252").split("\r\n")[1]
    assert datev_columns == fmt.COLUMN_HEADER_LINE
    assert len(fmt.COLUMNS) == 125


def test_a_booking_line_quotes_text_and_leaves_numbers_bare():
    line = format_booking(
        booking(
            date(2024, 3, 5),
            "1234.5",
            document_no="302-1234567-7654321",
            text='Amazon "Gebühr"',
            settlement_ref="12345678901",
        )
    )
    fields = line.split(";")
    assert len(fields) == 125
    assert fields[:14] == [
        "1234,50", '"H"', '"EUR"', "", "", '""', "1210", "4760", '"9"', "0503",
        '"302-1234567-7654321"', '""', "", '"Amazon ""Gebühr"""',
    ]  # fmt: skip
    assert fields[113] == "0"  # Festschreibung
    assert fields[117] == '"0"'  # no Generalumkehr
    assert fields[120] == '"12345678901"'  # Abrechnungsreferenz


def test_foreign_currency_fields_are_written_together():
    fields = format_booking(
        booking(
            date(2024, 3, 6),
            "102.80",
            currency="GBP",
            rate=Decimal("0.83"),
            base_amount=Decimal("123.86"),
        )  # fmt: skip
    ).split(";")
    assert fields[2:6] == ['"GBP"', "0,830000", "123,86", '"EUR"']


def test_oss_fields_forty_and_forty_one():
    fields = format_booking(
        booking(date(2024, 3, 6), eu_country_vat_id="FR", eu_tax_rate=Decimal("20.00"))
    ).split(";")
    assert fields[39:41] == ['"FR"', "20,00"]


def test_the_reverse_charge_case_goes_to_sachverhalt_l_l_column_43_bare():
    fields = format_booking(booking(date(2024, 3, 6), tax_key="94", sachverhalt="7")).split(";")
    assert fmt.COLUMNS[42].name == "Sachverhalt L+L"
    assert (fields[8], fields[42]) == ('"94"', "7")  # a number, unquoted as in DATEV's sample
    assert format_booking(booking(date(2024, 3, 6))).split(";")[42] == ""


def test_text_outside_windows_1252_is_transliterated_and_control_characters_removed(tmp_path):
    files = write_batch(
        [booking(date(2024, 3, 6), text="Łódź\tGdańsk ✓ ok")],
        SETTINGS,
        tmp_path,
        name="t",
        title="t",
    )
    row = files[0].path.read_bytes().decode("cp1252").split("\r\n")[2]
    assert '"Lódz Gdansk ? ok"' in row


def test_a_zero_amount_is_refused_before_it_reaches_a_file():
    with pytest.raises(ValueError, match="positiv"):
        format_booking(booking(date(2024, 3, 6), "0.00"))


def test_bookings_of_several_months_and_years_go_to_one_file_each(tmp_path):
    days = [date(2024, 12, 30), date(2025, 1, 2), date(2024, 11, 5), date(2024, 12, 1)]
    files = write_batch(
        [booking(d) for d in days], SETTINGS, tmp_path, name="Amazon Payout 1", title="x"
    )
    assert [(f.period.start, f.period.end, f.bookings) for f in files] == [
        (date(2024, 11, 1), date(2024, 11, 30), 1),
        (date(2024, 12, 1), date(2024, 12, 31), 2),
        (date(2025, 1, 1), date(2025, 1, 31), 1),
    ]
    assert files[0].path.name == "EXTF_Amazon-Payout-1_20241101-20241130.csv"
    for written in files:
        assert validate_file(written.path).ok
        check_file(written.path)


def test_a_fiscal_year_starting_mid_month_splits_that_month(tmp_path):
    settings = BatchSettings(berater=1001, mandant=1, fy_start=parse_fy_start("07-15"))
    files = write_batch(
        [booking(date(2024, 7, 14)), booking(date(2024, 7, 15))],
        settings,
        tmp_path,
        name="x",
        title="x",
    )
    assert [(f.period.fiscal_year_start, f.period.start, f.period.end) for f in files] == [
        (date(2023, 7, 15), date(2024, 7, 1), date(2024, 7, 14)),
        (date(2024, 7, 15), date(2024, 7, 15), date(2024, 7, 31)),
    ]
    for written in files:
        assert validate_file(written.path).ok


def test_a_file_holds_at_most_the_limit_and_then_a_new_part_begins(tmp_path):
    files = write_batch(
        [booking(date(2024, 3, 1 + i % 28)) for i in range(7)],
        SETTINGS,
        tmp_path,
        name="x",
        title="x",
        max_per_file=3,
    )
    assert [(f.part, f.bookings) for f in files] == [(1, 3), (2, 3), (3, 1)]
    assert files[1].path.name.endswith("_2.csv")
    assert fmt.MAX_BOOKINGS_PER_FILE == 99_999


def test_files_begun_are_removed_when_generation_fails(tmp_path):
    def failing():
        yield booking(date(2024, 3, 1))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_batch(failing(), SETTINGS, tmp_path, name="x", title="x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"berater": 999, "mandant": 1}, "Beraternummer"),
        ({"berater": 1001, "mandant": 100000}, "Mandantennummer"),
        ({"berater": 1001, "mandant": 1, "account_length": 9}, "Sachkontenlänge"),
        ({"berater": 1001, "mandant": 1, "fy_start": (2, 29)}, "Wirtschaftsjahres"),
    ],
)
def test_invalid_master_data_is_refused_in_german(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        BatchSettings(**kwargs)


@pytest.mark.parametrize("text", ["Gebühr 1,50 €", "„Zitat“ – Œuvre", "plain ASCII", "ÿ à ß"])
def test_lines_are_written_in_windows_1252(text):
    assert _encoded(text) == text.encode("cp1252")


@pytest.mark.parametrize("text", ["\x81 is no character of Windows-1252", "Łódź", "\x9d"])
def test_what_windows_1252_lacks_is_refused_when_written(text):
    with pytest.raises(UnicodeEncodeError):
        _encoded(text)
