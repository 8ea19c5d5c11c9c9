"""Property tests: generated files in every variant round-trip; mutations only ever
raise the parser's own ReportError."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import ReportError, read_report
from tests.parsers.amazon_builders import (
    V1_SAMPLE,
    Line,
    Settlement,
    Variant,
    settlement_v2,
    vat_2021_layout,
    vat_rows,
)

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

variants = st.builds(
    Variant,
    delimiter=st.sampled_from(["\t", ",", ";"]),
    quoted=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    dates=st.sampled_from(["iso", "utc", "de"]),
    decimal=st.sampled_from([".", ",", "1.234,56"]),
    trailing_newline=st.booleans(),
)
# Text a seller's data may hold, encodable in Windows-1252, without line breaks.
text = st.text(alphabet=st.sampled_from(list("abcXYZ019 -_/&.,;'\"äöüßÄé€")), max_size=12).map(
    str.strip
)
amounts = st.integers(min_value=-(10**8), max_value=10**8).map(lambda c: Decimal(c).scaleb(-2))
instants = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
lines = st.builds(
    Line,
    amount=amounts,
    transaction_type=text,
    order_id=text,
    amount_type=st.sampled_from(["ItemPrice", "ItemFees", "Promotion", "other-transaction"]),
    amount_description=text,
    marketplace=st.sampled_from(["Amazon.de", "Amazon.fr", "Non-Amazon DE", ""]),
    posted=instants,
    sku=text,
    quantity=st.none() | st.integers(min_value=0, max_value=999),
)
settlements = st.builds(
    Settlement,
    settlement_id=st.integers(min_value=1, max_value=10**12).map(str),
    start=instants,
    end=instants,
    deposit=instants,
    currency=st.sampled_from(["EUR", "GBP", "SEK", "PLN"]),
    lines=st.lists(lines, max_size=12).map(tuple),
)


def write_temp(directory: Path, data: bytes) -> Path:
    # One file per test, overwritten by every example (hypothesis reuses tmp_path).
    path = directory / "report.txt"
    path.write_bytes(data)
    return path


@SETTINGS
@given(settlement=settlements, variant=variants)
def test_generated_settlements_round_trip_in_every_variant(tmp_path, settlement, variant):
    path = write_temp(tmp_path, settlement_v2(settlement, variant))

    report = read_report(path)

    assert report.format == "settlement-v2"
    s = report.summary
    assert (s.settlement_id, s.currency) == (settlement.settlement_id, settlement.currency)
    assert (s.start, s.end, s.deposit_date) == (
        settlement.start,
        settlement.end,
        settlement.deposit,
    )
    assert s.total_amount == settlement.total_amount == report.sum_of_amounts
    assert report.line_count == len(settlement.lines)
    parsed = list(report.lines())
    assert [
        (x.amount, x.transaction_type, x.order_id, x.amount_type, x.amount_description)
        for x in parsed
    ] == [
        (x.amount, x.transaction_type, x.order_id, x.amount_type, x.amount_description)
        for x in settlement.lines
    ]
    assert [(x.posted_at, x.sku, x.quantity, x.marketplace_name) for x in parsed] == [
        (x.posted, x.sku, x.quantity, x.marketplace) for x in settlement.lines
    ]
    assert report.marketplaces == sorted({x.marketplace for x in settlement.lines} - {""})


VAT = vat_rows()
VAT_2021 = vat_2021_layout(VAT)


@SETTINGS
@given(
    picked=st.lists(st.integers(min_value=1, max_value=len(VAT) - 1), min_size=1, max_size=25),
    variant=variants.filter(lambda v: v.dates == "iso" and v.decimal == "."),
    layout=st.sampled_from(["92-columns", "2021"]),
)
def test_generated_vat_reports_round_trip_in_every_variant(tmp_path, picked, variant, layout):
    rows = VAT if layout == "92-columns" else VAT_2021
    chosen = [rows[i] for i in picked]
    path = write_temp(tmp_path, variant.render([rows[0], *chosen]))

    report = read_report(path)

    t = rows[0].index("TRANSACTION_TYPE")
    g = rows[0].index("TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL")
    assert report.layout == layout
    assert report.row_count == len(chosen)
    assert report.transaction_types == dict(sorted(Counter(r[t] for r in chosen).items()))
    for kind in ("SALE", "REFUND"):
        expected = sum((Decimal(r[g]) for r in chosen if r[t] == kind), Decimal(0))
        assert report.totals.get("EUR", {}).get(kind, Decimal(0)) == expected
    parsed = list(report.rows())
    assert [r.transaction_event_id for r in parsed] == [
        r[rows[0].index("TRANSACTION_EVENT_ID")] for r in chosen
    ]
    assert [r.item_description for r in parsed] == [
        r[rows[0].index("ITEM_DESCRIPTION")].strip() for r in chosen
    ]


SMALL_SETTLEMENT = settlement_v2(
    Settlement(
        lines=(
            Line(Decimal("39.99")),
            Line(Decimal("-5.99"), amount_type="ItemFees", amount_description="Commission"),
            Line(Decimal("12.00"), quantity=None, sku="Größe"),
        )
    ),
    Variant(dates="de", decimal=","),
)
SMALL_V1 = b"".join(V1_SAMPLE.read_bytes().splitlines(keepends=True)[:12])
SMALL_VAT = Variant(delimiter=",", quoted=True, newline="\r\n").render(VAT[:8])
SPECIAL = b'\t,;"\r\n\x00\xff\xfe\xef\xbb\xbf0123456789.-+ aZ\x81\xe4'

mutation = st.tuples(
    st.sampled_from(["replace", "insert", "delete", "truncate", "duplicate-line", "drop-line"]),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=len(SPECIAL) - 1),
    st.integers(min_value=1, max_value=40),
)


def mutate(data: bytes, mutations) -> bytes:
    for op, position, special, size in mutations:
        if not data:
            break
        i = position % len(data)
        byte = SPECIAL[special : special + 1]
        if op == "replace":
            data = data[:i] + byte + data[i + 1 :]
        elif op == "insert":
            data = data[:i] + byte + data[i:]
        elif op == "delete":
            data = data[:i] + data[i + size :]
        elif op == "truncate":
            data = data[:i]
        else:
            lines = data.splitlines(keepends=True)
            j = position % len(lines)
            if op == "duplicate-line":
                lines.insert(j, lines[j])
            else:
                del lines[j]
            data = b"".join(lines)
    return data


@settings(SETTINGS, max_examples=150)
@given(
    base=st.sampled_from([SMALL_SETTLEMENT, SMALL_V1, SMALL_VAT]),
    mutations=st.lists(mutation, min_size=1, max_size=4),
)
def test_mutated_files_only_ever_raise_report_error(tmp_path, base, mutations):
    path = write_temp(tmp_path, mutate(base, mutations))
    try:
        report = read_report(path)
        report.to_json()
        records = list(report.lines() if report.kind == "payout" else report.rows())
    except ReportError as error:
        assert str(error).startswith("Datei „report.txt“")
        return
    if report.kind == "payout":
        assert report.reconciled
        assert sum((x.amount for x in records), Decimal(0)) == report.summary.total_amount
        assert len(records) == report.line_count
    else:
        assert len(records) == report.row_count


SMALL_1252 = Variant(delimiter=";", encoding="cp1252", newline="\r\n").render(VAT[:8])


def physical_line(data: bytes, position: int) -> int:
    before = data[:position]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


@settings(SETTINGS, max_examples=80)
@given(
    base=st.sampled_from([SMALL_SETTLEMENT, SMALL_V1, SMALL_VAT, SMALL_1252]),
    where=st.floats(min_value=0, max_value=1),
)
def test_a_nul_anywhere_after_the_header_is_refused_with_its_line(tmp_path, base, where):
    start = base.index(b"\n") + 1
    at = start + int(where * (len(base) - start))
    data = base[:at] + b"\x00" + base[at:]
    try:
        read_report(write_temp(tmp_path, data))
    except ReportError as error:
        assert "Nullzeichen" in str(error)
        assert error.line == physical_line(data, at)
    else:
        raise AssertionError("a file with a NUL character was accepted")


@settings(SETTINGS, max_examples=60)
@given(
    where=st.floats(min_value=0, max_value=1),
    byte=st.sampled_from([b"\xe4", b"\xfc", b"\x81", b"\xff", b"\xc3"]),
)
def test_a_damaged_byte_after_utf8_umlauts_is_refused_never_read_as_windows_1252(
    tmp_path, where, byte
):
    base = Variant(newline="\r\n").render(VAT[:40])  # UTF-8, umlauts from line 3 on
    start = base.index("ä".encode()) + 2
    at = start + int(where * (len(base) - start))
    data = base[:at] + byte + base[at:]
    try:
        read_report(write_temp(tmp_path, data))
    except ReportError as error:
        assert "ungültig" in str(error) and "UTF-8" in str(error)
        assert error.line == physical_line(data, at)
    else:
        raise AssertionError("a damaged UTF-8 file was accepted")
