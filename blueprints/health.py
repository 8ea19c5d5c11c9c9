"""GET /healthz: the state of the database and Redis, for load balancers and monitoring."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from extensions import db
from jobs.health import HEARTBEAT_KEY
from jobs.queues import get_redis

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    database = _check_database()
    redis = _check_redis()
    healthy = database["ok"] and redis["ok"]
    body = {"status": "ok" if healthy else "error", "database": database, "redis": redis}
    return jsonify(body), 200 if healthy else 503


def _check_database() -> dict:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"ok": True, "backend": db.engine.dialect.name}
    except SQLAlchemyError as error:
        db.session.rollback()
        return {"ok": False, "backend": db.engine.dialect.name, "error": type(error).__name__}


def _check_redis() -> dict:
    try:
        redis = get_redis()
        redis.ping()
        heartbeat = redis.get(HEARTBEAT_KEY)
    except RedisError as error:
        return {"ok": False, "error": type(error).__name__}
    result: dict = {"ok": True}
    if heartbeat:
        beat = datetime.fromisoformat(heartbeat.decode())
        result["worker_heartbeat_age_seconds"] = int((datetime.now(UTC) - beat).total_seconds())
    return result
