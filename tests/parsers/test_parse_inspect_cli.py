"""`flask reports inspect FILE [--json]`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from commands.reports import reports_cli
from tests.parsers.amazon_builders import V1_SAMPLE, V1_SAMPLE_JSON, VAT_SAMPLE, write


def inspect(*args: str):
    return CliRunner().invoke(reports_cli, ["inspect", *args])


def test_inspect_json_of_a_payout():
    result = inspect(str(V1_SAMPLE), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == V1_SAMPLE_JSON


def test_inspect_json_of_an_order_report():
    result = inspect(str(VAT_SAMPLE), "--json")

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["kind"] == "order"
    assert data["format"] == "vat-transactions"
    assert data["rows"] == 285
    assert data["transaction_types"] == {"FC_TRANSFER": 15, "REFUND": 32, "RETURN": 29, "SALE": 209}
    assert data["activity_periods"] == ["2020-FEB"]
    assert data["marketplaces"] == ["amazon.de", "amazon.es", "amazon.fr", "amazon.it"]
    assert data["totals"] == {"EUR": {"SALE": "5938.45", "REFUND": "-1091.32"}}


def test_inspect_without_json_is_a_german_summary():
    result = inspect(str(V1_SAMPLE))

    assert result.exit_code == 0
    assert "Amazon-Abrechnung 24288684721" in result.stdout
    assert "1.016,08 CAD" in result.stdout
    assert "Buchungszeilen: 153" in result.stdout
    assert "geht auf" in result.stdout

    result = inspect(str(VAT_SAMPLE))
    assert "Umsatzsteuerbericht" in result.stdout
    assert "SALE 209" in result.stdout
    assert "SALE 5.938,45" in result.stdout


def test_inspect_of_a_refused_file_exits_2_with_the_message_on_stderr(tmp_path):
    path = write(tmp_path, "leer.txt", b"")

    result = inspect(str(path), "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "Datei „leer.txt“: Die Datei ist leer."
