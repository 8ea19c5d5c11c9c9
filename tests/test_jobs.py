"""RQ jobs run in the app context on a real worker and Redis, mailing over real SMTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rq import SimpleWorker

from conftest import free_port, make_user
from jobs.context import AppContextJob
from jobs.mail import send_test_mail
from jobs.queues import get_queue, get_redis
from mail.sink import start_mail_sink

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def mail_sink(app):
    port = free_port()
    controller, handler = start_mail_sink("127.0.0.1", port)
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    yield handler
    controller.stop()


def test_an_in_process_worker_runs_a_mail_job_over_smtp(app, mail_sink):
    user = make_user("job@example.org", name="Jana")
    job = get_queue("mail").enqueue(send_test_mail, user.id)
    SimpleWorker([get_queue("mail")], connection=get_redis(), job_class=AppContextJob).work(
        burst=True
    )
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == "job@example.org"
    [message] = mail_sink.messages
    assert message["To"] == "job@example.org"
    assert message["Subject"] == "Kontor: Testnachricht"
    assert "Hallo Jana" in message.get_content()


def test_a_failing_job_is_marked_failed_not_swallowed(app):
    job = get_queue("mail").enqueue(send_test_mail, 424242)
    SimpleWorker([get_queue("mail")], connection=get_redis(), job_class=AppContextJob).work(
        burst=True
    )
    job.refresh()
    assert job.is_failed
    assert "user 424242 does not exist" in job.latest_result().exc_string


def test_the_worker_command_mails_from_its_own_process(app, mail_sink, database_url, redis_url):
    """`flask jobs worker` of the Procfile, as a separate process with its own app."""
    user = make_user("prozess@example.org")
    job = get_queue("mail").enqueue(send_test_mail, user.id)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_URL": app.config["MAIL_URL"],
        "KONTOR_ENV": "test",
    }
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "worker", "--burst",
         "mail"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    job.refresh()
    assert job.is_finished, completed.stderr
    assert [m["To"] for m in mail_sink.messages] == ["prozess@example.org"]
