"""Self-contained, signed LWA tokens, so tokens stay valid across sandbox restarts (same seed)."""

import base64
import hashlib
import hmac
import json


class TokenSigner:
    def __init__(self, key: bytes):
        self._key = key

    def _sign(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, prefix: str, payload: dict) -> str:
        """A token like Amazon's `Atza|...` / `Atzr|...`, carrying `payload`."""
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return f"{prefix}|IwEB{body}.{self._sign(body)}"

    def read(self, prefix: str, token: str | None) -> dict | None:
        """The payload of a token this sandbox issued, or None for anything else."""
        if not token or not token.startswith(f"{prefix}|IwEB"):
            return None
        body, _, signature = token[len(prefix) + 5 :].rpartition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None
