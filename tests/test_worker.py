"""`flask jobs worker`: the worker of the Procfile, as a real process on the real Redis.

It builds the app once, forks a work horse per job that runs in that app, runs RQ's callbacks
in the app context too, runs the jobs the clock enqueues, and shuts down gracefully on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Callback, Queue, Worker

from app import create_app
from conftest import _test_config, free_port, make_user
from extensions import db
from jobs.context import AppContextJob
from jobs.health import HEARTBEAT_KEY
from jobs.queues import get_queue, get_redis
from jobs.worker import AppWorker
from worker_jobs import callback_key

PROJECT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def worker_env(app, database_url, redis_url, tmp_path):
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(PROJECT)]),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_URL": app.config["MAIL_URL"],
        "KONTOR_ENV": "test",
        "KONTOR_APP_MARKER": str(tmp_path / "apps-built.txt"),
    }


def worker_command(*args: str) -> list[str]:
    flask = [sys.executable, "-m", "flask", "--app", "worker_app:create_app"]
    return [*flask, "jobs", "worker", *args]


def run_worker(env: dict, *args: str) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        worker_command("--burst", *args),
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return completed


def apps_built(env: dict) -> list[int]:
    marker = Path(env["KONTOR_APP_MARKER"])
    return [int(line) for line in marker.read_text().split()] if marker.exists() else []


def test_the_worker_runs_a_job_that_reads_the_database(app, worker_env):
    make_user("zwei@example.org")
    make_user("eins@example.org")
    job = get_queue("default").enqueue("worker_jobs.user_emails")
    run_worker(worker_env)
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == ["eins@example.org", "zwei@example.org"]


def test_the_worker_builds_the_app_once_and_forks_a_horse_per_job(app, worker_env):
    jobs = [get_queue("default").enqueue("worker_jobs.describe_app") for _ in range(5)]
    run_worker(worker_env, "default")
    [worker_pid] = apps_built(worker_env)
    seen = []
    for job in jobs:
        job.refresh()
        assert job.is_finished, job.latest_result()
        seen.append(job.return_value())
    assert {s["app_built_in"] for s in seen} == {worker_pid}, "a job ran in an app of its own"
    assert {s["parent"] for s in seen} == {worker_pid}
    horses = {s["pid"] for s in seen}
    assert len(horses) == 5 and worker_pid not in horses
    assert {s["kontor_env"] for s in seen} == {"test"}


def test_success_and_failure_callbacks_run_in_the_app_context(app, worker_env):
    make_user("rueckruf@example.org")
    queue = get_queue("default")
    succeeding = queue.enqueue(
        "worker_jobs.describe_app", on_success=Callback("worker_jobs.note_success")
    )
    failing = queue.enqueue(
        "worker_jobs.fail", "absichtlich", on_failure=Callback("worker_jobs.note_failure")
    )
    run_worker(worker_env, "default")
    failing.refresh()
    assert failing.is_failed
    assert "absichtlich" in failing.latest_result().exc_string
    assert get_redis().get(callback_key(failing.id)) == (
        b"failure in test with 1 user(s): absichtlich"
    )
    assert get_redis().get(callback_key(succeeding.id)).startswith(b"success in test: {")


def test_jobs_the_clock_enqueues_run_in_the_app_context(app, worker_env, redis_url):
    # `rq cron` enqueues through a plain Queue with RQ's own Job class, as done here.
    clock_queue = Queue("default", connection=Redis.from_url(redis_url))
    job = clock_queue.enqueue("jobs.health.record_heartbeat")
    run_worker(worker_env)
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert get_redis().get(HEARTBEAT_KEY).decode() == job.return_value()


def test_the_worker_refuses_an_unknown_queue(app, worker_env):
    completed = subprocess.run(
        worker_command("--burst", "reports"),
        cwd=PROJECT,
        env=worker_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert "'reports' is not one of 'imports', 'mail', 'default'" in completed.stderr


def test_the_worker_names_an_unreachable_redis_without_its_password(app, worker_env):
    port = free_port()
    worker_env["REDIS_URL"] = f"redis://:geheim@127.0.0.1:{port}/0"
    completed = subprocess.run(
        worker_command("--burst"),
        cwd=PROJECT,
        env=worker_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1
    assert f"Redis ist unter 127.0.0.1:{port} nicht erreichbar" in completed.stderr
    assert "geheim" not in completed.stderr


def test_on_sigterm_the_running_job_finishes_before_the_worker_stops(app, worker_env, tmp_path):
    """Heroku sends SIGTERM to every process of the dyno, the horse included."""
    started = tmp_path / "horse.pid"
    job = get_queue("default").enqueue("worker_jobs.announce_then_sleep", str(started), 1.5)
    with subprocess.Popen(
        worker_command("default"),
        cwd=PROJECT,
        env=worker_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as worker:
        try:
            deadline = time.monotonic() + 60
            while not (started.exists() and started.read_text()):
                assert time.monotonic() < deadline, "the job did not start"
                assert worker.poll() is None, worker.stderr.read()
                time.sleep(0.05)
            os.kill(int(started.read_text()), signal.SIGTERM)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0, worker.stderr.read()
        finally:
            if worker.poll() is None:
                worker.kill()
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == "fertig"


def test_the_worker_holds_no_pooled_connection_when_it_forks_a_horse(
    app, database_url, redis_url, monkeypatch
):
    pooled = create_app({**_test_config(database_url, redis_url), "SQLALCHEMY_ENGINE_OPTIONS": {}})
    with pooled.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.remove()
        pool = db.engine.pool
    assert pool.checkedin() == 1
    at_fork = []
    monkeypatch.setattr(Worker, "fork_work_horse", lambda *_: at_fork.append(pool.checkedin()))
    AppWorker(["default"], pooled, connection=get_redis()).fork_work_horse(None, None)
    assert at_fork == [0], "the horse would share the worker's connection"


def test_a_job_outside_any_app_refuses_to_run_instead_of_building_one(redis_url):
    job = AppContextJob.create("worker_jobs.describe_app", connection=Redis.from_url(redis_url))
    with pytest.raises(RuntimeError, match="flask jobs worker"):
        job.perform()
