"""The order of the sync jobs: many sellers' first syncs finish when their rate limits allow
only if no token Amazon has for a seller waits behind other sellers' work."""

from __future__ import annotations

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry

import jobs.amazon_sync as amazon_sync
from extensions import db
from jobs.amazon_sync import enqueue_sync, enqueue_syncs, run_sync
from jobs.queues import get_queue, get_redis
from models import JobRun


def run_next_job() -> str:
    """Run the job at the front of the queue here, as a worker would; its result."""
    queue = get_queue("default")
    job = queue.dequeue_any([queue], timeout=None, connection=get_redis())[0]
    return job.perform()


def sync_job_ids() -> list[str]:
    return [id for id in get_queue("default").job_ids if id.startswith("amazon-sync-")]


def test_the_sellers_with_the_most_marketplaces_start_first(connect):
    small, pan_eu, four = connect(2), connect(1), connect(4)  # DE; DE FR IT ES NL; 4 of them

    runs = enqueue_syncs([small, pan_eu, four])

    assert [run.client_id for run in runs] == [
        pan_eu.client_id,
        four.client_id,
        small.client_id,
    ]
    first_args = [job.args[0] for job in get_queue("default").jobs]
    assert first_args == [run.id for run in runs]


def test_a_job_hands_on_after_its_budget_and_a_long_run_stays_in_front(connect, monkeypatch):
    monkeypatch.setattr(amazon_sync, "JOB_BUDGET", 0.0)  # one document per job
    pan_eu = connect(1)  # more settlements than getReportDocument's burst
    small = connect(2)
    long_run, short_run = enqueue_sync(pan_eu), enqueue_sync(small)

    run_next_job()

    queue = get_queue("default")
    front = Job.fetch(queue.job_ids[0], connection=get_redis())
    assert front.args[0] == long_run.id  # ahead of the other seller's waiting sync
    assert front.args[1]["step"] == 1
    assert len(front.args[1]["pending"]) == front.args[1]["total"] - 1
    assert queue.job_ids[1] == f"amazon-sync-{short_run.id}-0"


def test_a_short_run_goes_to_the_back(connect, monkeypatch):
    monkeypatch.setattr(amazon_sync, "JOB_BUDGET", 0.0)
    monkeypatch.setattr(amazon_sync, "DOCUMENT_BURST", 1000)  # every seller within its burst
    first, second = connect(1), connect(2)
    first_run, second_run = enqueue_sync(first), enqueue_sync(second)

    run_next_job()

    assert sync_job_ids() == [
        f"amazon-sync-{second_run.id}-0",
        f"amazon-sync-{first_run.id}-1",
    ]


@pytest.mark.parametrize("time_scale", [1])  # Amazon's own rate: the wait is seconds long
def test_a_throttled_job_is_due_at_the_front_when_the_token_is_there(connect, sandbox):
    connection = connect(2)
    sandbox.fault(kind="429", operation="getReportDocument", times=1)
    run = enqueue_sync(connection)

    assert run_next_job().startswith("deferred")
    db.session.rollback()
    following = db.session.get(JobRun, run.id).rq_job_id
    registry = ScheduledJobRegistry("default", connection=get_redis())
    assert following in registry.get_job_ids()
    scheduled = Job.fetch(following, connection=get_redis())
    assert scheduled.func is run_sync
    assert scheduled.should_enqueue_at_front()
