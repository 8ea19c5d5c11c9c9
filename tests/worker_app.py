"""The app factory of the worker tests: Kontor's own, noting every call in a marker file.

`flask --app worker_app:create_app jobs worker` then shows how often the worker built an app,
and every app it built carries the id of the process that built it.
"""

from __future__ import annotations

import os

import app as kontor


def create_app():
    built = kontor.create_app({"BUILT_IN_PID": os.getpid()})
    with open(os.environ["KONTOR_APP_MARKER"], "a", encoding="utf-8") as marker:
        marker.write(f"{os.getpid()}\n")
    return built
