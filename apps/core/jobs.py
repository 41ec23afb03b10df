"""Queueing a job must never undo or fail the change that asked for it.

A change commits first and queues its follow-up after commit (DESIGN §5). If the broker is
down at that moment, the send fails: the change is committed all the same and its work is
not lost — the dirty rows and the unsent mail wait in the database, and the periodic sweep
and outbox jobs pick them up once the broker is back. So a send that cannot reach the
broker is logged, not raised into the request."""

from __future__ import annotations

import logging

from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


def send_or_leave_for_the_sweep(send, *, task: str) -> None:
    try:
        send()
    except OperationalError as exc:
        log.warning("event=queue_failed task=%s error=%s (the periodic job will pick the work up)", task, exc)
