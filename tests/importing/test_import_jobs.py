"""Import and rebuild jobs on a real RQ worker and Redis: the JobRun row tells the page and the
API what happened; a killed worker leaves no trace and the retry imports the report once."""

from __future__ import annotations

import sqlalchemy as sa
from rq import SimpleWorker

import importing.intake
from extensions import db
from jobs.context import AppContextJob
from jobs.imports import enqueue_import, enqueue_rebuild, run_import
from jobs.queues import get_queue, get_redis
from models import JobRun, Report, SettlementLineRow
from models.booking_rules import Integration
from models.job_run import JobState
from tests.importing.helpers import SETTLEMENT_CA, VAT_FEB, make_shop, stored, table_snapshot


def _work(*runs: JobRun) -> list[int]:
    """Run the queued jobs; returns the ids of `runs` (the worker ends the session)."""
    ids = [run.id for run in runs]
    SimpleWorker([get_queue("imports")], connection=get_redis(), job_class=AppContextJob).work(
        burst=True
    )
    return ids


def _run(run_id: int) -> JobRun:
    db.session.expire_all()
    return db.session.get(JobRun, run_id)


def test_an_uploaded_settlement_is_imported_by_the_worker(app):
    client, user_id = make_shop()
    run = enqueue_import(client, Integration.PAYOUT, stored(client, SETTLEMENT_CA), user_id=user_id)
    assert (run.state, run.progress, run.kind) == ("queued", 0, "import")
    assert run.rq_job_id
    [run_id] = _work(run)
    run = _run(run_id)
    assert (run.state, run.progress, run.error) == ("done", 100, "")
    report = db.session.get(Report, run.report_id)
    assert report.settlement_id == "24288684721"
    assert report.source == "upload" and report.imported_by_id == user_id
    assert run.started_at is not None and run.finished_at >= run.started_at


def test_the_api_source_is_kept(app):
    client, _ = make_shop()
    run = enqueue_import(
        client, Integration.ORDER, stored(client, VAT_FEB), user_id=None, source="api"
    )
    [run_id] = _work(run)
    assert db.session.get(Report, _run(run_id).report_id).source == "api"


def test_a_file_the_job_refuses_fails_the_run_with_the_message_and_no_report(app):
    client, _ = make_shop()
    lines = SETTLEMENT_CA.read_bytes().split(b"\n")
    lines[7] = lines[7].replace(b"Amazon.ca", b"Amazon.ca\tzu viel", 1)
    run = enqueue_import(
        client, Integration.PAYOUT, stored(client, b"\n".join(lines), "x.txt"), user_id=None
    )
    [run_id] = _work(run)
    run = _run(run_id)
    assert run.state == "failed"
    assert run.error.startswith("Datei „x.txt“, Zeile 8, Spalte „posted-date“: „AFN“ ist kein")
    assert run.report_id is None and run.file_id is None
    assert table_snapshot()["reports"] == (0, None)
    assert table_snapshot()["stored_files"] == (0, None)
    # Run again (a retry): the error stays, nothing happens.
    assert run_import(run.id) == "skipped"
    assert _run(run.id).error.startswith("Datei „x.txt“")


def test_a_worker_dying_mid_import_leaves_no_trace_and_the_retry_imports_once(app, monkeypatch):
    client, _ = make_shop()
    real_build = importing.intake.build_batch
    calls = []

    def dies_the_first_time(report, **kwargs):
        calls.append(report.id)
        # The lines are in the open transaction: the import is well under way.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SettlementLineRow))
        if len(calls) == 1:
            raise SystemExit("killed")  # what a worker's death looks like from inside
        return real_build(report, **kwargs)

    monkeypatch.setattr(importing.intake, "build_batch", dies_the_first_time)
    file = stored(client, SETTLEMENT_CA)
    run = enqueue_import(client, Integration.PAYOUT, file, user_id=None)
    before = table_snapshot(without=("job_runs",))
    try:
        run_import(run.id)
    except SystemExit:
        pass
    else:
        raise AssertionError("the import should have died")
    assert table_snapshot(without=("job_runs",)) == before
    assert _run(run.id).state == "failed"
    assert run_import(run.id) == "imported"
    assert run_import(run.id) == "skipped"  # done is done
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1
    assert _run(run.id).state == "done"


def test_rq_retries_a_job_that_died(app, monkeypatch):
    client, _ = make_shop()
    real_build = importing.intake.build_batch
    calls = []

    def fails_once(report, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return real_build(report, **kwargs)

    monkeypatch.setattr(importing.intake, "build_batch", fails_once)
    run = enqueue_import(client, Integration.PAYOUT, stored(client, SETTLEMENT_CA), user_id=None)
    [run_id] = _work(run)
    run = _run(run_id)
    assert (run.state, len(calls)) == ("done", 2)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 1


def test_a_rebuild_adds_a_version(app):
    client, user_id = make_shop()
    run = enqueue_import(client, Integration.PAYOUT, stored(client, SETTLEMENT_CA), user_id=None)
    [run_id] = _work(run)
    report = db.session.get(Report, _run(run_id).report_id)
    report_id = report.id
    rebuild = enqueue_rebuild(report, user_id=user_id)
    assert rebuild.kind == "rebuild"
    [rebuild_id] = _work(rebuild)
    rebuild = _run(rebuild_id)
    report = db.session.get(Report, report_id)
    assert rebuild.state == JobState.DONE and "Version 2" in rebuild.message
    assert [b.version for b in report.batches] == [1, 2]
    assert report.batches[1].created_by_id == user_id
    first, second = report.batches
    assert [f.content.split(b"\r\n")[1:] for f in first.files] == [
        f.content.split(b"\r\n")[1:] for f in second.files
    ]
