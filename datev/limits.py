"""DATEV's limits on a client's master data: the one place that states them.

The client form, the CLI, `BatchSettings` and the EXTF validator all check these ranges, and
their German messages say the same thing because they come from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Chart(StrEnum):
    """The Standardkontenrahmen (header field 27 holds its two digits, "03" or "04")."""

    SKR03 = "SKR03"
    SKR04 = "SKR04"


@dataclass(frozen=True, slots=True)
class NumberRange:
    label: str  # German, as it opens a sentence: "Die Beraternummer"
    low: int
    high: int

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.low <= number <= self.high

    @property
    def message(self) -> str:
        return f"{self.label} muss zwischen {self.low} und {self.high} liegen."

    @property
    def hint(self) -> str:
        return f"{self.low} bis {self.high}"


BERATER = NumberRange("Die Beraternummer", 1001, 9_999_999)
MANDANT = NumberRange("Die Mandantennummer", 1, 99_999)
# Sachkontenlänge: Sachkonten have at most this many digits, Personenkonten one more.
ACCOUNT_LENGTH = NumberRange("Die Sachkontenlänge", 4, 8)
STANDARD_ACCOUNT_LENGTH = 4  # the length the SKR charts state their accounts in
CHART_MESSAGE = "Der Kontenrahmen muss SKR03 oder SKR04 sein."
