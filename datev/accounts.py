"""Default accounts of DESIGN.md §4 for SKR03 and SKR04.

Accounts marked P in DESIGN.md come from pathway's published suggestions; the others are standard
accounts that the tax advisor should confirm. Every one of them is editable per client and
marketplace in the booking rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from datev.settings import Chart


@dataclass(frozen=True, slots=True)
class DefaultAccounts:
    debtor: str  # Sammeldebitor Amazon
    clearing: str  # Amazon clearing account per marketplace ("Bank-/Guthabenkonto")
    transit: str  # Geldtransit
    reserve: str  # Freigabe und Einbehalte: a claim against Amazon (Sonstige Vermögensgegenstände)
    suspense: str  # Klärungskonto for amounts no rule matches
    revenue_19: str
    revenue_7: str
    revenue_oss: str  # also other-EU-country taxable revenue
    revenue_ic_supply: str  # innergemeinschaftliche Lieferung
    revenue_export: str
    selling_fees: str
    fba_fees: str
    advertising: str
    reimbursements: str  # lost or damaged FBA stock: Schadenersatz, not a supply
    foreign_tax_claim: str  # Steuererstattungsansprüche gegenüber anderen Ländern (GST/HST)
    # Erlöse aus im Drittland steuerbaren Leistungen, im Inland nicht steuerbar (Kz 45): sales
    # of a store outside Europe from its local Amazon warehouse, booked from the settlement.
    revenue_non_european_marketplace: str
    fx_gain: str  # Erträge aus Kursdifferenzen
    fx_loss: str  # Aufwendungen aus Kursdifferenzen


DEFAULT_ACCOUNTS: dict[str, DefaultAccounts] = {
    "SKR03": DefaultAccounts(
        debtor="10000",
        clearing="1210",
        transit="1360",
        reserve="1500",
        suspense="1590",
        revenue_19="8400",
        revenue_7="8300",
        revenue_oss="8320",
        revenue_ic_supply="8125",
        revenue_export="8120",
        selling_fees="4760",
        fba_fees="4780",
        advertising="4600",
        reimbursements="2742",
        foreign_tax_claim="1542",
        revenue_non_european_marketplace="8338",
        fx_gain="2660",
        fx_loss="2150",
    ),
    "SKR04": DefaultAccounts(
        debtor="10000",
        clearing="1810",
        transit="1460",
        reserve="1300",
        suspense="1370",
        revenue_19="4400",
        revenue_7="4300",
        revenue_oss="4320",
        revenue_ic_supply="4125",
        revenue_export="4120",
        selling_fees="6770",
        fba_fees="6780",
        advertising="6600",
        reimbursements="4970",
        foreign_tax_claim="1440",
        revenue_non_european_marketplace="4338",
        fx_gain="4840",
        fx_loss="6880",
    ),
}


STANDARD_LENGTH = 4


def default_accounts(chart: Chart, account_length: int = STANDARD_LENGTH) -> DefaultAccounts:
    """The defaults for a Sachkontenlänge: SKR accounts are given for length 4; with length 5
    DATEV's 1210 is 12100 and the Sammeldebitor 10000 is 100000 (one digit more)."""
    accounts = DEFAULT_ACCOUNTS[chart]
    if account_length == STANDARD_LENGTH:
        return accounts
    zeros = "0" * (account_length - STANDARD_LENGTH)
    return DefaultAccounts(**{k: v + zeros for k, v in asdict(accounts).items()})
