"""Run RQ jobs inside a Flask app context without building an app at import time.

A worker process started with `rq worker --job-class jobs.context.AppContextJob`
creates its app on the first job and reuses it. Where an app context is already
active (tests running a SimpleWorker in-process), the job runs in that one.
"""

from __future__ import annotations

from flask import Flask, has_app_context
from rq.job import Job

_worker_app: Flask | None = None


def _app_for_worker() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


class AppContextJob(Job):
    def perform(self):
        if has_app_context():
            return self._perform_and_clean_up()
        with _app_for_worker().app_context():
            return self._perform_and_clean_up()

    def _perform_and_clean_up(self):
        from extensions import db

        try:
            return super().perform()
        finally:
            # A job is a unit of work of its own: never hand a dirty session to the next one.
            db.session.remove()
