"""The Celery app for a worker that is killed in the middle of a roll-up: the same app as
config.celery_app, with the snapshot store slowed down. Once a roll-up has written its
snapshots (inside its transaction, not yet committed) it writes FAULT_MARKER and sleeps,
so the test can SIGKILL the worker at that point."""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from config.celery_app import app

__all__ = ["app"]


@task_prerun.connect
def _slow_down_the_store(**_kwargs):
    from apps.metrics import snapshot_store

    if getattr(snapshot_store.store, "slowed", False):
        return
    original = snapshot_store.store

    def store(*args, **kwargs):
        result = original(*args, **kwargs)
        Path(os.environ["FAULT_MARKER"]).write_text("snapshots written, not committed")
        time.sleep(300)
        return result

    store.slowed = True
    snapshot_store.store = store
