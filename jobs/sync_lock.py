"""One job chain per Amazon connection at a time: a Redis lock that names its holder.

The holder is a JobRun id. A sync that waits for Amazon's rate limit is a chain of delayed RQ
jobs of one run, so the lock outlives each job: every job of the chain renews it, and its
expiry ends it when the chain is gone (a killed worker, a lost scheduled job), so a dead
worker never blocks a connection for longer than the expiry.
"""

from __future__ import annotations

from redis import Redis
from redis.exceptions import WatchError

KEY = "kontor:amazon:connection-lock:{}"

# Takes the lock for ARGV[1] if it is free or already ARGV[1]'s; returns the holder.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if (not holder) or holder == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return ARGV[1]
end
return holder
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class ConnectionLock:
    def __init__(self, redis: Redis, connection_id: int) -> None:
        self._redis = redis
        self.key = KEY.format(connection_id)

    def acquire(self, run_id: int, *, seconds: float) -> int:
        """Take or renew the lock for `run_id`, for `seconds`; returns the run that holds it
        (`run_id` itself when taken)."""
        holder = self._redis.eval(_ACQUIRE, 1, self.key, str(run_id), int(seconds * 1000))
        return int(holder)

    def release(self, run_id: int) -> None:
        """Give the lock up, if `run_id` still holds it."""
        self._redis.eval(_RELEASE, 1, self.key, str(run_id))

    def take_over(self, dead_run_id: int, run_id: int, *, seconds: float) -> bool:
        """Take the lock from a run that will never release it (it is finished and has no
        job left); False if someone else was quicker."""
        with self._redis.pipeline() as pipe:
            try:
                pipe.watch(self.key)
                if pipe.get(self.key) != str(dead_run_id).encode():
                    return False
                pipe.multi()
                pipe.set(self.key, str(run_id), px=int(seconds * 1000))
                pipe.execute()
                return True
            except WatchError:  # the key changed between the check and the set
                return False

    def holder(self) -> int | None:
        value = self._redis.get(self.key)
        return int(value) if value is not None else None
