"""Default accounts of DESIGN.md §4 for SKR03 and SKR04.

Accounts marked P in DESIGN.md come from pathway's published suggestions; the others are standard
accounts that the tax advisor should confirm. Every one of them is editable per client and
marketplace in the booking rules.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from datev.limits import STANDARD_ACCOUNT_LENGTH, Chart


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
    # Nicht steuerbar (Kz 45): sales from stock outside the EU, exports from a foreign EU
    # warehouse ("Erlöse aus im Drittland steuerbaren Leistungen, im Inland nicht steuerbar").
    revenue_not_taxable: str
    # B2B supply from a foreign EU warehouse: an individual account without UStVA/ZM function
    # (the advisor creates it; JERA's "IGL aus EU-Lager" is the model).
    revenue_ic_supply_foreign: str
    foreign_vat: str  # "Umsatzsteuer aus im anderen EU-Land steuerpflichtigen Lieferungen"
    # UK/CH VAT the seller collects itself: a liability abroad ("Steuerzahlungen an andere
    # Länder" in SKR03); vom Steuerberater zu prüfen.
    third_country_vat: str
    # "Erlöse aus im Inland steuerpflichtigen EU-Lieferungen" 19 % / 7 % (automatic accounts):
    # distance sales from a foreign EU warehouse into Germany (#123 the origin), and DE -> EU
    # below the delivery threshold before 07/2021.
    revenue_de_eu_19: str
    revenue_de_eu_7: str
    # Domestic B2B supplies under § 13b Abs. 2 Nr. 10 UStG (the buyer owes the tax), Kz 60.
    revenue_reverse_charge_de: str
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
    # Stock transfers (innergemeinschaftliches Verbringen, datev/transfers.py): every transfer
    # runs through a Verrechnungskonto that the neutralising entry brings back to zero.
    transfer_clearing: str  # Sonstige Verrechnungskonten (Interimskonten)
    transfer_supply: str  # igL by Verbringen: must reach UStVA Kz 41 and the ZM
    transfer_acquisition: str  # igE 19 % Vorsteuer und 19 % Umsatzsteuer (Kz 89/61)
    transfer_offset: str  # Wareneingang without tax: neutralises the P&L effect


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
        revenue_not_taxable="8338",
        revenue_ic_supply_foreign="8126",
        foreign_vat="1767",
        third_country_vat="1754",
        revenue_de_eu_19="8315",
        revenue_de_eu_7="8310",
        revenue_reverse_charge_de="8335",
        selling_fees="4760",
        fba_fees="4780",
        advertising="4600",
        reimbursements="2742",
        foreign_tax_claim="1542",
        revenue_non_european_marketplace="8338",
        fx_gain="2660",
        fx_loss="2150",
        transfer_clearing="1792",
        transfer_supply="8125",
        transfer_acquisition="3425",
        transfer_offset="3200",
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
        revenue_not_taxable="4338",
        revenue_ic_supply_foreign="4126",
        foreign_vat="3817",
        third_country_vat="3854",
        revenue_de_eu_19="4315",
        revenue_de_eu_7="4310",
        revenue_reverse_charge_de="4335",
        selling_fees="6770",
        fba_fees="6780",
        advertising="6600",
        reimbursements="4970",
        foreign_tax_claim="1440",
        revenue_non_european_marketplace="4338",
        fx_gain="4840",
        fx_loss="6880",
        transfer_clearing="3630",
        transfer_supply="4125",
        transfer_acquisition="5425",
        transfer_offset="5200",
    ),
}


STANDARD_LENGTH = STANDARD_ACCOUNT_LENGTH


def default_accounts(chart: Chart, account_length: int = STANDARD_LENGTH) -> DefaultAccounts:
    """The defaults for a Sachkontenlänge: SKR accounts are given for length 4; with length 5
    DATEV's 1210 is 12100 and the Sammeldebitor 10000 is 100000 (one digit more)."""
    accounts = DEFAULT_ACCOUNTS[chart]
    if account_length == STANDARD_LENGTH:
        return accounts
    zeros = "0" * (account_length - STANDARD_LENGTH)
    return DefaultAccounts(**{k: v + zeros for k, v in asdict(accounts).items()})
