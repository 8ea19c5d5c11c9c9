"""Run RQ jobs, and their callbacks, inside a Flask app context.

The job class never builds an app: `flask jobs worker` builds one and binds it with
`AppContextJob.bound_to(app)`, so every job gets a fresh context of that one app. Unbound,
the job runs in the app context that is already active (tests running a SimpleWorker
in-process) and refuses to run without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from flask import Flask, has_app_context
from rq.job import Job


class AppContextJob(Job):
    app: ClassVar[Flask | None] = None

    @classmethod
    def bound_to(cls, app: Flask) -> type[AppContextJob]:
        """This job class, running every job and callback in a new context of `app`."""
        return type(cls.__name__, (cls,), {"app": app, "__module__": cls.__module__})

    def perform(self):
        from extensions import db

        with self._app_context():
            try:
                return super().perform()
            finally:
                # A job is a unit of work of its own: never hand a dirty session to the next one.
                db.session.remove()

    # RQ calls the callbacks outside perform(); they touch the database and the config too.
    def execute_success_callback(self, death_penalty_class, result):
        with self._app_context():
            return super().execute_success_callback(death_penalty_class, result)

    def execute_failure_callback(self, death_penalty_class, *exc_info):
        with self._app_context():
            return super().execute_failure_callback(death_penalty_class, *exc_info)

    def execute_stopped_callback(self, death_penalty_class):
        with self._app_context():
            return super().execute_stopped_callback(death_penalty_class)

    @contextmanager
    def _app_context(self) -> Iterator[None]:
        if self.app is not None:
            with self.app.app_context():
                yield
        elif has_app_context():
            yield
        else:
            raise RuntimeError(
                "AppContextJob has no app: start the worker with `flask jobs worker`, "
                "not with `rq worker`"
            )
