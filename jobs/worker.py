"""The RQ worker of Kontor (`flask jobs worker`): the app is built once, the horses inherit it.

RQ forks a work horse per job. `rq worker` with a job class that builds the app would build it
in every horse (0.6–0.8 s and a new connection pool per job); here the parent process holds
the one app and each forked horse runs its job in a fresh context of it.

What a horse would load lazily, and lose when it exits, is loaded once in the worker before
it forks (`warm_up`): the ECB rates of the currencies Amazon settles in (needed by every
foreign-currency batch). The objects that exist then are frozen out of the garbage collector,
so the horses do not copy their pages just to scan them.

The scheduler looks for due delayed jobs every SCHEDULER_INTERVAL seconds instead of RQ's one
second: a sync waiting for Amazon's rate limit is a chain of delayed jobs, and each of them
would otherwise start half a second late on average.

HerokuWorker turns SIGTERM (a deploy, a dyno restart) into a warm shutdown: the horse gets a
few seconds to finish its job before it is cancelled.
"""

from __future__ import annotations

import contextvars
import gc
import time
from collections.abc import Sequence

from flask import Flask
from redis import Redis
from rq.scheduler import RQScheduler
from rq.worker import HerokuWorker

from extensions import db
from importing.batches import ecb_rates
from jobs.context import AppContextJob
from jobs.queues import QUEUE_NAMES

SCHEDULER_INTERVAL = 0.2


class AppWorker(HerokuWorker):
    def __init__(self, queue_names: Sequence[str], app: Flask, **kwargs):
        self.app = app
        super().__init__(list(queue_names), job_class=AppContextJob.bound_to(app), **kwargs)

    def fork_work_horse(self, job, queue):
        # The clock refreshes the ECB file daily: the new one is loaded here, once.
        warm_up(self.app)
        # A pooled connection inherited by the horse would be one socket used by two processes.
        dispose_engines(self.app)
        super().fork_work_horse(job, queue)

    def _start_scheduler(self, burst=False, logging_level=None, date_format=None, log_format=None):
        """RQ's own, with a shorter interval (RQ 2.12 hard-codes one second)."""
        self.scheduler = PromptScheduler(
            self.queues,
            connection=self.connection,
            logging_level=logging_level if logging_level is not None else self.log.level,
            date_format=date_format,
            log_format=log_format,
            serializer=self.serializer,
        )
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def perform_job(self, job, queue) -> bool:
        try:
            return super().perform_job(job, queue)
        finally:
            if self._is_horse:
                # The horse ends with os._exit(): close its connections while it still can,
                # so the database sees a goodbye instead of a dropped socket.
                dispose_engines(self.app)


class PromptScheduler(RQScheduler):
    """RQ's scheduler, looking for due jobs every SCHEDULER_INTERVAL seconds. Its `interval`
    stays RQ's whole second: RQ also derives its locks' expiry from it, in whole seconds."""

    def work(self):
        self._install_signal_handlers()
        self.register_birth()
        while True:
            if self._stop_requested:
                self.stop()
                break
            if self.should_reacquire_locks:
                self.acquire_locks()
            self.heartbeat()
            self.enqueue_scheduled_jobs()
            time.sleep(SCHEDULER_INTERVAL)


def warm_up(app: Flask) -> None:
    """Load in this process what every horse would otherwise load for itself."""
    with app.app_context():
        rates = ecb_rates()  # one loaded history per file version (importing.batches)
    rates.preload()  # the currencies of Amazon's marketplaces outside the euro


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
    warm_up(app)
    gc.freeze()  # before the first fork: the horses' collections skip what they inherit
    dispose_engines(app)  # the scheduler is forked too
    worker = AppWorker(queue_names, app, connection=connection)
    # Outside any app context (`flask` pushes one for its commands): each job and each callback
    # then runs in a context of its own instead of in a copy of the long-lived one.
    return contextvars.Context().run(worker.work, burst=burst, with_scheduler=with_scheduler)
