"""The sandbox of bench/sync.py, in a process of its own, counting every answer it gives.

    python bench/sync_sandbox.py PORT     (SANDBOX_* from the environment)

GET /_bench/counts answers {"requests": n, "by_status": {...}, "by_operation": {...}}: what
Kontor asked of "Amazon" and how often Amazon said 429.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import json
from werkzeug.serving import make_server

from sandbox import create_sandbox_app


class Counting:
    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.status: Counter = Counter()
        self.operation: Counter = Counter()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_bench/counts":
            with self.lock:
                body = json.dumps(
                    {
                        "requests": sum(self.status.values()),
                        "by_status": dict(self.status),
                        "by_operation": {" ".join(k): v for k, v in self.operation.items()},
                    }
                ).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if path.startswith("/_sandbox"):
            return self.app(environ, start_response)

        def counted(status, headers, exc_info=None):
            code = status.split()[0]
            with self.lock:
                self.status[code] += 1
                self.operation[(operation_of(path), code)] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, counted)


def operation_of(path: str) -> str:
    if path.startswith("/auth/o2/token"):
        return "token"
    if path.startswith("/_documents/"):
        return "download"
    if path.startswith("/reports/2021-06-30/documents/"):
        return "getReportDocument"
    if path.startswith("/reports/2021-06-30/reports/"):
        return "getReport"
    if path.startswith("/reports/2021-06-30/reports"):
        return "getReports|createReport"
    if path.startswith("/sellers/"):
        return "sellers"
    return path


def main() -> None:
    port = int(sys.argv[1])
    app = create_sandbox_app(
        {
            "SANDBOX_SELLERS": int(os.environ.get("SANDBOX_SELLERS", "4")),
            "SANDBOX_TIME_SCALE": float(os.environ.get("SANDBOX_TIME_SCALE", "1")),
            "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{port}",
        }
    )
    server = make_server("127.0.0.1", port, Counting(app), threaded=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
