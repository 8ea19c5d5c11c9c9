"""Real servers for one test: a WSGI app over HTTP on a free loopback port (in a thread), and a
worker process."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server


@contextmanager
def serve_wsgi(app) -> Iterator[str]:
    """Yields the base URL (http://127.0.0.1:PORT); stops the server afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


PROJECT = Path(__file__).resolve().parents[1]


@contextmanager
def running_worker(
    arguments: list[str], env: dict[str, str], log_path: Path
) -> Iterator[subprocess.Popen]:
    """`flask jobs worker ARGUMENTS` in its own process until the block ends, its output in
    `log_path` (a pipe nobody reads would fill up and stop it); `.log_path` says where."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "worker",
             *arguments],
            cwd=PROJECT,
            env={**os.environ, "KONTOR_ENV": "test", **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        process.log_path = log_path  # type: ignore[attr-defined]
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
