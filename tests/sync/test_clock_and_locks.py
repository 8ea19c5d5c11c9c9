"""One sync per connection at a time, whoever enqueues it how often: the clock firing twice,
two workers, a stray copy of a job, a worker killed in the middle of an import."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from rq.registry import ScheduledJobRegistry

from extensions import db
from jobs.amazon_sync import enqueue_retroactive_import, enqueue_sync, run_sync
from jobs.daily_sync import enqueue_daily_syncs, spread_offset
from jobs.queues import get_queue
from models import ImportLogEntry, JobRun, Report
from models.job_run import JobKind, JobState
from tests.sync.sync_helpers import (
    children_of,
    expected_settlement_ids,
    settlement_ids,
    wait_for,
)

DE = "A1PA6795UKMFR9"


def api_downloads(client_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ImportLogEntry)
        .filter_by(client_id=client_id, source="api")
    )


def runs_of(kind: JobKind) -> list[JobRun]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(JobRun).filter_by(kind=kind.value)))


def test_the_daily_syncs_are_spread_over_the_hour_by_connection():
    offsets = [spread_offset(connection_id) for connection_id in range(1, 201)]

    assert all(0 <= offset < 3600 for offset in offsets)
    assert len(set(offsets)) == 200
    # Spread, not bunched: every ten-minute slice of the hour gets its share.
    slices = [sum(1 for o in offsets if i * 600 <= o < (i + 1) * 600) for i in range(6)]
    assert min(slices) >= 20, slices


def test_the_clock_acts_in_the_sync_hour_only(app, connect):
    connect(2)
    app.config["SYNC_HOUR_UTC"] = 4

    assert enqueue_daily_syncs(datetime(2026, 12, 2, 3, 59, tzinfo=UTC)) == 0
    assert enqueue_daily_syncs(datetime(2026, 12, 2, 5, 0, tzinfo=UTC)) == 0
    assert enqueue_daily_syncs(datetime(2026, 12, 2, 4, 0, tzinfo=UTC)) == 1


def test_the_clock_firing_twice_syncs_each_connection_once(app, connect, sandbox, workers):
    first, second = connect(2), connect(4)
    renewal = connect(1)
    renewal.state = "renewal_needed"
    db.session.commit()
    # The clock fired (twice) at the end of the last hour: every connection's moment in it
    # has passed, so the scheduler enqueues the jobs at once.
    last_hour = datetime.now(UTC) - timedelta(hours=1)
    app.config["SYNC_HOUR_UTC"] = last_hour.hour
    late_in_the_hour = last_hour.replace(minute=59, second=59)

    assert enqueue_daily_syncs(late_in_the_hour) == 2
    assert enqueue_daily_syncs(late_in_the_hour) == 0
    assert enqueue_daily_syncs(late_in_the_hour) == 0
    scheduled = ScheduledJobRegistry(queue=get_queue("default")).get_job_ids()
    assert len(scheduled) == 2
    workers(1)
    deadline = time.monotonic() + 30
    while len(runs_of(JobKind.SYNC)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    syncs = wait_for([run.id for run in runs_of(JobKind.SYNC)])

    assert sorted(run.client_id for run in syncs) == sorted([first.client_id, second.client_id])
    assert all(run.state == JobState.DONE for run in syncs), [r.error for r in syncs]
    assert enqueue_daily_syncs(late_in_the_hour) == 0
    assert len(runs_of(JobKind.SYNC)) == 2


def test_two_workers_never_work_on_one_connection_at_once(connect, sandbox, workers):
    connection = connect(2)
    since = datetime.now(UTC) - timedelta(days=89)
    sync = enqueue_sync(connection)
    # A stray second copy of the sync's job, and a retroactive import of the same marketplace.
    stray = get_queue("default").enqueue(run_sync, sync.id, None, job_id="stray-copy")
    retroactive = enqueue_retroactive_import(connection, "payout", DE, user_id=None)

    workers(2)
    runs = wait_for([sync.id, retroactive.id], timeout=90)

    assert all(run.state == JobState.DONE for run in runs), [r.error for r in runs]
    expected = expected_settlement_ids(sandbox, 2, since=since)
    assert settlement_ids(connection.client_id) == expected
    # Had two of them worked at once, both would have downloaded the same settlements.
    assert api_downloads(connection.client_id) == len(expected) + len(
        [r for r in db.session.scalars(sa.select(Report).filter_by(integration="order"))]
    )
    stray.refresh()
    assert stray.return_value() == "skipped"


def test_a_worker_killed_in_the_middle_of_an_import_loses_and_doubles_nothing(
    connect, sandbox, workers
):
    connection = connect(1)
    since = datetime.now(UTC) - timedelta(days=89)
    expected = expected_settlement_ids(sandbox, 1, since=since)
    group = workers(1)
    [worker] = group.processes
    scheduler = group.scheduler_pid()  # the worker's other child, which must live on

    run = enqueue_sync(connection)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline:
        db.session.rollback()
        imported = len(settlement_ids(connection.client_id))
        horses = children_of(worker.pid) - {scheduler}
        if imported >= 2 and horses:
            killed = horses.pop()
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    assert killed is not None, "no import to interrupt"

    [run] = wait_for([run.id], timeout=120)

    assert run.state == JobState.DONE, run.error
    assert settlement_ids(connection.client_id) == expected
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(Report).filter_by(integration="payout")
    )
    assert count == len(expected)
    assert "Work horse killed for job" in group.output()
