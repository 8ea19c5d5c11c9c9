"""Amazon's usage plans: token buckets per operation and seller, and injected faults."""

import threading
from dataclasses import dataclass, field
from datetime import datetime

# (rate per second, burst) from the usage plans in the official models.
USAGE_PLANS = {
    "getReports": (0.0222, 10),
    "createReport": (0.0167, 15),
    "cancelReport": (0.0222, 10),
    "getReport": (2.0, 15),
    "getReportSchedules": (0.0222, 10),
    "createReportSchedule": (0.0222, 10),
    "getReportSchedule": (0.0222, 10),
    "cancelReportSchedule": (0.0222, 10),
    "getReportDocument": (0.0167, 15),
    "getMarketplaceParticipations": (0.016, 15),
    "getAccount": (0.016, 15),
}


class RateLimiter:
    """Token buckets that refill with the sandbox clock, `time_scale` times faster."""

    def __init__(self, clock, time_scale: float = 1.0, enabled: bool = True):
        self.clock = clock
        self.time_scale = time_scale
        self.enabled = enabled
        self._buckets: dict[tuple[str, str], tuple[float, datetime]] = {}
        self._lock = threading.Lock()

    def take(self, operation: str, seller: str) -> bool:
        if not self.enabled:
            return True
        rate, burst = USAGE_PLANS[operation]
        now = self.clock.now()
        with self._lock:
            tokens, last = self._buckets.get((operation, seller), (float(burst), now))
            elapsed = max(0.0, (now - last).total_seconds())
            tokens = min(float(burst), tokens + elapsed * rate * self.time_scale)
            # The clock has microsecond resolution; don't let rounding withhold a token.
            allowed = tokens >= 1 - 1e-6
            self._buckets[(operation, seller)] = (max(0.0, tokens - 1) if allowed else tokens, now)
            return allowed

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


FAULT_KINDS = {"500", "503", "429", "slow", "truncated_gzip", "expired_url", "revoked_token"}


@dataclass
class Fault:
    """One injected failure.

    kind: "500", "503", "429" (any operation, the token endpoint and document downloads),
    "slow" (sleeps `seconds` before answering), "truncated_gzip" and "expired_url" (document
    downloads), "revoked_token" (refresh_token grants answer invalid_grant).
    operation: an SP-API operationId, "token" or "downloadDocument"; None matches all.
    seller: a selling_partner_id; None matches all. times: how often; None for ever.
    """

    kind: str
    operation: str | None = None
    seller: str | None = None
    times: int | None = None
    seconds: float = 0.0
    used: int = field(default=0)

    @classmethod
    def from_dict(cls, data: dict) -> "Fault":
        kind = str(data.get("kind", ""))
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(FAULT_KINDS)}")
        times = data.get("times")
        return cls(
            kind=kind,
            operation=data.get("operation"),
            seller=data.get("seller"),
            times=None if times is None else int(times),
            seconds=float(data.get("seconds", 0.0)),
        )

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "operation": self.operation,
            "seller": self.seller,
            "times": self.times,
            "seconds": self.seconds,
            "used": self.used,
        }


class Faults:
    def __init__(self, faults=()):
        self._lock = threading.Lock()
        self._faults = [f if isinstance(f, Fault) else Fault.from_dict(f) for f in faults]

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[dict]:
        with self._lock:
            return [f.to_dict() for f in self._faults]

    def take(self, kinds: set[str], operation: str, seller: str | None) -> Fault | None:
        """The first matching fault of one of `kinds`, counting its use."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds:
                    continue
                if fault.operation not in (None, operation):
                    continue
                if fault.seller not in (None, seller):
                    continue
                if fault.times is not None and fault.used >= fault.times:
                    continue
                fault.used += 1
                return fault
        return None
