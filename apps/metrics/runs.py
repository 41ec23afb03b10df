"""Roll-ups requested on demand (the button on /metrics/rollups/, POST /api/v1/rollups/):
a `RollupRun` row goes queued → running → done or failed, and shows progress.

The state moves by conditional UPDATEs, so two workers handed the same run cannot both
start it, and a failed run may be retried."""

from __future__ import annotations

from django.utils import timezone

from .jobs import queue_after_commit
from .models import RollupRun
from .rollup import rollup_full


def request_full_rollup(*, by) -> RollupRun:
    """Queue a full roll-up; its run row shows progress."""
    run = RollupRun.objects.create(mode="full", requested_by=by)
    queue_after_commit("metrics.rollup_full", run.pk)
    return run


def run_requested(run_id: int | None) -> dict:
    """Execute a requested full roll-up, recording its progress on the run row (no row:
    a plain full roll-up)."""
    if run_id is None:
        return rollup_full().as_dict()
    updated = RollupRun.objects.filter(pk=run_id, state__in=["queued", "failed"]).update(
        state=RollupRun.State.RUNNING, started_at=timezone.now()
    )
    if not updated:
        return {"skipped": "already running or done"}
    try:
        stats = rollup_full().as_dict()
    except Exception as exc:
        RollupRun.objects.filter(pk=run_id).update(
            state=RollupRun.State.FAILED, finished_at=timezone.now(), error=str(exc)[:500]
        )
        raise
    stats["timings"] = {k: round(v, 3) for k, v in stats["timings"].items()}
    RollupRun.objects.filter(pk=run_id).update(
        state=RollupRun.State.DONE, finished_at=timezone.now(), stats=stats
    )
    return stats
