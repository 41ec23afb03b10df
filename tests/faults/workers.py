"""Start a real Celery worker (a subprocess) on the Redis and PostgreSQL that `make test`
started, on a queue of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def new_queue() -> str:
    return f"fault-{os.getpid()}-{time.monotonic_ns()}"


def start_worker(queue: str, *, app: str = "config", broker: str | None = None, **env) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_EAGER": "0",
        **({"CELERY_BROKER_URL": broker} if broker else {}),
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            app,
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)
    return worker.stdout.read().decode(errors="replace") if worker.stdout else ""


def wait_for(condition, *, timeout: float, what: str, worker: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    output = stop_worker(worker) if worker is not None else ""
    raise AssertionError(f"{what}: not within {timeout} s\n{output[-3000:]}")
