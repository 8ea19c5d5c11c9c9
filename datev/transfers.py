"""Stock transfers between Amazon warehouses (FC_TRANSFER): the monthly Verbringen batch.

The VAT Transactions Report lists every unit Amazon moved from a fulfilment centre in one country
to one in another, with SKU and quantity but without a value (all amounts 0.00). For the German
books only two directions matter:

- DE → other EU country: an innergemeinschaftliches Verbringen (§ 3 Abs. 1a UStG). In Germany it
  is a tax-free intra-community supply (§ 6a Abs. 2, § 4 Nr. 1b UStG) under the seller's own VAT
  id of the arrival country; it belongs in UStVA Kz 41 and in the ZM (since 2020 the ZM is a
  material condition of the exemption). The taxable amount is the purchase price or cost of the
  goods (§ 10 Abs. 4 Nr. 1 UStG): quantity × unit cost from the client's SKU cost table.
  Booking: Konto = Verrechnungskonto (SKR03 1792 / SKR04 3630), Gegenkonto = the igL account
  (8125 / 4125, an automatic account: no tax key), #40 = own VAT id of the arrival country.
- other EU country → DE: an intra-community acquisition (§ 1a Abs. 2 UStG), UStVA Kz 89 with the
  same amount as Vorsteuer in Kz 61. Booking: Konto = igE account (3425 / 5425, automatic 19 %
  Vorsteuer and 19 % Umsatzsteuer: no key), Gegenkonto = Verrechnungskonto; or, where the advisor
  prefers the key, Konto = Wareneingang with BU 19.

Why the P&L stays unchanged: a transfer is no sale, the goods stay the seller's stock. Each
transfer therefore gets a second, neutralising booking between the Verrechnungskonto and
Wareneingang (SKR03 3200 / SKR04 5200, no tax function): outbound the igL revenue at cost is met by
the same amount on Wareneingang, inbound the igE on 3425/5425 (an expense account) is taken back
from Wareneingang. The Verrechnungskonto ends at zero, the tax accounts keep the Kz 41 / Kz 89 / 61
amounts, and the result of the year is untouched.

Between two foreign countries (PL → CZ) nothing happens in Germany: listed, not booked (the
foreign returns need it). A transfer without a cost in the table, without a quantity, or (outbound)
without the own VAT id of the arrival country is listed with its reason, never dropped; the ones
without a cost are the "nicht gebucht – Verbringen erklären" the advisor must value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from datev.accounts import DefaultAccounts
from datev.bookings import CENT, Booking, BookingError, clean_document_no
from datev.export import write_validated
from datev.extf_writer import WrittenFile
from datev.settings import BatchSettings
from datev.tax_treatment import country_code, eu_prefix, in_eu, normalise_vat_id
from parsers.records import VatTransaction

TRANSFER_TYPE = "FC_TRANSFER"
OUTBOUND = "igL-Verbringen"
INBOUND = "igE-Verbringen"
NEUTRAL = "Verbringen neutral"

# Why a transfer was not booked. UNVALUED is what the JSON summary counts as "transfers_unvalued".
UNVALUED = "nicht gebucht – Verbringen erklären: keine Kosten für die SKU"
NO_QUANTITY = "nicht gebucht – Verbringen erklären: die Menge fehlt"
NO_OWN_VAT_ID = "nicht gebucht – eigene USt-IdNr. im Ankunftsland fehlt"
FOREIGN = "nicht gebucht – zwischen zwei anderen Ländern, nicht in Deutschland steuerbar"
NOT_EU = "nicht gebucht – kein Verbringen innerhalb der EU"
SAME_COUNTRY = "nicht gebucht – innerhalb eines Landes, kein Verbringen"
NO_COUNTRY = "nicht gebucht – Verbringen erklären: Abgangs- oder Ankunftsland fehlt"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One FC_TRANSFER row: what moved where."""

    line_no: int
    day: date
    sku: str
    quantity: int | None
    depart: str  # ISO country code
    arrival: str
    event_id: str

    def as_dict(self) -> dict:
        return {
            "line": self.line_no,
            "date": self.day.isoformat(),
            "sku": self.sku,
            "quantity": self.quantity,
            "from": self.depart,
            "to": self.arrival,
        }


