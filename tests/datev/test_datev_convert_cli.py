"""`flask datev convert`: real Amazon reports in, validated DATEV files and a JSON summary out."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from datev_extf_check import check_file

from commands.datev import datev_cli
from datev.extf_validator import validate_file

AMAZON = Path(__file__).parent.parent / "fixtures" / "amazon"
SETTLEMENT = AMAZON / "settlement-v1-amazon-ca-24288684721.txt"
VAT_REPORT = AMAZON / "vat-transactions-2020-02-de-seller.txt"
MASTER_DATA = ["--chart", "skr03", "--berater", "1001", "--mandant", "42"]


def convert(*args: str):
    return CliRunner().invoke(datev_cli, ["convert", *args])


def test_converts_a_settlement_and_a_vat_report_into_valid_files(tmp_path):
    result = convert(str(SETTLEMENT), str(VAT_REPORT), *MASTER_DATA, "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["clearing_balance"] == {"1210": "0.00"}
    assert [f["period"] for f in summary["files"]] == [
        ["2025-08-01", "2025-08-31"],
        ["2020-02-01", "2020-02-29"],
    ]
    total = 0
    balances: dict[str, Decimal] = {}
    for entry in summary["files"]:
        path = Path(entry["path"])
        assert path.parent == tmp_path and path.name.startswith("EXTF_")
        assert validate_file(path).ok
        checked = check_file(path)
        assert checked["bookings"] == entry["bookings"]
        total += entry["bookings"]
        for account, value in checked["balances"].items():
            balances[account] = balances.get(account, Decimal(0)) + value
    assert summary["bookings"] == total
    assert balances["1210"] == 0  # the CAD settlement, read back from the file in EUR
    # Payout to Geldtransit: transfers and unknown kinds of the real file need rules
    assert summary["unmatched"] > 0


def test_fiscal_year_and_account_length_reach_the_header(tmp_path):
    result = convert(
        str(VAT_REPORT), *MASTER_DATA, "--fy-start", "07-01", "--account-length", "5",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    path = Path(json.loads(result.stdout)["files"][0]["path"])
    header = path.read_bytes().decode("cp1252").split("\r\n")[0].split(";")
    assert header[12] == "20190701" and header[13] == "5"
    check_file(path, account_length=5)
    first = path.read_bytes().decode("cp1252").split("\r\n")[2].split(";")
    # Sammeldebitor and 8315 at Sachkontenlänge 5 (the first sale left a foreign EU warehouse
    # for a German buyer: "im Inland steuerpflichtige EU-Lieferung")
    assert first[6:8] == ["100000", "83150"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chart", "skr05", "--berater", "1001", "--mandant", "1"], "Kontenrahmen"),
        (["--chart", "skr03", "--mandant", "1"], "Berater"),
        (["--chart", "skr03", "--berater", "1001", "--mandant", "x"], "Mandant"),
        ([*MASTER_DATA, "--fy-start", "13-01"], "Wirtschaftsjahres"),
        ([*MASTER_DATA, "--account-length", "12"], "Sachkontenlänge"),
        ([*MASTER_DATA, "--granularity", "hourly"], "Granularität"),
    ],
)
def test_refused_options_exit_2_with_a_german_message(tmp_path, args, message):
    result = convert(str(SETTLEMENT), *args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_no_amazon_report_is_refused_and_nothing_is_written(tmp_path):
    bogus = tmp_path / "bogus.txt"
    bogus.write_text("das ist kein Bericht\n", encoding="utf-8")
    out = tmp_path / "out"
    result = convert(str(SETTLEMENT), str(bogus), *MASTER_DATA, "--out", str(out))
    assert result.exit_code == 2
    assert "bogus.txt" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_file_and_a_missing_out_dir_are_refused(tmp_path):
    result = convert(str(tmp_path / "fehlt.txt"), *MASTER_DATA, "--out", str(tmp_path))
    assert result.exit_code == 2 and "gibt es nicht" in result.stderr
    result = convert(str(SETTLEMENT), *MASTER_DATA)
    assert result.exit_code == 2 and "--out" in result.stderr


def test_a_canadian_settlement_claims_no_german_input_tax(tmp_path):
    result = convert(str(SETTLEMENT), *MASTER_DATA, "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    path = Path(json.loads(result.stdout)["files"][0]["path"])
    rows = [r.split(";") for r in path.read_bytes().decode("cp1252").split("\r\n")[2:-1]]
    fees = [r for r in rows if r[7] in ("4760", "4780", "4600")]
    assert fees and {r[8] for r in fees} == {'"94"'}  # Amazon.ca fees: § 13b, never BU 9
    sales = [r for r in rows if r[13].startswith('"Amazon 70')]
    assert sales and not [r for r in sales if r[7] == "10000"]  # no open item was ever opened
    principal = next(r for r in rows if "Order/ItemPrice" in r[13])
    assert principal[7] == "8338" and principal[10].startswith('"70')  # order id in Belegfeld 1
    # The unverified defaults the batch relied on are named for the tax advisor.
    assert any("nicht steuerbar" in note or "8338" in note for note in summary_notes(result))


def summary_notes(result) -> list[str]:
    notes = json.loads(result.stdout)["notes"]
    assert notes, "the summary names no note"
    return notes


def test_an_output_path_that_is_a_file_is_refused_in_german(tmp_path):
    target = tmp_path / "schon-da.csv"
    target.write_text("x")
    result = convert(str(SETTLEMENT), *MASTER_DATA, "--out", str(target))
    assert result.exit_code == 2
    assert "Zielverzeichnis" in result.stderr and "ist eine Datei" in result.stderr


def test_an_unwritable_output_directory_is_refused_in_german(tmp_path):
    parent = tmp_path / "blockiert"
    parent.write_text("x")  # a file where a directory would have to be created
    result = convert(str(SETTLEMENT), *MASTER_DATA, "--out", str(parent / "unter"))
    assert result.exit_code == 2
    assert "kann nicht geschrieben werden" in result.stderr


OWN_PL = "PL5260250274"


def test_sku_costs_value_the_transfers_in_their_own_verbringen_batch(tmp_path):
    costs = tmp_path / "kosten.csv"
    costs.write_text("sku;cost\nES-01-02-01-04-01-10-37;7,50\nWE-01-02-01-01-01-01-44;3,20\n")
    out = tmp_path / "out"
    result = convert(
        str(VAT_REPORT), *MASTER_DATA, "--out", str(out), "--sku-costs", str(costs),
        "--vat-id", f"PL:{OWN_PL}",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    (batch,) = [f for f in summary["files"] if "Amazon_Verbringen_2020-FEB" in f["path"]]
    rows = check_file(Path(batch["path"]))
    assert rows["bookings"] == batch["bookings"] == 4  # DE->PL and PL->DE, each neutralised
    assert rows["balances"]["1792"] == 0
    assert rows["balances"]["8125"] == Decimal("-7.50") and rows["balances"]["3425"] == Decimal(
        "3.20"
    )
    assert summary["bookings"] == sum(f["bookings"] for f in summary["files"])
    assert summary["transfers"]["booked"] == 2
    # the two SK -> DE transfers have no cost in the table
    assert summary["transfers_unvalued"] == 2
    unvalued = [t for t in summary["transfers"]["unbooked"] if "erklären" in t["reason"]]
    assert [(t["sku"], t["quantity"], t["from"], t["to"]) for t in unvalued] == [
        ("WE-01-02-01-01-01-17-42", 1, "SK", "DE"),
        ("WE-01-02-01-01-01-04-45", 1, "SK", "DE"),
    ]
    assert len(summary["transfers"]["unbooked"]) == 13


def test_without_sku_costs_every_german_transfer_is_counted_and_nothing_booked(tmp_path):
    result = convert(str(VAT_REPORT), *MASTER_DATA, "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert not any("Verbringen" in f["path"] for f in summary["files"])
    assert summary["transfers_unvalued"] == 4
    assert len(summary["transfers"]["unbooked"]) == 15


@pytest.mark.parametrize(
    ("content", "vat_id", "message"),
    [
        ("A;zwölf\n", OWN_PL, "kosten.csv, Zeile 1, Spalte 2"),
        ("A;1\n", "PL:PL5260250275", "keine gültige USt-IdNr."),
        ("A;1\n", "CZ:PL5260250274", "gehört nicht zu CZ"),
        ("A;1\n", "DE136695976", "kein anderer EU-Staat als Deutschland"),
    ],
)
def test_bad_sku_costs_or_vat_ids_are_refused_before_anything_is_written(
    tmp_path, content, vat_id, message
):
    costs = tmp_path / "kosten.csv"
    costs.write_text(content)
    out = tmp_path / "out"
    result = convert(
        str(VAT_REPORT), *MASTER_DATA, "--out", str(out), "--sku-costs", str(costs),
        "--vat-id", vat_id,
    )  # fmt: skip
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_sku_cost_file_is_refused(tmp_path):
    result = convert(
        str(VAT_REPORT), *MASTER_DATA, "--out", str(tmp_path), "--sku-costs", "fehlt.csv"
    )
    assert result.exit_code == 2
    assert "SKU-Kostendatei fehlt.csv gibt es nicht" in result.stderr
