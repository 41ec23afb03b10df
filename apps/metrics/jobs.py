"""How code below `tasks.py` queues a metrics task: by its Celery name, after commit.

`tasks.py` imports the roll-up, the run requests and the dirty marks at the top (tasks
import services); those modules queue tasks through `queue_after_commit` only, so the
import of `tasks` below is the one place the metrics tasks are reached lazily, and there is
no import cycle between them."""

from __future__ import annotations

from celery import current_app
from django.db import transaction

from apps.core.jobs import send_or_leave_for_the_sweep


def queue_after_commit(name: str, *args) -> None:
    """Send task `name` (e.g. "metrics.rollup") with `args` when the current transaction
    commits (at once outside one); eager in tests and the demo, through the broker otherwise."""
    from . import tasks  # noqa: F401 — registers the tasks under their names (see above)

    task = current_app.tasks[name]
    transaction.on_commit(lambda: send_or_leave_for_the_sweep(lambda: task.delay(*args), task=name))
