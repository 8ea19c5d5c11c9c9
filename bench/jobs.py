"""Benchmark of the worker: N trivial jobs through a real worker process, before and after.

    .venv/bin/python bench/jobs.py [--jobs 100] [--old-tree DIR]

Each run enqueues the same N jobs on a private redis-server, then times a real worker process
in burst mode from its start to its exit (--with-scheduler in every run); a run with an empty
queue first shows what each process costs before its first job:

- baseline: plain `rq worker` with RQ's own job class and a job that needs no app; what forking
  a work horse per job costs by itself, measured in the same run as the others;
- before: plain `rq worker` with a job class that builds the app in every horse, as Kontor's
  AppContextJob did up to commit 94413f5 (bench/trivial_jobs.AppPerJob);
- after: `flask jobs worker --burst`, the app built once.

The app jobs read the config and run SELECT 1 (SQLite in a temporary folder unless
DATABASE_URL is set). With --old-tree DIR (`git worktree add DIR 94413f5`) "before" runs that
commit's own Procfile command instead of the emulation. The requirement: "after" takes at
most a quarter of the time of "before" (the app is built once, not per job; the one build at
the start is included). Exit status 1 if it does not, or if a job failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

PROJECT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
MAX_AFTER_VS_BEFORE = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            Redis.from_url(url).ping()
            return process, url
        except RedisError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)


def timed_burst(command: list[str], cwd: Path, env: dict, redis_url: str, job: str, n: int):
    """Enqueue n jobs, run the worker command until it exits; its wall time in seconds."""
    connection = Redis.from_url(redis_url)
    connection.flushall()
    queue = Queue("default", connection=connection)
    for _ in range(n):
        queue.enqueue(job)
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    finished = queue.finished_job_registry.count
    if completed.returncode != 0 or finished != n:
        failed = queue.failed_job_registry.get_job_ids()
        detail = Queue("default", connection=connection).fetch_job(failed[0]) if failed else None
        raise SystemExit(
            f"{' '.join(command[:4])}...: exit {completed.returncode}, {finished}/{n} finished\n"
            f"{detail.latest_result().exc_string if detail else completed.stderr[-2000:]}"
        )
    return seconds


def rq_worker(redis_url: str, job_class: str | None = None) -> list[str]:
    command = [sys.executable, "-m", "rq.cli", "worker", "--burst", "--with-scheduler"]
    if job_class:
        command += ["--job-class", job_class]
    return [*command, "--url", redis_url, "default"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--old-tree", type=Path, help="a worktree of commit 94413f5")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (make services)")

    with tempfile.TemporaryDirectory(prefix="kontor-bench-jobs-") as tmp:
        redis, redis_url = start_redis(Path(tmp))
        try:
            result = run_all(args.jobs, args.old_tree, Path(tmp), redis_url)
        finally:
            redis.terminate()
            redis.wait(timeout=10)
    print(json.dumps(result, indent=2))
    return 0 if result["after_vs_before"] <= MAX_AFTER_VS_BEFORE else 1


def run_all(n: int, old_tree: Path | None, tmp: Path, redis_url: str) -> dict:
    def env_for(tree: Path) -> dict:
        return {
            **os.environ,
            # The tree first: bench/ holds a jobs.py of its own.
            "PYTHONPATH": os.pathsep.join([str(tree), str(BENCH)]),
            "KONTOR_ENV": "development",
            "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}"),
            "REDIS_URL": redis_url,
        }

    app_job = "trivial_jobs.touch_app_and_database"
    if old_tree is None:
        before = (
            "rq worker --job-class trivial_jobs.AppPerJob (emulates 94413f5)",
            PROJECT,
            rq_worker(redis_url, "trivial_jobs.AppPerJob"),
        )
    else:
        before = (
            f"rq worker --job-class jobs.context.AppContextJob in {old_tree}",
            old_tree.resolve(),
            rq_worker(redis_url, "jobs.context.AppContextJob"),
        )
    runs = {
        "baseline": ("rq worker, RQ's Job, a job without app", PROJECT, rq_worker(redis_url),
                     "trivial_jobs.nothing"),
        "before": (*before, app_job),
        "after": ("flask jobs worker --burst", PROJECT,
                  [sys.executable, "-m", "flask", "--app", "app:create_app", "jobs", "worker",
                   "--burst", "default"], app_job),
    }  # fmt: skip
    seconds, startup = {}, {}
    for name, (_, cwd, command, job) in runs.items():
        # With an empty queue first: what the process costs before its first job.
        startup[name] = timed_burst(command, cwd, env_for(cwd), redis_url, job, 0)
        seconds[name] = timed_burst(command, cwd, env_for(cwd), redis_url, job, n)

    def figures(name: str) -> dict:
        return {
            "command": runs[name][0],
            "seconds": round(seconds[name], 2),
            "ratio_to_baseline": round(seconds[name] / seconds["baseline"], 2),
            "ms_per_job": round(seconds[name] / n * 1000, 1),
            "empty_queue_seconds": round(startup[name], 2),
            "ms_per_job_after_start": round((seconds[name] - startup[name]) / n * 1000, 1),
        }

    return {
        "jobs": n,
        "database": env_for(PROJECT)["DATABASE_URL"].split(":", 1)[0],
        **{name: figures(name) for name in runs},
        "after_vs_before": round(seconds["after"] / seconds["before"], 3),
    }


if __name__ == "__main__":
    sys.exit(main())
