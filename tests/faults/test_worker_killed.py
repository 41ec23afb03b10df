"""A Celery worker killed with SIGKILL in the middle of a roll-up: the task is redelivered
(acks_late, reject on worker lost, the broker's visibility timeout — short in test
settings) and the snapshots are the same as an uninterrupted run's (DESIGN §5)."""

import os
import signal
from datetime import date

import pytest
from django.db import transaction

from apps.metrics import dirty, ingest
from apps.metrics.models import DirtyPeriod, Metric, RollupSnapshot
from config.celery_app import app as celery_app

from .workers import new_queue, start_worker, stop_worker, wait_for

BROKER = os.environ.get("CELERY_BROKER_URL", "")
FIELDS = [f.attname for f in RollupSnapshot._meta.fields if f.name not in ("id", "computed_at")]


def _snapshots() -> list[tuple]:
    return sorted(RollupSnapshot.objects.values_list(*FIELDS))


def _measurements(p, hierarchy):
    rows = []
    for month in range(1, 7):
        start = date(2025, month, 1).isoformat()
        rows += [
            {
                "metric": "AHT",
                "source": "fault",
                "period_start": start,
                "department": "SERVICE",
                "value": 280 + 5 * month,
                "sample_size": 40,
            },
            {"metric": "WEB_ERR", "source": "fault", "period_start": start, "value": 40 + month},
            {
                "metric": "CSAT",
                "source": "fault",
                "period_start": start,
                "value": 76 + month / 2,
                "sample_size": 100,
            },
            {"metric": "REVENUE", "source": "fault", "period_start": start, "value": 95000 + 1000 * month},
        ]
    result = ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert result.ok, result.as_dict()


@pytest.mark.worker
@pytest.mark.skipif(not BROKER, reason="needs the Redis that make test starts (CELERY_BROKER_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_rollup_leaves_the_same_snapshots_once_redelivered(p, hierarchy, tmp_path):
    _measurements(p, hierarchy)

    # The uninterrupted run: every year of every metric dirty, rolled up in process.
    RollupSnapshot.objects.all().delete()
    with transaction.atomic():
        dirty.mark_years(Metric.objects.values_list("pk", flat=True))
        marked = list(DirtyPeriod.objects.values_list("metric_id", "period_kind", "period_start"))
    reference = _snapshots()
    assert reference and not DirtyPeriod.objects.exists()

    # The same dirty rows again (written directly: no trigger), rolled up by a worker
    # that is killed once it has written the snapshots, before its transaction commits.
    RollupSnapshot.objects.all().delete()
    DirtyPeriod.objects.bulk_create(
        DirtyPeriod(metric_id=m, period_kind=k, period_start=s) for m, k, s in marked
    )
    queue = new_queue()
    marker = tmp_path / "in-the-middle"
    doomed = start_worker(queue, app="tests.faults.slow_worker", FAULT_MARKER=str(marker))
    try:
        celery_app.send_task("metrics.rollup", queue=queue)
        wait_for(marker.exists, timeout=60, what="the roll-up reaching the store", worker=doomed)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    finally:
        stop_worker(doomed)
    assert doomed.returncode == -signal.SIGKILL
    # Nothing of the killed run committed: its claim and its snapshots rolled back.
    assert DirtyPeriod.objects.count() == len(marked)
    assert not RollupSnapshot.objects.exists()

    # A healthy worker on the same queue gets the same message back (nothing re-sent).
    worker = start_worker(queue)
    try:
        wait_for(
            lambda: not DirtyPeriod.objects.exists() and RollupSnapshot.objects.exists(),
            timeout=120,
            what="the redelivered roll-up",
            worker=worker,
        )
    finally:
        stop_worker(worker)
    after = _snapshots()
    print(f"worker killed mid roll-up: {len(marked)} dirty pairs, {len(after)} snapshots after redelivery")
    assert after == reference
