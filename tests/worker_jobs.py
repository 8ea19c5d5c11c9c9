"""Jobs and callbacks for the worker tests; the worker subprocess imports them by name."""

from __future__ import annotations

import os
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from extensions import db
from jobs.queues import get_redis
from models import User


def describe_app() -> dict:
    """Which process runs the job, and in which app."""
    return {
        "pid": os.getpid(),
        "parent": os.getppid(),
        "app_built_in": current_app.config.get("BUILT_IN_PID"),
        "kontor_env": current_app.config["KONTOR_ENV"],
    }


def user_emails() -> list[str]:
    return list(db.session.scalars(sa.select(User.email).order_by(User.email)))


def fail(message: str) -> None:
    raise ValueError(message)


def callback_key(job_id: str) -> str:
    return f"test:callback:{job_id}"


def note_success(job, connection, result) -> None:
    # get_redis() and current_app work only inside an app context.
    get_redis().set(
        callback_key(job.id), f"success in {current_app.config['KONTOR_ENV']}: {result}"
    )


def note_failure(job, connection, exc_type, exc_value, traceback) -> None:
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    get_redis().set(
        callback_key(job.id),
        f"failure in {current_app.config['KONTOR_ENV']} with {users} user(s): {exc_value}",
    )


def announce_then_sleep(marker: str, seconds: float) -> str:
    """Writes the horse's pid to `marker`, then works for `seconds`."""
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(seconds)
    return "fertig"
