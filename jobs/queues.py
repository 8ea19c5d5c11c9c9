"""The Redis connection and the RQ queues of an app.

RQ needs a client without decode_responses (it stores pickled bytes), so this is
the one client the app uses for queues and health checks alike.
"""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

from jobs.context import AppContextJob

# In the order a worker listens: uploads first, then mail, then the periodic rest.
QUEUE_NAMES = ("imports", "mail", "default")


def init_app(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )


def get_redis() -> Redis:
    return current_app.extensions["redis"]


def get_queue(name: str = "default") -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis(), job_class=AppContextJob)
