"""Cell values in every notation Amazon uses, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from parsers.table import _parse_int
from parsers.values import AmbiguousAmount, parse_amount, parse_day, parse_instant


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.34", "12.34"),
        ("-12.34", "-12.34"),
        ("+5", "5"),
        ("0.0", "0.0"),
        ("12,34", "12.34"),
        ("-0,01", "-0.01"),
        ("1.234,56", "1234.56"),
        ("-12.345.678,90", "-12345678.90"),
        ("1,234.56", "1234.56"),
        (" 62.31    ", "62.31"),
        ("0.190", "0.190"),
        ("0,077", "0.077"),
        ("1234.567", "1234.567"),
        ("12.3456", "12.3456"),
        ("-0,00", "-0.00"),
        ("999999999999999.99", "999999999999999.99"),
        ("-999.999.999.999.999,99", "-999999999999999.99"),
    ],
)
def test_amounts(text, value):
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "12,3x",
        "1.2.3",
        "1,2,3",
        "NaN",
        "Infinity",
        "1e3",
        "1_000",
        "12.",
        ".5",
        "--1",
        "1.234,5.6",
        "12 34",
        "١٢",
        "1" * 16,
        "1." + "0" * 13,
        "1" * 5000,
    ],
)
def test_not_amounts(text):
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1.234", "1,234", "-1.234", "100,000", "+999.000"])
def test_a_single_separator_before_three_digits_is_ambiguous_and_refused(text):
    # 1234 in a German spreadsheet's "#.##0" format, 1.234 elsewhere: never guessed.
    with pytest.raises(AmbiguousAmount):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2025-10-09T22:07:18+00:00", datetime(2025, 10, 9, 22, 7, 18, tzinfo=UTC)),
        ("2025-10-09T22:07:18Z", datetime(2025, 10, 9, 22, 7, 18, tzinfo=UTC)),
        (
            "2025-10-09T22:07:18-07:00",
            datetime(2025, 10, 9, 22, 7, 18, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("2023-01-05 07:13:19 UTC", datetime(2023, 1, 5, 7, 13, 19, tzinfo=UTC)),
        ("05.01.2023 07:13:19 UTC", datetime(2023, 1, 5, 7, 13, 19, tzinfo=UTC)),
        ("05-01-2023 07:13:19 GMT", datetime(2023, 1, 5, 7, 13, 19, tzinfo=UTC)),
        ("2023-01-05", datetime(2023, 1, 5, tzinfo=UTC)),
        ("05.01.2023", datetime(2023, 1, 5, tzinfo=UTC)),
        ("05-01-2023", datetime(2023, 1, 5, tzinfo=UTC)),
    ],
)
def test_instants_are_aware(text, value):
    parsed = parse_instant(text)
    assert parsed == value
    assert parsed.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "gestern",
        "2023-01-05T07:13:19",
        "2023-01-05 07:13:19",
        "2023-02-30",
        "31.02.2023",
        "2023-01-05 07:13 UTC",
        "05/01/2023",
        "2023-01-05 25:13:19 UTC",
        "2023-1-5",
        "２０２３-01-05",
        "20230105T071319+0000",
    ],
)
def test_not_instants(text):
    with pytest.raises(ValueError):
        parse_instant(text)


@pytest.mark.parametrize("text", ["29-02-2020", "29.02.2020", "2020-02-29", " 29-02-2020 "])
def test_days(text):
    assert parse_day(text) == date(2020, 2, 29)


@pytest.mark.parametrize("text", ["29-02-2021", "2020/02/29", "29.2.2020", "", "29-02-20"])
def test_not_days(text):
    with pytest.raises(ValueError):
        parse_day(text)


@pytest.mark.parametrize(
    ("text", "value"), [("1", 1), ("1.0", 1), ("1,0", 1), ("-2,00", -2), ("+3.00", 3), (" 7 ", 7)]
)
def test_quantities_as_spreadsheets_write_them(text, value):
    assert _parse_int(text) == value


@pytest.mark.parametrize("text", ["1,5", "1.000", "1.0.0", ",0", "٣", "1e3", ""])
def test_not_quantities(text):
    with pytest.raises(ValueError):
        _parse_int(text)
