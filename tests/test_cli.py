"""The package commands are reachable through `flask` as the README says."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def test_flask_reports_inspect_reads_the_real_v1_settlement(runner):
    sample = FIXTURES / "amazon" / "settlement-v1-amazon-ca-24288684721.txt"
    result = runner.invoke(args=["reports", "inspect", str(sample), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["total_amount"], summary["lines"], summary["reconciled"]) == (
        "1016.08",
        153,
        True,
    )


def test_flask_datev_convert_writes_a_balanced_batch(runner, tmp_path):
    sample = FIXTURES / "amazon" / "settlement-v1-amazon-ca-24288684721.txt"
    result = runner.invoke(
        args=[
            "datev",
            "convert",
            str(sample),
            "--chart",
            "skr03",
            "--berater",
            "1001",
            "--mandant",
            "1",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["bookings"] > 0
    assert set(summary["clearing_balance"].values()) == {"0.00"}
    assert all(Path(f["path"]).name.startswith("EXTF_") for f in summary["files"])


def test_flask_sandbox_credentials_prints_a_seeded_seller(runner):
    result = runner.invoke(args=["sandbox", "credentials", "--seller", "2"])
    assert result.exit_code == 0, result.output
    credentials = json.loads(result.output)
    assert credentials["refresh_token"].startswith("Atzr|")
    assert credentials["marketplace_ids"] == ["A1PA6795UKMFR9"]
