"""The `state` of the consent flow: random, single use, valid 10 minutes, bound to the
browser session, the user and the client (DESIGN §2.2).

Only a hash of the state is kept, in Redis (shared by every web process) with its expiry;
redeeming deletes it in the same step (GETDEL), so a state is good for one callback at most.
The session holds a nonce whose hash is stored with the state: a state copied into another
browser is worthless there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

STATE_LIFETIME = 10 * 60  # seconds
KEY_PREFIX = "kontor:amazon-consent:"


@dataclass(frozen=True)
class PendingConsent:
    user_id: int
    client_id: int
    next_url: str  # a local URL to return to after the callback, or ""


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


class ConsentStates:
    def __init__(self, redis, lifetime: int | None = None) -> None:
        self.redis = redis
        self.lifetime = lifetime or STATE_LIFETIME

    def issue(self, *, nonce: str, user_id: int, client_id: int, next_url: str = "") -> str:
        state = secrets.token_urlsafe(32)
        record = {
            "nonce": digest(nonce),
            "user_id": user_id,
            "client_id": client_id,
            "next": next_url,
        }
        self.redis.set(KEY_PREFIX + digest(state), json.dumps(record), ex=self.lifetime)
        return state

    def redeem(self, state: str, *, nonce: str | None, user_id: int) -> PendingConsent | None:
        """The consent `state` was issued for, if it is known, unexpired, unused and belongs
        to this session and user; None otherwise. Either way the state is used up."""
        if not state or len(state) > 200:
            return None
        raw = self.redis.getdel(KEY_PREFIX + digest(state))
        if raw is None or not nonce:
            return None
        record = json.loads(raw)
        if not hmac.compare_digest(record["nonce"], digest(nonce)):
            return None
        if record["user_id"] != user_id:
            return None
        return PendingConsent(
            user_id=record["user_id"], client_id=record["client_id"], next_url=record["next"]
        )
