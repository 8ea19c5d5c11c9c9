"""Every batch of an uploaded report is identical, booking for booking, to what `flask datev
convert` writes for the same file with the same rules (only the header's creation time differs):
for the real samples and for the sandbox's settlements (EUR, GBP, PLN, SEK; V1 and V2) and VAT
reports, also a foreign-currency settlement booked with the VAT report of its orders."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from extensions import db
from importing.intake import check_upload, import_file
from models.booking_rules import Integration
from models.report import ImportOutcome
from sandbox import create_sandbox_app, vat
from tests.importing.helpers import SETTLEMENT_CA, VAT_FEB, VAT_JAN, make_shop, stored

CLOCK = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # before the end of the packaged ECB rates
# The 17 digits of "Erzeugt am" (YYYYMMDDHHMMSSmmm), the one field that depends on the clock.
CREATED_AT = re.compile(rb"^((?:[^;]*;){5})\d{17};")


@pytest.fixture(scope="module")
def sandbox():
    app = create_sandbox_app({"SANDBOX_CLOCK": CLOCK, "SANDBOX_SEED": "kontor"})
    return app.extensions["sandbox"]


def _convert(runner, paths: list[Path], out: Path) -> dict[str, bytes]:
    result = runner.invoke(
        args=["datev", "convert", *map(str, paths), "--chart", "skr03", "--berater", "1001",
              "--mandant", "1", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


def _import(client, path: Path) -> dict[str, bytes]:
    kind = Integration.ORDER if path.name.startswith("vat") else Integration.PAYOUT
    file = stored(client, path)
    assert check_upload(client, kind, file) is None
    db.session.commit()
    result = import_file(client, kind, file, source="upload", user_id=None)
    assert result.outcome == ImportOutcome.IMPORTED, result.message
    return {f.name: f.content for f in result.report.current_batch.files}


def _without_creation_time(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: CREATED_AT.sub(rb"\1;", content, count=1) for name, content in files.items()}


def _assert_same(imported: dict[str, bytes], converted: dict[str, bytes]) -> None:
    assert sorted(imported) == sorted(converted)
    assert _without_creation_time(imported) == _without_creation_time(converted)
    assert all(CREATED_AT.match(content) for content in imported.values())


@pytest.mark.parametrize("sample", [SETTLEMENT_CA, VAT_FEB, VAT_JAN], ids=lambda p: p.stem)
def test_a_real_sample_gives_the_batch_convert_writes(app, runner, tmp_path, sample):
    client, _ = make_shop()
    _assert_same(_import(client, sample), _convert(runner, [sample], tmp_path / "out"))


def _settlements(sandbox, number: int, how_many: int) -> list[tuple[str, str]]:
    """The first settlement of each marketplace of seller `number`, up to `how_many`."""
    seller = sandbox.sellers[number - 1]
    picked: dict[str, tuple[str, str]] = {}
    for entry in sandbox.settlement_entries(seller, include_expired=True):
        key = entry.marketplace_ids[0]
        if key not in picked:
            picked[key] = (entry.report_id, sandbox.settlement_text(seller, entry))
    return list(picked.values())[:how_many]


@pytest.mark.parametrize("number", [1, 2, 3, 4])
def test_sandbox_settlements_give_the_batches_convert_writes(
    app, runner, tmp_path, sandbox, number
):
    client, _ = make_shop(f"seller{number}@example.org")
    for report_id, text in _settlements(sandbox, number, 4):
        path = tmp_path / f"settlement-{report_id}.txt"
        path.write_bytes(text.encode("cp1252"))
        _assert_same(_import(client, path), _convert(runner, [path], tmp_path / report_id))


@pytest.mark.parametrize("number", [1, 3])
def test_a_sandbox_vat_report_gives_the_batches_convert_writes(
    app, runner, tmp_path, sandbox, number
):
    client, _ = make_shop(f"vat{number}@example.org")
    seller = sandbox.sellers[number - 1]
    text = vat.render(sandbox.seed, seller, date(2026, 7, 1), sandbox.first_index)
    path = tmp_path / "vat-2026-07.txt"
    path.write_bytes(text.encode("cp1252"))
    _assert_same(_import(client, path), _convert(runner, [path], tmp_path / "out"))


def test_a_foreign_currency_settlement_clears_at_the_rate_of_its_imported_orders(
    app, runner, tmp_path, sandbox
):
    """Seller 3 sells in GBP, PLN and SEK: imported after the VAT report of its orders, a
    settlement books the same per-order exchange residue as converting both files together."""
    client, _ = make_shop("nordlicht@example.org")
    seller = sandbox.sellers[2]
    paths = []
    for month in (date(2026, 6, 1), date(2026, 7, 1)):
        text = vat.render(sandbox.seed, seller, month, sandbox.first_index)
        paths.append(tmp_path / f"vat-{month:%Y-%m}.txt")
        paths[-1].write_bytes(text.encode("cp1252"))
    settlements, seen = [], set()
    for entry in sandbox.settlement_entries(seller, include_expired=True):
        text = sandbox.settlement_text(seller, entry)
        settlement_id = text.split("\n")[1].split("\t")[0]
        # The V1 file of a settlement is the same settlement: it would be a conflict.
        in_july = date(2026, 7, 1) <= entry.data_end.date() < date(2026, 8, 1)
        if in_july and entry.report_type.endswith("_V2") and settlement_id not in seen:
            seen.add(settlement_id)
            settlements.append(tmp_path / f"settlement-{settlement_id}.txt")
            settlements[-1].write_bytes(text.encode("cp1252"))
    currencies = {p.read_text("cp1252").split("\n")[1].split("\t")[5] for p in settlements}
    assert {"EUR", "GBP", "PLN", "SEK"} <= currencies
    imported: dict[str, bytes] = {}
    for path in paths + settlements:
        imported.update(_import(client, path))
    converted = _convert(runner, paths + settlements, tmp_path / "out")
    # convert also writes the Verbringen batches of both VAT reports, as the import does.
    _assert_same(imported, converted)