@dataclass(frozen=True, slots=True)
class UnbookedTransfer:
    transfer: Transfer
    reason: str

    def as_dict(self) -> dict:
        return {**self.transfer.as_dict(), "reason": self.reason}


@dataclass
class TransferBookings:
    bookings: list[Booking] = field(default_factory=list)
    booked: list[Transfer] = field(default_factory=list)
    unbooked: list[UnbookedTransfer] = field(default_factory=list)

    @property
    def unvalued(self) -> list[UnbookedTransfer]:
        return [u for u in self.unbooked if u.reason in (UNVALUED, NO_QUANTITY)]


def transfers_of(rows: Iterable[VatTransaction]) -> list[Transfer]:
    """The FC_TRANSFER rows of a VAT report, as transfers."""
    return [_transfer(tx) for tx in rows if tx.transaction_type.upper() == TRANSFER_TYPE]


def _transfer(tx: VatTransaction) -> Transfer:
    day = tx.transaction_complete_date or tx.tax_calculation_date
    if day is None:
        raise BookingError(
            f"Zeile {tx.line_no}: FC_TRANSFER {tx.transaction_event_id} "
            "hat kein Datum (TRANSACTION_COMPLETE_DATE)."
        )
    return Transfer(
        line_no=tx.line_no,
        day=day,
        sku=tx.seller_sku,
        quantity=tx.quantity,
        depart=country_code(tx.departure_country or tx.sale_depart_country),
        arrival=country_code(tx.arrival_country or tx.sale_arrival_country),
        event_id=tx.transaction_event_id,
    )


def _own_vat_id(tx: VatTransaction, country: str, own_vat_ids: Mapping[str, str]) -> str:
    """The seller's VAT id in `country`: the report's SELLER_ARRIVAL_COUNTRY_VAT_NUMBER when it
    belongs to that country, else the client's master data."""
    prefix = eu_prefix(country)
    reported = normalise_vat_id(tx.seller_arrival_vat_number, country)
    if reported[:2] == prefix:
        return reported
    known = normalise_vat_id(own_vat_ids.get(country, ""), country)
    return known if known[:2] == prefix else ""


def transfer_bookings(
    rows: Iterable[VatTransaction],
    accounts: DefaultAccounts,
    sku_costs: Mapping[str, Decimal],
    own_vat_ids: Mapping[str, str],
    *,
    acquisition_tax_key: str = "",
) -> TransferBookings:
    """The Verbringen bookings of a VAT report's FC_TRANSFER rows, and the transfers not booked.

    `own_vat_ids` maps a country code to the seller's VAT id there. `acquisition_tax_key` "19"
    books inbound transfers on Wareneingang with BU 19 instead of the automatic igE account.
    """
    result = TransferBookings()
    for tx in rows:
        if tx.transaction_type.upper() != TRANSFER_TYPE:
            continue
        transfer = _transfer(tx)
        reason, vat_id = _refusal(tx, transfer, sku_costs, own_vat_ids)
        if reason or transfer.quantity is None:  # _refusal names the reason for no quantity
            result.unbooked.append(UnbookedTransfer(transfer, reason))
            continue
        amount = (transfer.quantity * sku_costs[transfer.sku]).quantize(CENT, ROUND_HALF_UP)
        if transfer.depart == "DE":
            result.bookings += _outbound(transfer, amount, vat_id, accounts)
        else:
            result.bookings += _inbound(transfer, amount, accounts, acquisition_tax_key)
        result.booked.append(transfer)
    return result


