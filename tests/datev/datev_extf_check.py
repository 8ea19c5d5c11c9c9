"""An independent check of EXTF files, written from DESIGN.md §3 without the project's validator.

It parses with the csv module and checks what DATEV rejects: header, column line, field counts,
quoting of the fields Kontor writes, amount/account/date patterns, periods and balances.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

HEADER_START = ["EXTF", "700", "21", "Buchungsstapel", "13"]


def read_extf(path: Path) -> tuple[list[str], list[str], list[list[str]], list[str]]:
    raw = path.read_bytes()
    assert path.name.startswith("EXTF_") and path.name.endswith(".csv")
    text = raw.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[-1] == "", "the file ends with CRLF"
    assert "\n" not in text.replace("\r\n", ""), "only CRLF line ends"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return rows[0], rows[1], rows[2:], lines[:-1]


def check_file(path: Path, account_length: int = 4, fy_start: date | None = None) -> dict:
    """Return {"bookings", "period", "balances"}; assert on every violation."""
    header, columns, rows, raw_lines = read_extf(path)
    assert header[:5] == HEADER_START
    assert len(header) == 31
    assert header[20] == "0", "Festschreibung 0 in the header"
    assert raw_lines[0].startswith('"EXTF";700;21;"Buchungsstapel";13;')
    start = date(int(header[14][:4]), int(header[14][4:6]), int(header[14][6:]))
    end = date(int(header[15][:4]), int(header[15][4:6]), int(header[15][6:]))
    wj = date(int(header[12][:4]), int(header[12][4:6]), int(header[12][6:]))
    assert start <= end and start.year == end.year
    assert start.month == end.month, "one file per month"
    assert wj <= start and end < wj.replace(year=wj.year + 1)
    if fy_start is not None:
        assert wj == fy_start
    assert int(header[13]) == account_length
    assert len(columns) == 125 and columns[0] == "Umsatz (ohne Soll/Haben-Kz)"
    assert columns[120] == "Abrechnungsreferenz"
    assert 0 < len(rows) <= 99_999
    balances: dict[str, Decimal] = {}
    for number, (row, raw) in enumerate(zip(rows, raw_lines[2:], strict=True), 3):
        assert len(row) == 125, number
        assert re.fullmatch(r"\d{1,10},\d{2}", row[0]) and row[0] != "0,00", (number, row[0])
        assert re.match(r'[0-9,]+;"[SH]";"[A-Z]{3}";', raw), raw[:40]
        for account in (row[6], row[7]):
            assert re.fullmatch(r"\d+", account) and len(account) <= account_length + 1
        assert re.fullmatch(r"\d{0,4}", row[8])
        day = date(start.year, int(row[9][2:]), int(row[9][:2]))
        assert start <= day <= end, (number, row[9])
        assert re.fullmatch(r"[A-Za-z0-9$&%*+\-/]{0,36}", row[10])
        assert len(row[13]) <= 60 and len(row[19]) <= 210 and len(row[120]) <= 50
        assert row[113] == "0", "Festschreibung 0 on every row"
        if row[2] != "EUR":
            assert row[3] and row[4] and row[5] == "EUR", number
            rate = Decimal(row[3].replace(",", "."))
            base = Decimal(row[4].replace(",", "."))
            exact = Decimal(row[0].replace(",", ".")) / rate
            # DATEV refuses a Basis-Umsatz of 0,00: a tiny amount is given at least one cent
            assert abs(exact - base) <= Decimal("0.005") or (
                exact < Decimal("0.005") and base == Decimal("0.01")
            )
            eur = base
        else:
            assert not (row[3] or row[4] or row[5])
            eur = Decimal(row[0].replace(",", "."))
        signed = eur if row[1] == "S" else -eur
        balances[row[6]] = balances.get(row[6], Decimal(0)) + signed
        balances[row[7]] = balances.get(row[7], Decimal(0)) - signed
    return {"bookings": len(rows), "period": (start, end), "balances": balances}
