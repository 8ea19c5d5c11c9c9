"""The daily sync of every active connection, enqueued by the clock (jobs.schedule).

The clock runs `enqueue_daily_syncs` every hour; in the hour SYNC_HOUR_UTC it schedules one
job per active connection, spread over the hour by connection id, so thousands of connections
do not call Amazon in the same second. A Redis key per connection and day makes a second firing
of the clock (a restart, two clock processes by mistake) enqueue nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from rq.exceptions import DuplicateJobError

from jobs.amazon_sync import FAILURE_TTL, QUEUE, enqueue_sync, schedule_new_job
from jobs.queues import get_queue, get_redis
from models import db
from models.amazon_connection import AmazonConnection, ConnectionState

HOUR = 3600
GUARD = "kontor:amazon:daily-sync:{day}:{connection_id}"
# Knuth's multiplicative hash: consecutive ids land far apart in the hour.
SPREAD_FACTOR = 2654435761


def spread_offset(connection_id: int) -> int:
    """Seconds into the sync hour at which the connection's sync starts."""
    return (connection_id * SPREAD_FACTOR) % (2**32) * HOUR // (2**32)


def enqueue_daily_syncs(now: datetime | None = None) -> int:
    """In the sync hour: schedule today's sync of every active connection not scheduled yet.
    Returns how many it scheduled."""
    now = now or datetime.now(UTC)
    if now.hour != current_app.config["SYNC_HOUR_UTC"]:
        return 0
    day = now.date()
    hour_start = now.replace(minute=0, second=0, microsecond=0)
    ids = db.session.scalars(
        sa.select(AmazonConnection.id)
        .where(AmazonConnection.state == ConnectionState.ACTIVE.value)
        .order_by(AmazonConnection.id)
    ).all()
    redis, queue = get_redis(), get_queue(QUEUE)
    scheduled = 0
    for connection_id in ids:
        guard = GUARD.format(day=day.isoformat(), connection_id=connection_id)
        if not redis.set(guard, 1, nx=True, ex=2 * 86400):
            continue  # the clock fired before today
        at = max(hour_start + timedelta(seconds=spread_offset(connection_id)), now)
        job = queue.create_job(
            start_daily_sync,
            args=(connection_id, day.isoformat()),
            job_id=f"amazon-daily-sync-{connection_id}-{day.isoformat()}",
            failure_ttl=FAILURE_TTL,
        )
        try:
            schedule_new_job(queue, job, at)
        except DuplicateJobError:
            continue  # scheduled already (its guard expired early, say)
        scheduled += 1
    return scheduled


def start_daily_sync(connection_id: int, day: str) -> int | None:
    """The scheduled start of one connection's daily sync; returns its run id."""
    connection = db.session.get(AmazonConnection, connection_id)
    if connection is None or not connection.active:
        return None  # disconnected or waiting for renewal since the clock fired
    if date.fromisoformat(day) < datetime.now(UTC).date() - timedelta(days=1):
        return None  # a day long gone (the worker was down): today's sync covers it
    return enqueue_sync(connection).id
