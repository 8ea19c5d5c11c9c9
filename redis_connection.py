"""The Redis connection and RQ queues of an app.

RQ needs a client without decode_responses (it stores pickled bytes), so this is
the one client the app uses for queues and health checks alike.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

QUEUE_NAMES = ("default", "imports", "mail")


def init_redis(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )


def get_redis() -> Redis:
    return current_app.extensions["redis"]


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    from jobs.context import AppContextJob

    return Queue(name, connection=get_redis(), job_class=AppContextJob)
