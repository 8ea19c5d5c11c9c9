"""The jobs of bench/jobs.py; the worker processes import them by name (bench/ on their path).

Flask and SQLAlchemy are imported inside the functions: the baseline job must not pay for
importing them in every work horse of a plain `rq worker`.
"""

from __future__ import annotations

from rq.job import Job


def nothing() -> None:
    """The baseline: a job that needs no app."""


def touch_app_and_database() -> str:
    """The least a Kontor job does: read the config and talk to the database."""
    import sqlalchemy as sa
    from flask import current_app

    from extensions import db

    db.session.execute(sa.text("SELECT 1"))
    return current_app.config["KONTOR_ENV"]


class AppPerJob(Job):
    """The job class of Kontor up to commit 94413f5, as a forking worker ran it.

    It built its app lazily into a module global, but that global lived in the work horse,
    which exits after one job: every job built a new app (and a new engine and pool).
    """

    def perform(self):
        from app import create_app
        from extensions import db

        with create_app().app_context():
            try:
                return super().perform()
            finally:
                db.session.remove()
