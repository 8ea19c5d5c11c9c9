"""The stock transfer part of `flask datev convert`: `--sku-costs` and `--vat-id`.

For every VAT report the FC_TRANSFER rows go into their own Verbringen batch
(datev/transfers.py); the JSON summary counts the transfers without a value
("transfers_unvalued") and lists every transfer that was not booked, with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from datev.accounts import default_accounts
from datev.own_vat_ids import OwnVatIdError, parse_vat_id_option
from datev.settings import BatchSettings
from datev.sku_costs import SkuCostError, parse_sku_costs
from datev.transfers import export_transfers
from parsers import PayoutReport


class TransferOptionError(ValueError):
    """`--sku-costs` or `--vat-id` cannot be used; str() is the German message for stderr."""


@dataclass(frozen=True)
class TransferOptions:
    sku_costs: dict[str, Decimal] = field(default_factory=dict)
    own_vat_ids: dict[str, str] = field(default_factory=dict)


def read_transfer_options(sku_costs: Path | None, vat_ids: Iterable[str]) -> TransferOptions:
    costs: dict[str, Decimal] = {}
    if sku_costs is not None:
        if not sku_costs.is_file():
            raise TransferOptionError(f"Die SKU-Kostendatei {sku_costs} gibt es nicht.")
        try:
            costs = parse_sku_costs(sku_costs.read_bytes(), sku_costs.name)
        except SkuCostError as exc:
            raise TransferOptionError(str(exc)) from None
    own: dict[str, str] = {}
    for text in vat_ids:
        try:
            country, vat_id = parse_vat_id_option(text)
        except OwnVatIdError as exc:
            raise TransferOptionError(f"--vat-id {text}: {exc}") from None
        if own.get(country, vat_id) != vat_id:
            raise TransferOptionError(f"--vat-id: für {country} sind zwei USt-IdNrn. angegeben.")
        own[country] = vat_id
    return TransferOptions(costs, own)


def add_transfers(
    summary: dict,
    reports: list,
    options: TransferOptions,
    settings: BatchSettings,
    out_dir: Path,
    written: list[Path],
) -> None:
    """Write the Verbringen batch of every VAT report and add it to the command's summary."""
    accounts = default_accounts(settings.chart, settings.account_length)
    booked, unvalued, unbooked = 0, 0, []
    for report in reports:
        if isinstance(report, PayoutReport):
            continue
        if not any(kind.upper() == "FC_TRANSFER" for kind in report.transaction_types):
            continue  # spare a second pass over a large report without transfers
        name = "_".join([*report.activity_periods, report.sha256[:8]])
        export = export_transfers(
            report.rows(),
            accounts,
            options.sku_costs,
            options.own_vat_ids,
            settings,
            out_dir,
            name=name,
        )
        written += [f.path for f in export.files]
        part = export.summary()
        summary["files"] += part["files"]
        summary["bookings"] += part["bookings"]
        booked += part["booked"]
        unvalued += part["unvalued"]
        unbooked += [{"report": report.filename, **entry} for entry in part["unbooked"]]
    summary["transfers_unvalued"] = unvalued
    summary["transfers"] = {"booked": booked, "unbooked": unbooked}
