"""`flask jobs worker [QUEUE...] [--burst]`: the RQ worker, with the app built once."""

from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask.cli import AppGroup, ScriptInfo
from redis.exceptions import ConnectionError as RedisConnectionError

from jobs.queues import QUEUE_NAMES
from jobs.worker import run_worker

jobs_cli = AppGroup("jobs", help="Hintergrundaufträge (RQ).")


@jobs_cli.command("worker", with_appcontext=False)
@click.argument("queues", nargs=-1, type=click.Choice(QUEUE_NAMES))
@click.option("--burst", is_flag=True, help="Beenden, sobald die Warteschlangen leer sind.")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    show_default=True,
    help="Zeitversetzte und wiederholte Aufträge einreihen (RQ-Scheduler).",
)
def worker_command(queues: tuple[str, ...], burst: bool, with_scheduler: bool) -> None:
    """Arbeitet die Warteschlangen ab (ohne Angabe: imports, mail, default)."""
    # The app the CLI has already loaded: built once, inherited by every forked work horse.
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    try:
        run_worker(app, queues or QUEUE_NAMES, burst=burst, with_scheduler=with_scheduler)
    except RedisConnectionError as exc:
        # Host and port only: REDIS_URL carries the password on hosted Redis.
        url = urlsplit(app.config["REDIS_URL"])
        raise click.ClickException(
            f"Redis ist unter {url.hostname}:{url.port or 6379} nicht erreichbar ({exc})."
        ) from None
