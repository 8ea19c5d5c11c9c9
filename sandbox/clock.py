"""The sandbox's notion of "now", which tests can freeze, set and advance."""

import threading
import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    """A UTC clock: real time shifted by an offset, or frozen at a point in time.

    Everything in the sandbox that depends on time (token and URL expiry, report processing,
    which settlements exist, rate-limit refill) reads this clock, so a test can move Amazon
    into any situation without waiting.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False):
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)
        if start is not None:
            self.set(start, frozen=frozen)
        elif frozen:
            self._frozen_at = self._real_now()

    @staticmethod
    def _real_now() -> datetime:
        return datetime.fromtimestamp(time.time(), UTC)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._real_now() + self._offset

    def set(self, when: datetime, *, frozen: bool | None = None) -> None:
        """Jump to `when`; keep running (or stay frozen) unless `frozen` says otherwise."""
        if when.tzinfo is None:
            raise ValueError("the sandbox clock needs an aware datetime")
        when = when.astimezone(UTC)
        with self._lock:
            stay_frozen = self._frozen_at is not None if frozen is None else frozen
            if stay_frozen:
                self._frozen_at = when
            else:
                self._frozen_at = None
                self._offset = when - self._real_now()

    def advance(self, seconds: float) -> datetime:
        self.set(self.now() + timedelta(seconds=seconds))
        return self.now()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None


def parse_clock_config(value, frozen: bool | None = None) -> SandboxClock:
    """SANDBOX_CLOCK: a SandboxClock; an aware datetime or ISO string to start from; or None
    for real time. A datetime freezes the clock there and a string (from the environment)
    starts a running clock, unless SANDBOX_CLOCK_FROZEN says otherwise."""
    if value is None or value == "":
        return SandboxClock(frozen=bool(frozen))
    if isinstance(value, SandboxClock):
        return value
    if frozen is None:
        frozen = isinstance(value, datetime)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        return SandboxClock(value, frozen=frozen)
    raise TypeError(f"SANDBOX_CLOCK cannot be {value!r}")
