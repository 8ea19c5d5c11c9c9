"""A heartbeat the clock enqueues every few minutes; /healthz reports its age."""

from __future__ import annotations

from datetime import UTC, datetime

from jobs.queues import get_redis

HEARTBEAT_KEY = "kontor:worker:heartbeat"


def record_heartbeat() -> str:
    stamp = datetime.now(UTC).isoformat()
    get_redis().set(HEARTBEAT_KEY, stamp, ex=24 * 3600)
    return stamp
