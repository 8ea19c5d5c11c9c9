"""Pure, streaming parsers of Amazon reports (no Flask imports).

`read_report(path)` recognises an Amazon Payout (settlement flat file V1/V2) or an
Amazon Order report (VAT Transactions Report) from its content, validates it
completely in one streaming pass and returns a `PayoutReport` or `OrderReport`
whose `lines()` / `rows()` stream the typed records of `parsers.records`. Bad input
raises `ReportError` (and nothing else) with a German message.
"""

from .detect import ReadInTwoPasses, peek_report, read_report, reading_report
from .errors import ReportError
from .records import ReportPeek
from .settlement import PayoutReport, PayoutStream
from .vat import OrderReport, OrderStream

__all__ = [
    "OrderReport",
    "OrderStream",
    "PayoutReport",
    "PayoutStream",
    "ReadInTwoPasses",
    "ReportError",
    "ReportPeek",
    "peek_report",
    "read_report",
    "reading_report",
]
