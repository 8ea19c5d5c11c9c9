"""The sandbox served over real HTTP on a free loopback port, in a thread."""

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from sandbox import create_sandbox_app


@contextmanager
def serve(config: dict):
    app = create_sandbox_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
