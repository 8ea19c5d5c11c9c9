"""Amazon Order: the VAT Transactions Report (92 columns before 2021, the current layout since).

Columns are read by header name, so the 2021 layout (PROGRAM_TYPE as column 5,
TAX_REPORTING_SCHEME and TAX_COLLECTION_RESPONSIBILITY appended) and any further
columns need no special case. Only the columns the booking rules need are parsed.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from operator import itemgetter
from typing import cast

from .errors import ReportError, invalid_csv
from .records import RatePart, ReportPeek, VatTransaction
from .source import OnePassRead, Source
from .table import (
    Cells,
    CsvReader,
    Header,
    add_distinct,
    check_blank_lines,
    irregular_row,
    is_blank,
    normalise,
    numbered_rows,
)
from .values import PLAIN_AMOUNT, money

REQUIRED = (
    "ACTIVITY_PERIOD",
    "MARKETPLACE",
    "TRANSACTION_TYPE",
    "TRANSACTION_EVENT_ID",
    "TRANSACTION_COMPLETE_DATE",
    "TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL",
    "TOTAL_ACTIVITY_VALUE_VAT_AMT",
    "TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL",
    "TRANSACTION_CURRENCY_CODE",
    "PRICE_OF_ITEMS_VAT_RATE_PERCENT",
    "SALE_DEPART_COUNTRY",
    "SALE_ARRIVAL_COUNTRY",
    "TAXABLE_JURISDICTION",
    "BUYER_VAT_NUMBER",
    "EXPORT_OUTSIDE_EU",
)
# VatTransaction field -> column, for the plain text fields.
TEXT_FIELDS = {
    "marketplace": "marketplace",
    "transaction_type": "transaction-type",
    "transaction_event_id": "transaction-event-id",
    "activity_transaction_id": "activity-transaction-id",
    "activity_period": "activity-period",
    "sales_channel": "sales-channel",
    "program_type": "program-type",
    "seller_sku": "seller-sku",
    "asin": "asin",
    "item_description": "item-description",
    "currency": "transaction-currency-code",
    "sale_depart_country": "sale-depart-country",
    "sale_arrival_country": "sale-arrival-country",
    "departure_country": "departure-country",
    "arrival_country": "arrival-country",
    "taxable_jurisdiction": "taxable-jurisdiction",
    "vat_calculation_imputation_country": "vat-calculation-imputation-country",
    "buyer_vat_number": "buyer-vat-number",
    "buyer_vat_number_country": "buyer-vat-number-country",
    "seller_vat_number": "transaction-seller-vat-number",
    "seller_vat_number_country": "transaction-seller-vat-number-country",
    "seller_depart_vat_number": "seller-depart-country-vat-number",
    "seller_arrival_vat_number": "seller-arrival-country-vat-number",
    "vat_invoice_number": "vat-inv-number",
    "invoice_url": "invoice-url",
    "tax_reporting_scheme": "tax-reporting-scheme",
    "tax_collection_responsibility": "tax-collection-responsibility",
}
MONEY_TYPES = ("SALE", "REFUND")
_EXPORT = {"": False, "NO": False, "YES": True, "FALSE": False, "TRUE": True, "N": False, "Y": True}
_HUNDRED = Decimal(100)
# Shipping and gift wrap: their VAT rate and TOTAL_* amounts (excl., VAT, incl.), read only
# where the rate differs from the items' (mixed rates, review F12).
COMPONENT_COLUMNS = (
    ("ship-charge-vat-rate-percent", "total-ship-charge-amt-vat-excl",
     "total-ship-charge-vat-amt", "total-ship-charge-amt-vat-incl"),
    ("gift-wrap-vat-rate-percent", "total-gift-wrap-amt-vat-excl",
     "total-gift-wrap-vat-amt", "total-gift-wrap-amt-vat-incl"),
)  # fmt: skip


def _rate(value: Decimal) -> Decimal:
    # The column is named PERCENT but holds a fraction (0.19); a file edited by hand
    # may hold 19 instead, which can only mean percent.
    return value / _HUNDRED if value > 1 else value


class _Plan:
    def __init__(self, header: Header) -> None:
        cols = header.require(REQUIRED, "Umsatzsteuerbericht (VAT Transactions Report)")
        self.text = {field: header.find(col) for field, col in TEXT_FIELDS.items()}
        self.layout = (
            "2021"
            if any(c in header for c in ("program-type", "tax-reporting-scheme"))
            or "tax-collection-responsibility" in header
            else "92-columns"
        )
        self.ttype = cols["TRANSACTION_TYPE"]
        self.period = cols["ACTIVITY_PERIOD"]
        self.market = cols["MARKETPLACE"]
        self.currency = cols["TRANSACTION_CURRENCY_CODE"]
        self.excl = cols["TOTAL_ACTIVITY_VALUE_AMT_VAT_EXCL"]
        self.vat = cols["TOTAL_ACTIVITY_VALUE_VAT_AMT"]
        self.incl = cols["TOTAL_ACTIVITY_VALUE_AMT_VAT_INCL"]
        self.rate = cols["PRICE_OF_ITEMS_VAT_RATE_PERCENT"]
        self.complete = cols["TRANSACTION_COMPLETE_DATE"]
        self.export = cols["EXPORT_OUTSIDE_EU"]
        self.calculation = header.find("tax-calculation-date")
        self.quantity = header.find("qty")
        # Column indexes per component; a component with a column missing is not split off.
        found = (tuple(header.find(c) for c in columns) for columns in COMPONENT_COLUMNS)
        self.components = cast(
            "tuple[tuple[int, int, int, int], ...]", tuple(c for c in found if None not in c)
        )
        self.component_rates = tuple(c[0] for c in self.components)


def scan(
    source: Source, reader: CsvReader, header: Header, sha256: Callable[[], str]
) -> OrderReport:
    """Validate every row in one pass; raises ReportError on the first problem."""
    checking = _Checking(source, header, sha256)
    for _row in checking.rows(reader):
        pass
    assert checking.report is not None  # set when the rows end
    return checking.report


class _Checking:
    """The validating pass: `rows(reader)` checks row by row and yields the (line, row) of
    every transaction row; once they end, `report` is the OrderReport."""

    def __init__(self, source: Source, header: Header, sha256: Callable[[], str]) -> None:
        self.source, self.header, self.sha256 = source, header, sha256
        self.plan = _Plan(header)
        self.cells = Cells(header)
        self.report: OrderReport | None = None

    def rows(self, reader: CsvReader) -> Iterator[tuple[int, list[str]]]:
        yield from _check_rows(self, reader)


class OrderStream(OnePassRead):
    """A VAT report read once: `rows()` validates every row as `read_report` does while it
    yields the transactions (ReportError where a row is refused); `report` once they are all
    read. For an import inside one database transaction, as `PayoutStream`."""

    kind = "order"

    checking_type = _Checking

    @property
    def report(self) -> OrderReport | None:
        return self._checking.report

    def rows(self) -> Iterator[VatTransaction]:
        checking = self._checking
        rows = checking.rows(self._reader)
        yield from _records_of(checking.plan, checking.cells, rows)


def _check_rows(checking: _Checking, reader: CsvReader) -> Iterator[tuple[int, list[str]]]:
    """The hot loop of the validating pass; sets `checking.report` at the end."""
    source, header, sha256 = checking.source, checking.header, checking.sha256
    plan, cells = checking.plan, checking.cells
    filename = header.filename
    width = header.width
    i_type, i_period, i_market, i_cur = plan.ttype, plan.period, plan.market, plan.currency
    i_excl, i_vat, i_incl, i_rate = plan.excl, plan.vat, plan.incl, plan.rate
    i_complete, i_calc, i_qty, i_export = (
        plan.complete,
        plan.calculation,
        plan.quantity,
        plan.export,
    )
    amount_get, day_get, int_get = cells.amount.get, cells.day.get, cells.integer.get
    bad_amount, bad_day, bad_int = cells.bad_amount, cells.bad_day, cells.bad_int
    plain, put_amount = PLAIN_AMOUNT.fullmatch, cells.amount.put

    types: dict[str, int] = {}
    seen_types: set[str] = set()
    periods: set[str] = set()
    markets: set[str] = set()
    currencies: set[str] = set()
    totals: dict[str, dict[str, Decimal]] = {}
    rows = 0
    # A quoted value may span lines: a row starts one line after the previous ended.
    last = reader.line_num
    blank = 0
    try:
        for row in reader:
            line, last = last + 1, reader.line_num
            if len(row) != width:
                regular = irregular_row(row, header, reader, line)
                if regular is None:
                    blank += 1
                    check_blank_lines(blank, line, filename)
                    continue
                row = regular
            ttype = row[i_type]
            if ttype in types:
                types[ttype] += 1
            else:
                if is_blank(row):
                    blank += 1
                    check_blank_lines(blank, line, filename)
                    continue
                ttype = _new_type(ttype, filename, line, header.name(i_type))
                if ttype not in types:
                    add_distinct(seen_types, ttype, header, line, i_type)
                types[ttype] = types.get(ttype, 0) + 1
            rows += 1
            if row[i_period] not in periods:
                add_distinct(periods, row[i_period], header, line, i_period)
            if row[i_market] not in markets:
                add_distinct(markets, row[i_market], header, line, i_market)
            for index in (i_excl, i_vat, i_rate):
                text = row[index]
                if text and amount_get(text) is None:
                    # Parsed and remembered for rows(), which shares these caches.
                    if plain(text):
                        put_amount(text, Decimal(text))
                    else:
                        bad_amount(text, line, index)
            text = row[i_complete]
            if text and day_get(text) is None:
                bad_day(text, line, i_complete)
            if i_calc is not None:
                text = row[i_calc]
                if text and day_get(text) is None:
                    bad_day(text, line, i_calc)
            if i_qty is not None:
                text = row[i_qty]
                if text and int_get(text) is None:
                    bad_int(text, line, i_qty)
            if ttype in MONEY_TYPES and _may_differ(row, plan):
                _other_rate_amounts(cells, row, plan, line)  # so rows() cannot fail on them
            if row[i_export] not in _EXPORT and row[i_export].strip().upper() not in _EXPORT:
                raise ReportError(
                    filename,
                    f"„{row[i_export]}“ ist kein gültiger Wert (erwartet „YES“ oder „NO“).",
                    line=line,
                    column=header.name(i_export),
                )
            currency = row[i_cur]
            text = row[i_incl]
            value = amount_get(text)
            if value is None:
                if plain(text):
                    value = Decimal(text)
                    put_amount(text, value)
                elif text.strip() or ttype in MONEY_TYPES:
                    value = bad_amount(text, line, i_incl)
            if currency not in currencies and (currency or ttype in MONEY_TYPES):
                currency = _check_currency(currency, filename, line, header, i_cur)
                currencies.add(currency)
            if ttype in MONEY_TYPES:
                by_type = totals.get(currency)
                if by_type is None:
                    by_type = totals[currency] = dict.fromkeys(MONEY_TYPES, Decimal(0))
                assert value is not None  # required for a money type, parsed above
                by_type[ttype] += value
            yield line, row
    except csv.Error:
        raise invalid_csv(filename, last + 1) from None
    if rows == 0:
        raise ReportError(filename, "Die Datei enthält nur die Kopfzeile und keine Daten.")
    checking.report = OrderReport(
        source=source,
        layout=plan.layout,
        row_count=rows,
        transaction_types=dict(sorted(types.items())),
        activity_periods=sorted(p.strip() for p in periods if p.strip()),
        # Stock transfers carry MARKETPLACE "N/A": not a marketplace.
        marketplaces=sorted(m.strip() for m in markets if m.strip() and m.strip() != "N/A"),
        currencies=sorted(c for c in currencies if c),
        totals={c: totals[c] for c in sorted(totals)},
        sha256=sha256(),
        cells=cells,
    )


def peek(header: Header, first: tuple[int, list[str]] | None) -> ReportPeek:
    """The activity period of the first row (a VAT report covers one month)."""
    if first is None:
        return ReportPeek("order", None, None)
    _line, row = first
    period = row[_Plan(header).period].strip()
    return ReportPeek("order", None, period or None)


def _new_type(text: str, filename: str, line: int, column: str) -> str:
    ttype = text.strip()
    if not ttype:
        raise ReportError(filename, "TRANSACTION_TYPE fehlt.", line=line, column=column)
    if ttype.upper() in MONEY_TYPES and ttype not in MONEY_TYPES:
        # An edited "Sale" would be an unknown type, and its revenue never booked.
        raise ReportError(
            filename,
            f"„{ttype}“ ist kein Vorgang des Berichts; erwartet „{ttype.upper()}“ wie von "
            "Amazon geschrieben.",
            line=line,
            column=column,
        )
    if normalise(ttype) == "transaction-type":
        # Two reports pasted together. Not skipped as in a settlement: the VAT report
        # has no checksum, and the same month twice would book its revenue twice.
        raise ReportError(
            filename,
            "Die Kopfzeile steht hier ein zweites Mal: vermutlich wurden zwei Berichte "
            "aneinandergehängt. Bitte jeden Bericht einzeln und unverändert hochladen.",
            line=line,
            column=column,
        )
    if ttype != text:
        raise ReportError(
            filename,
            f"„{text}“ enthält Leerzeichen; erwartet z. B. „SALE“.",
            line=line,
            column=column,
        )
    return ttype


def _check_currency(text: str, filename: str, line: int, header: Header, index: int) -> str:
    currency = text.strip()
    # Upper case as Amazon writes it: rows() passes the code on to the booking (WKZ),
    # and "eur" would also open a second currency in the totals.
    if (
        len(currency) != 3
        or not currency.isascii()
        or not currency.isalpha()
        or not currency.isupper()
    ):
        raise ReportError(
            filename,
            f"„{text}“ ist kein Währungscode (erwartet z. B. „EUR“)."
            if currency
            else "Die Währung fehlt.",
            line=line,
            column=header.name(index),
        )
    if currency != text:
        raise ReportError(
            filename, f"„{text}“ enthält Leerzeichen.", line=line, column=header.name(index)
        )
    return currency


class OrderReport:
    """A validated VAT Transactions Report; `rows()` streams its transactions again."""

    kind = "order"
    format = "vat-transactions"

    def __init__(
        self,
        *,
        source: Source,
        layout: str,
        row_count: int,
        transaction_types: dict[str, int],
        activity_periods: list[str],
        marketplaces: list[str],
        currencies: list[str],
        totals: dict[str, dict[str, Decimal]],
        sha256: str,
        cells: Cells | None = None,
    ) -> None:
        self._source = source
        self._cells = cells  # the validating pass's, with the values it parsed
        self.layout = layout
        self.row_count = row_count
        self.transaction_types = transaction_types
        self.activity_periods = activity_periods
        self.marketplaces = marketplaces
        self.currencies = currencies
        self.totals = totals
        self.sha256 = sha256

    @property
    def filename(self) -> str:
        return self._source.filename

    def __repr__(self) -> str:
        return f"<OrderReport {self.layout} rows={self.row_count} {self.activity_periods}>"

    def rows(self) -> Iterator[VatTransaction]:
        """Stream every row as a VatTransaction (a fresh pass over the file each call)."""
        with self._source.reread(self.sha256) as (reader, header):
            cells = Cells(header, parsed_by=self._cells)
            yield from _records_of(_Plan(header), cells, numbered_rows(reader, header))

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "format": self.format,
            "layout": self.layout,
            "rows": self.row_count,
            "transaction_types": self.transaction_types,
            "activity_periods": self.activity_periods,
            "marketplaces": self.marketplaces,
            "currencies": self.currencies,
            "totals": {
                currency: {t: money(v) for t, v in by_type.items()}
                for currency, by_type in self.totals.items()
            },
        }


def _records_of(
    plan: _Plan, cells: Cells, rows: Iterable[tuple[int, list[str]]]
) -> Iterator[VatTransaction]:
    """The transactions of validated rows (every cell parses); rows without a type (of empty
    cells) are skipped."""
    # The record is assembled positionally, at C speed: the row's stripped text cells
    # (in the order of `present`), then the parsed values, then "" for text columns
    # the file lacks; `arrange` puts them in the order of VatTransaction's fields.
    present = [(f, i) for f, i in plan.text.items() if i is not None]
    indexes = [i for _f, i in present]
    texts = itemgetter(*indexes) if len(indexes) > 1 else lambda row: [row[i] for i in indexes]
    parsed = [
        "line_no", "transaction_complete_date", "tax_calculation_date", "quantity",
        "total_vat_excl", "total_vat", "total_vat_incl", "vat_rate", "export_outside_eu",
        "rate_parts",
    ]  # fmt: skip
    order = [f for f, _i in present] + parsed
    arrange = itemgetter(
        *(order.index(f) if f in order else len(order) for f in VatTransaction._fields)
    )
    make = VatTransaction._make
    strip = str.strip
    zero = Decimal(0)
    i_type, i_rate, i_complete, i_calc = (
        plan.ttype,
        plan.rate,
        plan.complete,
        plan.calculation,
    )
    i_qty, i_excl, i_vat, i_incl, i_export = (
        plan.quantity, plan.excl, plan.vat, plan.incl, plan.export,
    )  # fmt: skip
    for line, row in rows:
        if not row[i_type].strip():
            continue  # a row of empty cells (validated: nothing else lacks a type)
        rate = cells.amount_at(row, i_rate, line) if row[i_rate].strip() else None
        values: list[object] = list(map(strip, texts(row)))
        values += (
            line,
            cells.day_at(row, i_complete, line),
            cells.day_at(row, i_calc, line),
            cells.int_at(row, i_qty, line),
            _amount_or_zero(cells, row, i_excl, line, zero),
            _amount_or_zero(cells, row, i_vat, line, zero),
            _amount_or_zero(cells, row, i_incl, line, zero),
            None if rate is None else _rate(rate),
            _EXPORT[row[i_export].strip().upper()],
            _rate_parts(cells, row, plan, line, rate)
            if _may_differ(row, plan) and row[i_type] in MONEY_TYPES
            else (),
            "",
        )
        yield make(arrange(values))


def _amount_or_zero(cells: Cells, row: list[str], index: int, line: int, zero: Decimal) -> Decimal:
    return cells.amount_at(row, index, line) if row[index].strip() else zero


def _may_differ(row: list[str], plan: _Plan) -> bool:
    """Whether shipping or gift wrap may have another rate than the items. The cheap test every
    row pays (bench/parse.py): the rate cell is empty (no shipping) or holds the items' text
    on nearly every row; only a different text is parsed, by `_other_rate_amounts`."""
    item = row[plan.rate]
    for index in plan.component_rates:
        text = row[index]
        if text and text != item:
            return True
    return False


def _other_rate_amounts(
    cells: Cells, row: list[str], plan: _Plan, line: int
) -> dict[Decimal | None, list[Decimal]]:
    """Shipping and gift wrap taxed at another rate than the items: rate -> [excl, VAT, incl]."""
    others: dict[Decimal | None, list[Decimal]] = {}
    item_text = row[plan.rate]
    for i_rate, *i_amounts in plan.components:
        text = row[i_rate]
        if not text or text == item_text or not text.strip():
            continue
        rate = _rate(cells.amount_at(row, i_rate, line))
        if item_text.strip() and rate == _rate(cells.amount_at(row, plan.rate, line)):
            continue  # "0.19" and "0.190"
        amounts = [_amount_or_zero(cells, row, i, line, Decimal(0)) for i in i_amounts]
        if any(amounts):
            sums = others.setdefault(rate, [Decimal(0)] * 3)
            for k, amount in enumerate(amounts):
                sums[k] += amount
    return others


def _rate_parts(
    cells: Cells, row: list[str], plan: _Plan, line: int, item_rate: Decimal | None
) -> tuple[RatePart, ...]:
    """() or one part per rate, the items' first: the rest of the row's totals, so the parts
    always add up to what the buyer pays (and the settlement clears)."""
    others = _other_rate_amounts(cells, row, plan, line)
    if not others:
        return ()
    zero = Decimal(0)
    totals = [_amount_or_zero(cells, row, i, line, zero) for i in (plan.excl, plan.vat, plan.incl)]
    for sums in others.values():
        totals = [t - s for t, s in zip(totals, sums, strict=True)]
    item = RatePart(None if item_rate is None else _rate(item_rate), *totals)
    return (item, *(RatePart(rate, *sums) for rate, sums in others.items()))
