"""The one exception type the parsers raise for bad input, and the refusals shared."""

from __future__ import annotations


class ReportError(Exception):
    """A file that Kontor refuses, with a German message a seller understands.

    `line` is the 1-based physical line of the file (of a row: the line where it
    starts, as a quoted value may span lines; of a damaged byte: its own line),
    `column` the header name as the file spells it; both are None where they do not
    apply (an empty file, a settlement that does not add up as a whole, ...).
    `str()` is the complete message, naming the file, the line and the column.
    """

    def __init__(
        self,
        filename: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.filename = filename
        self.line = line
        self.column = column
        self.message = message
        super().__init__(self._full_message())

    def _full_message(self) -> str:
        where = f"Datei „{self.filename}“"
        if self.line is not None:
            where += f", Zeile {self.line}"
        if self.column is not None:
            where += f", Spalte „{self.column}“"
        return f"{where}: {self.message}"

    def __str__(self) -> str:
        return self._full_message()


# Shared by detection (a header csv cannot read) and the table's header reading.
NOT_AMAZON = (
    "Die Datei ist kein Amazon-Bericht: erwartet wird ein Abrechnungsbericht (Settlement, "
    "mit der Spalte „settlement-id“) oder ein Umsatzsteuerbericht (VAT Transactions Report, "
    "mit der Spalte „TRANSACTION_TYPE“)."
)


def invalid_csv(filename: str, line: int) -> ReportError:
    """The refusal of a row csv cannot read.

    `line`: where that row starts (an unclosed quote reads on to the end of the file).
    """
    return ReportError(
        filename,
        "Die Zeile ist kein gültiges CSV (ein Anführungszeichen ist nicht geschlossen oder "
        "die Datei endet mitten in einem Wert).",
        line=line,
    )
