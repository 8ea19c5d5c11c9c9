"""RQ jobs: plain functions that take ids and primitives, re-read state and are idempotent.

`flask jobs worker` (jobs.worker) runs them through `jobs.context.AppContextJob` in the one
app it builds; the web app enqueues them through `jobs.queues.get_queue`.
"""

from __future__ import annotations

from flask import Flask

from jobs import queues
from jobs.mail import enqueue_mail
from mail.notifications import OUTBOX


def init_app(app: Flask) -> None:
    """Give the app its Redis connection for queues and health checks, and the outbox of
    mail.notifications: the mail job of the "mail" queue."""
    queues.init_app(app)
    app.extensions[OUTBOX] = enqueue_mail
