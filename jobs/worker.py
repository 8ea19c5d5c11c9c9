"""The RQ worker of Kontor (`flask jobs worker`): the app is built once, the horses inherit it.

RQ forks a work horse per job. `rq worker` with a job class that builds the app would build it
in every horse (0.6–0.8 s and a new connection pool per job); here the parent process holds
the one app and each forked horse runs its job in a fresh context of it.

HerokuWorker turns SIGTERM (a deploy, a dyno restart) into a warm shutdown: the horse gets a
few seconds to finish its job before it is cancelled.
"""

from __future__ import annotations

import contextvars
from collections.abc import Sequence

from flask import Flask
from redis import Redis
from rq.worker import HerokuWorker

from extensions import db
from jobs.context import AppContextJob
from jobs.queues import QUEUE_NAMES


class AppWorker(HerokuWorker):
    def __init__(self, queue_names: Sequence[str], app: Flask, **kwargs):
        self.app = app
        super().__init__(list(queue_names), job_class=AppContextJob.bound_to(app), **kwargs)

    def fork_work_horse(self, job, queue):
        # A pooled connection inherited by the horse would be one socket used by two processes.
        dispose_engines(self.app)
        super().fork_work_horse(job, queue)

    def perform_job(self, job, queue) -> bool:
        try:
            return super().perform_job(job, queue)
        finally:
            if self._is_horse:
                # The horse ends with os._exit(): close its connections while it still can,
                # so the database sees a goodbye instead of a dropped socket.
                dispose_engines(self.app)


def dispose_engines(app: Flask) -> None:
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def run_worker(
    app: Flask, queue_names: Sequence[str], *, burst: bool = False, with_scheduler: bool = True
) -> bool:
    """Work on the queues until stopped (or, with burst, until they are empty).

    Returns whether any job ran.
    """
    unknown = [name for name in queue_names if name not in QUEUE_NAMES]
    if unknown:
        raise ValueError(f"unknown queue {unknown[0]!r}")
    # A connection of its own: RQ raises the socket timeout of its connection for blocking pops.
    connection = Redis.from_url(app.config["REDIS_URL"])
    dispose_engines(app)  # the scheduler is forked too
    worker = AppWorker(queue_names, app, connection=connection)
    # Outside any app context (`flask` pushes one for its commands): each job and each callback
    # then runs in a context of its own instead of in a copy of the long-lived one.
    return contextvars.Context().run(worker.work, burst=burst, with_scheduler=with_scheduler)
