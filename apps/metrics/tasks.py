"""The roll-up's Celery tasks. They take ids and call the roll-up; the code below them
queues them by name through `jobs.queue_after_commit` (so nothing here is imported lazily)."""

from celery import shared_task

from .dirty import mark_open_periods_dirty
from .evidence.services import compute as evidence_compute
from .rollup import rollup_dirty
from .runs import run_requested


@shared_task(name="metrics.rollup", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def rollup_task() -> dict:
    """Recompute the dirty (metric, period) pairs: queued on commit after each ingest or
    edit, and run every few minutes as a sweep that catches a lost trigger."""
    return rollup_dirty().as_dict()


@shared_task(name="metrics.rollup_full", autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def rollup_full_task(run_id: int | None = None) -> dict:
    """Recompute everything (on demand, with a run row showing progress)."""
    return run_requested(run_id)


@shared_task(name="metrics.rollup_nightly")
def rollup_nightly_task() -> dict:
    """Nightly: the open periods of every metric, since today's date moves pro-rating."""
    mark_open_periods_dirty()
    return rollup_dirty().as_dict()


@shared_task(
    name="metrics.driver_evidence",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
)
def driver_evidence_task(parent_ids: list[int] | None) -> int:
    """After a roll-up: recompute the driver evidence (DESIGN §4 item 13) of the links into
    these parents (every parent when None). Idempotent; takes ids."""
    return evidence_compute(parent_ids)
