"""`flask reports inspect FILE [--json]`: what Kontor reads from an Amazon report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from formatting import number
from parsers import OrderReport, PayoutReport, ReportError, read_report

reports_cli = click.Group("reports", help="Amazon-Berichte prüfen.")


@reports_cli.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Ein JSON-Objekt statt Text ausgeben.")
def inspect_command(file: Path, as_json: bool) -> None:
    """Liest FILE wie beim Hochladen und zeigt, was darin steht (Exit-Status 2: abgelehnt)."""
    try:
        report = read_report(file)
    except ReportError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False))
    elif isinstance(report, PayoutReport):
        click.echo(_describe_payout(report))
    else:
        click.echo(_describe_order(report))


def _describe_payout(report: PayoutReport) -> str:
    s = report.summary
    deposit = s.deposit_date.strftime("%d.%m.%Y") if s.deposit_date else "–"
    status = "geht auf" if report.reconciled else "geht NICHT auf"
    return "\n".join(
        [
            f"Amazon-Abrechnung {s.settlement_id} ({report.format})",
            f"Zeitraum:     {s.start:%d.%m.%Y} – {s.end:%d.%m.%Y}, Auszahlung am {deposit}",
            f"Auszahlung:   {number(s.total_amount)} {s.currency}",
            f"Summe Beträge: {number(report.sum_of_amounts)} {s.currency} ({status})",
            f"Buchungszeilen: {report.line_count}",
            f"Marktplätze:  {', '.join(report.marketplaces) or '–'}",
        ]
    )


def _describe_order(report: OrderReport) -> str:
    lines = [
        f"Amazon-Umsatzsteuerbericht (VAT Transactions, Layout {report.layout})",
        f"Zeitraum:     {', '.join(report.activity_periods) or '–'}",
        f"Zeilen:       {report.row_count}",
        "Vorgänge:     " + ", ".join(f"{t} {n}" for t, n in report.transaction_types.items()),
        f"Marktplätze:  {', '.join(report.marketplaces) or '–'}",
    ]
    for currency, by_type in report.totals.items():
        sums = ", ".join(f"{t} {number(v)}" for t, v in by_type.items())
        lines.append(f"Brutto {currency}:   {sums}")
    return "\n".join(lines)
