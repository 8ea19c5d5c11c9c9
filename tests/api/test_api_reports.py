"""The JSON API's reports: upload (the parse runs in the job), job state, reports, batch."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa

from extensions import db
from models import Batch, BatchFile, ImportLogEntry, JobRun, Report, StoredFile
from tests.api.helpers import SETTLEMENT, VAT_REPORT, client_with_rules, imported, upload

NOT_AMAZON = b"Datum\tBetrag\n2025-08-01\t12,00\n"


@pytest.fixture
def muster(anna) -> int:
    """The id of a client of Anna's (ids, since the worker ends the test's session)."""
    return client_with_rules(anna.organisation_id).id


def count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def table_state(db_session) -> dict[str, tuple[int, int | None]]:
    """Row count and last id of every table."""
    state = {}
    for table in db.metadata.sorted_tables:
        last = sa.func.max(table.c.id) if "id" in table.c else sa.null()
        state[table.name] = tuple(
            db_session.execute(sa.select(sa.func.count(), last).select_from(table)).one()
        )
    return state


def test_an_upload_answers_202_with_the_queued_job_and_no_report(client, headers, muster):
    response = upload(client, headers, muster, SETTLEMENT.read_bytes())
    assert response.status_code == 202
    job = response.json["job"]
    assert response.json["report"] is None
    assert job == {
        "id": job["id"],
        "state": "queued",
        "progress": 0,
        "error": None,
        "report_id": None,
    }


def test_the_job_imports_the_settlement_and_the_report_shows_it(
    client, headers, muster, db_session
):
    job = imported(client, headers, muster, SETTLEMENT.read_bytes(), "24288684721.txt")
    assert job["state"] == "done", job
    assert job["progress"] == 100
    assert job["error"] is None
    report = client.get(f"/api/v1/reports/{job['report_id']}", headers=headers)
    assert report.status_code == 200
    body = report.json
    assert body["id"] == job["report_id"]
    assert body["integration"] == "payout"
    assert body["source"] == "upload"
    assert body["settlement_id"] == "24288684721"
    assert body["period"] == ["2025-08-14", "2025-08-28"]
    assert body["marketplaces"] == ["Amazon.ca", "Non-Amazon CA"]
    assert body["currency"] == "CAD"
    assert body["total"] == "1016.08"
    stored = db_session.get(Report, job["report_id"])
    assert body["transactions"] == stored.transaction_count > 0
    assert body["reconciled"] is True
    batch = body["batch"]
    assert batch["version"] == 1
    assert batch["state"] in ("created", "rules_missing")
    assert batch["bookings"] == stored.current_batch.bookings > 0
    assert batch["unmatched"] == stored.current_batch.unmatched
    [part] = batch["files"]
    assert part["name"].startswith("EXTF_") and part["name"].endswith(".csv")
    assert part["bookings"] == batch["bookings"]
    assert len(part["period"]) == 2


def test_the_vat_report_is_an_order_report_for_the_month(client, headers, muster):
    job = imported(client, headers, muster, VAT_REPORT.read_bytes(), "vat.txt")
    assert job["state"] == "done", job
    body = client.get(f"/api/v1/reports/{job['report_id']}", headers=headers).json
    assert body["integration"] == "order"
    assert body["settlement_id"] is None
    assert body["period"] == ["2020-02-01", "2020-02-29"]
    assert body["transactions"] == 285
    assert body["batch"]["version"] == 1


def test_the_same_file_again_answers_200_duplicate_and_stores_nothing(
    client, headers, muster, db_session
):
    job = imported(client, headers, muster, SETTLEMENT.read_bytes())
    counts = {model: count(db_session, model) for model in (StoredFile, Report, Batch, JobRun)}
    again = upload(client, headers, muster, SETTLEMENT.read_bytes(), "nochmal.txt")
    assert again.status_code == 200
    assert again.json["duplicate"] is True
    assert again.json["report"]["id"] == job["report_id"]
    assert again.json["report"]["settlement_id"] == "24288684721"
    assert {model: count(db_session, model) for model in counts} == counts


def test_another_file_for_an_imported_settlement_answers_409(client, headers, muster, db_session):
    job = imported(client, headers, muster, SETTLEMENT.read_bytes())
    changed = SETTLEMENT.read_bytes() + b"\n"  # other bytes, the same settlement id
    response = upload(client, headers, muster, changed, "geaendert.txt")
    assert response.status_code == 409
    assert "24288684721" in response.json["error"]
    assert response.json["report"]["id"] == job["report_id"]
    assert count(db_session, Report) == 1
    assert count(db_session, StoredFile) == 1


def test_a_file_that_is_no_amazon_report_answers_422_and_is_logged(
    client, headers, muster, db_session
):
    response = upload(client, headers, muster, NOT_AMAZON, "kontoauszug.txt")
    assert response.status_code == 422
    assert set(response.json) == {"error"}
    assert "kontoauszug.txt" in response.json["error"]
    assert "Zeile 1" in response.json["error"]
    assert count(db_session, Report) == 0
    assert count(db_session, JobRun) == 0
    [entry] = db_session.scalars(sa.select(ImportLogEntry))
    assert (entry.file_name, entry.outcome) == ("kontoauszug.txt", "refused")


def test_a_file_the_job_refuses_ends_the_job_failed_with_the_message_and_no_report(
    client, headers, muster, db_session
):
    lines = SETTLEMENT.read_bytes().split(b"\n")
    assert b"\t2025-08-17T11:22:13+00:00\t" in lines[40]
    lines[40] = lines[40].replace(b"2025-08-17T11:22:13+00:00", b"gestern")  # far below the header
    broken = b"\n".join(lines)
    job = imported(client, headers, muster, broken, "kaputt.txt")
    assert job["state"] == "failed", job
    assert job["report_id"] is None
    assert "kaputt.txt" in job["error"]
    assert "Zeile 41" in job["error"]
    assert count(db_session, Report) == 0
    assert client.get(f"/api/v1/clients/{muster}/reports", headers=headers).json == []


def test_an_upload_without_a_file_answers_422(client, headers, muster):
    response = client.post(f"/api/v1/clients/{muster}/reports", headers=headers, data={})
    assert response.status_code == 422
    assert response.json == {
        "error": "Bitte die Datei als multipart/form-data im Feld „file“ senden."
    }


def test_a_file_over_the_upload_limit_answers_413_json(app, client, headers, muster, db_session):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = upload(client, headers, muster, SETTLEMENT.read_bytes())
    assert response.status_code == 413
    assert set(response.json) == {"error"}
    assert count(db_session, StoredFile) == 0


def test_the_reports_of_a_client_filter_by_integration(client, headers, muster):
    payout = imported(client, headers, muster, SETTLEMENT.read_bytes())["report_id"]
    order = imported(client, headers, muster, VAT_REPORT.read_bytes())["report_id"]

    def ids(query: str = "") -> list[int]:
        listing = client.get(f"/api/v1/clients/{muster}/reports{query}", headers=headers)
        assert listing.status_code == 200
        return [report["id"] for report in listing.json]

    assert ids() == [order, payout]  # February 2020 before August 2025
    assert ids("?integration=payout") == [payout]
    assert ids("?integration=order") == [order]
    wrong = client.get(f"/api/v1/clients/{muster}/reports?integration=x", headers=headers)
    assert wrong.status_code == 422
    assert wrong.json["fields"] == {"integration": ["integration muss payout oder order sein."]}


def test_the_batch_downloads_as_the_extf_file_and_counts_as_downloaded(
    client, headers, muster, db_session
):
    job = imported(client, headers, muster, SETTLEMENT.read_bytes())
    report = db_session.get(Report, job["report_id"])
    [stored_file] = report.current_batch.files
    response = client.get(f"/api/v1/reports/{report.id}/batch", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=windows-1252"
    assert response.data == stored_file.content
    assert response.data.startswith(b'"EXTF"')
    assert stored_file.name in response.headers["Content-Disposition"]
    shown = client.get(f"/api/v1/reports/{report.id}", headers=headers).json
    if shown["batch"]["unmatched"] == 0:
        assert shown["batch"]["state"] == "downloaded"


def test_a_split_batch_downloads_as_a_zip_of_its_parts(client, headers, muster, db_session):
    job = imported(client, headers, muster, SETTLEMENT.read_bytes())
    batch = db_session.get(Report, job["report_id"]).current_batch
    [part] = batch.files
    batch.files.append(
        BatchFile(
            name="EXTF_zweiter_Teil.csv",
            period_start=part.period_start,
            period_end=part.period_end,
            bookings=1,
            content=b'"EXTF";700',
            sha256="0" * 64,
        )
    )
    db_session.commit()
    response = client.get(f"/api/v1/reports/{job['report_id']}/batch", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == sorted([part.name, "EXTF_zweiter_Teil.csv"])


def assert_grew_by_one_row(before, after, table: str) -> None:
    (rows, last_id), (rows_now, last_id_now) = before.pop(table), after.pop(table)
    assert rows_now == rows + 1
    assert last_id_now > (last_id or 0)


def test_a_refused_file_leaves_every_table_but_the_import_log_as_it_was(
    client, headers, muster, db_session
):
    imported(client, headers, muster, SETTLEMENT.read_bytes())
    before = table_state(db_session)
    response = upload(client, headers, muster, NOT_AMAZON, "kontoauszug.txt")
    assert response.status_code == 422
    after = table_state(db_session)
    assert_grew_by_one_row(before, after, "import_log")
    assert after == before


def test_a_file_refused_by_the_job_leaves_only_the_failed_job_and_the_log(
    client, headers, muster, db_session
):
    imported(client, headers, muster, VAT_REPORT.read_bytes())
    before = table_state(db_session)
    lines = SETTLEMENT.read_bytes().split(b"\n")
    lines[40] = lines[40].replace(b"2025-08-17T11:22:13+00:00", b"gestern")
    job = imported(client, headers, muster, b"\n".join(lines), "kaputt.txt")
    assert job["state"] == "failed"
    after = table_state(db_session)
    assert_grew_by_one_row(before, after, "import_log")
    assert_grew_by_one_row(before, after, "job_runs")
    assert after == before