def _refusal(
    tx: VatTransaction,
    transfer: Transfer,
    sku_costs: Mapping[str, Decimal],
    own_vat_ids: Mapping[str, str],
) -> tuple[str, str]:
    """(reason, "") when the transfer is not booked; ("", own VAT id) when it is."""
    depart, arrival, day = transfer.depart, transfer.arrival, transfer.day
    if not depart or not arrival:
        return NO_COUNTRY, ""
    if depart == arrival:
        return SAME_COUNTRY, ""
    if not (in_eu(depart, day) and in_eu(arrival, day)):
        return NOT_EU, ""
    if "DE" not in (depart, arrival):
        return FOREIGN, ""
    # The value first: a transfer without one needs the advisor whatever else is missing.
    if not transfer.quantity or transfer.quantity < 0:
        return NO_QUANTITY, ""
    if transfer.sku not in sku_costs:
        return UNVALUED, ""
    vat_id = _own_vat_id(tx, arrival, own_vat_ids) if depart == "DE" else ""
    if depart == "DE" and not vat_id:
        return f"{NO_OWN_VAT_ID} ({arrival})", ""
    return "", vat_id


def _text(transfer: Transfer, what: str) -> str:
    return f"{what} {transfer.depart}-{transfer.arrival} {transfer.quantity}x {transfer.sku}"[:60]


def _common(transfer: Transfer, amount: Decimal, rule: str) -> dict:
    return {
        "amount": amount,
        "date": transfer.day,
        "document_no": clean_document_no(transfer.event_id),
        "source": f"USt-Bericht Zeile {transfer.line_no}",
        "rule": rule,
        "kind": "transfer",
    }


def _outbound(
    transfer: Transfer, amount: Decimal, vat_id: str, accounts: DefaultAccounts
) -> list[Booking]:
    common = _common(transfer, amount, "Verbringen DE→EU zu Kosten (§ 3 Abs. 1a, § 6a Abs. 2)")
    return [
        Booking(
            side="S",
            account=accounts.transfer_clearing,
            contra_account=accounts.transfer_supply,
            text=_text(transfer, OUTBOUND),
            eu_country_vat_id=vat_id[:15],
            **common,
        ),
        Booking(
            side="H",
            account=accounts.transfer_clearing,
            contra_account=accounts.transfer_offset,
            text=_text(transfer, NEUTRAL),
            **common,
        ),
    ]


def _inbound(
    transfer: Transfer, amount: Decimal, accounts: DefaultAccounts, tax_key: str
) -> list[Booking]:
    common = _common(transfer, amount, "Verbringen EU→DE zu Kosten (§ 1a Abs. 2)")
    acquisition = accounts.transfer_offset if tax_key else accounts.transfer_acquisition
    return [
        Booking(
            side="H",
            account=accounts.transfer_clearing,
            contra_account=acquisition,
            tax_key=tax_key,
            text=_text(transfer, INBOUND),
            **common,
        ),
        Booking(
            side="S",
            account=accounts.transfer_clearing,
            contra_account=accounts.transfer_offset,
            text=_text(transfer, NEUTRAL),
            **common,
        ),
    ]


@dataclass
class TransferExport:
    files: list[WrittenFile]
    result: TransferBookings

    def summary(self) -> dict:
        """JSON-ready: the files, the count of transfers without a value, every unbooked one."""
        return {
            "files": [
                {
                    "path": str(f.path),
                    "bookings": f.bookings,
                    "period": [f.period.start.isoformat(), f.period.end.isoformat()],
                }
                for f in self.files
            ],
            "bookings": len(self.result.bookings),
            "booked": len(self.result.booked),
            "unvalued": len(self.result.unvalued),
            "unbooked": [u.as_dict() for u in self.result.unbooked],
        }


def export_transfers(
    rows: Iterable[VatTransaction],
    accounts: DefaultAccounts,
    sku_costs: Mapping[str, Decimal],
    own_vat_ids: Mapping[str, str],
    settings: BatchSettings,
    out_dir: Path | str,
    *,
    name: str,
    acquisition_tax_key: str = "",
) -> TransferExport:
    """Book, write and validate the Verbringen batch `Amazon_Verbringen_<name>` (no file when
    nothing could be booked; the unbooked transfers are in the result either way)."""
    result = transfer_bookings(
        rows, accounts, sku_costs, own_vat_ids, acquisition_tax_key=acquisition_tax_key
    )
    files = write_validated(
        result.bookings,
        settings,
        out_dir,
        name=f"Amazon_Verbringen_{name}",
        title=f"Amazon Verbringen {name}",
    )
    return TransferExport(files, result)
