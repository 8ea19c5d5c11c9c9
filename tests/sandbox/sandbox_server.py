"""The sandbox served over real HTTP on a free loopback port, in a thread."""

from contextlib import contextmanager

from sandbox import create_sandbox_app
from tests.live_server import serve_wsgi


@contextmanager
def serve(config: dict):
    app = create_sandbox_app(config)
    with serve_wsgi(app) as base_url:
        yield base_url, app
