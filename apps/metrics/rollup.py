"""The roll-up: measurements → engine → `RollupSnapshot` (DESIGN §4 "which snapshots
exist", §5 roll up and breaches). This module runs it; each stage has its own room:

- stage 1, the actuals: `sql_actuals.pg_actuals` (set-based SQL) on PostgreSQL,
  `python_actuals.python_actuals` (the engine's reference) elsewhere;
- stage 2, the engine (`engine.evaluate.Evaluation`): targets, scores, status, gaps, money;
- the store (`snapshot_store.store`): upsert, stale deletion, red announcements.

What it reads is a `world.World`; what marks work for it is `dirty.py`; requested runs and
their progress rows are `runs.py`; the Celery tasks are `tasks.py`.

Full: every metric, every period. Incremental: the (metric, period) pairs marked dirty,
plus every period overlapping them, for those metrics and their ancestors (the engine
computes what they need beneath them).

Runs are serialised (an advisory lock on PostgreSQL, SQLite serialises writers anyway)
and each run is one transaction: a worker killed half-way leaves the previous rows and
its claimed dirty rows unclaimed, and a retry gives the same result. Dirty rows written
by an ingest that commits during a run are not claimed by it and wait for the next one.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import rollup_sql, snapshot_store
from .engine import graph
from .engine.evaluate import Evaluation, cell_periods_for
from .engine.periods import PERIOD_KINDS, Period
from .engine.types import Actuals
from .models import DirtyPeriod, Metric
from .python_actuals import python_actuals
from .signals import rollup_finished
from .sql_actuals import pg_actuals
from .world import World

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x43585F524F4C4C  # "CX_ROLL"


@dataclass
class RollupStats:
    mode: str
    engine: str = "python"  # stage 2: "python" (engine.evaluate) or "sql" (rollup_sql)
    dirty_claimed: int = 0
    metrics: int = 0
    periods: int = 0
    written: int = 0
    unchanged: int = 0
    deleted: int = 0
    turned_red: int = 0
    timings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def compute_actuals(world: World, metric_codes: set[str] | None, periods: set[Period] | None) -> Actuals:
    """Stage 1: set-based SQL on PostgreSQL, the engine's reference elsewhere (the two are
    compared by tests/metrics/test_sql_actuals.py and the parity test)."""
    if connection.vendor == "postgresql":
        codes = world.metrics.keys() if metric_codes is None else metric_codes
        ids = [world.metrics[c].pk for c in codes if c in world.metrics]  # active metrics only
        return pg_actuals(metric_ids=ids, periods=periods)
    return python_actuals(world, metric_codes, periods)


def overlapping_periods(period: Period) -> set[Period]:
    """Every month, quarter and year that shares a day with `period`."""
    return {Period.containing(kind, month.start) for month in period.months() for kind in PERIOD_KINDS}


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _claim_dirty() -> tuple[uuid.UUID, list[tuple[int, Period]]]:
    token = uuid.uuid4()
    candidates = DirtyPeriod.objects.filter(claim_token__isnull=True).values("pk")
    if connection.features.has_select_for_update_skip_locked:
        candidates = candidates.select_for_update(skip_locked=True)
    DirtyPeriod.objects.filter(
        claim_token__isnull=True, pk__in=list(candidates.values_list("pk", flat=True))
    ).update(claim_token=token, claimed_at=timezone.now())
    pairs = {
        (metric_id, Period(kind, start))
        for metric_id, kind, start in DirtyPeriod.objects.filter(claim_token=token).values_list(
            "metric_id", "period_kind", "period_start"
        )
    }
    return token, sorted(pairs, key=lambda x: (x[0], x[1].sort_key))


def rollup_full(*, today: date | None = None) -> RollupStats:
    """Recompute every snapshot; delete those no longer produced. Clears all dirty rows."""
    with transaction.atomic():
        _lock()
        token, _pairs = _claim_dirty()
        stats = _run(today=today or timezone.localdate(), metric_codes=None, periods=None, mode="full")
        DirtyPeriod.objects.filter(claim_token=token).delete()
    return stats


def rollup_dirty(*, today: date | None = None) -> RollupStats:
    """Recompute the claimed dirty pairs and the metrics above them (DESIGN §5)."""
    with transaction.atomic():
        _lock()
        token, pairs = _claim_dirty()
        if not pairs:
            return RollupStats(mode="incremental")
        world = World.load()
        code_of = {m.pk: code for code, m in world.metrics.items()}
        codes = {code_of[m] for m, _p in pairs if m in code_of}
        wanted = codes | graph.ancestors(codes, world.links)
        periods: set[Period] = set()
        for _metric, period in pairs:
            periods |= overlapping_periods(period)
        stats = _run(
            today=today or timezone.localdate(),
            metric_codes=wanted,
            periods=periods,
            mode="incremental",
            world=world,
        )
        stats.dirty_claimed = len(pairs)
        DirtyPeriod.objects.filter(claim_token=token).delete()
    return stats


def set_based() -> bool:
    """Whether stage 2 runs set-based in PostgreSQL (``rollup_sql``) rather than in the
    Python engine: on PostgreSQL when settings.ROLLUP_SET_BASED is true (SQLite always
    uses the engine)."""
    return connection.vendor == "postgresql" and getattr(settings, "ROLLUP_SET_BASED", False)


def _run(
    *,
    today: date,
    metric_codes: set[str] | None,
    periods: set[Period] | None,
    mode: str,
    world: World | None = None,
) -> RollupStats:
    stats = RollupStats(mode=mode)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # §4: recomputing the same inputs gives identical rows. A parallel aggregate adds
        # its workers' partial sums in whatever order they finish (and a synchronized scan
        # starts where another scan is), so float sums would differ in the last bits from
        # run to run and a re-run would rewrite rows that did not change. For this
        # transaction only.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
                " set_config('synchronize_seqscans', 'off', true)"
            )
    world = world or World.load()
    if set_based():
        stats.engine = "sql"
        rollup_sql.run(
            world,
            today=today,
            metric_codes=metric_codes,
            periods=periods,
            now=timezone.now(),
            timings=stats.timings,
        )
        t = time.perf_counter()
        stored = snapshot_store.store(world, None, metric_codes, periods, today, stats.timings)
        stats.timings["upsert"] = time.perf_counter() - t - stats.timings.get("announce", 0.0)
    else:
        needed = None
        if metric_codes is not None:
            needed = metric_codes | graph.descendants(metric_codes, world.links)
        actuals = compute_actuals(world, needed, cell_periods_for(periods))
        stats.timings["actuals"] = time.perf_counter() - started

        t = time.perf_counter()
        evaluation = Evaluation(
            actuals,
            metrics=world.metric_defs,
            links=world.links,
            targets=world.targets,
            departments=world.departments,
            channels=world.channels,
            today=today,
        )
        results = evaluation.snapshots(periods, metric_codes)
        stats.timings["engine"] = time.perf_counter() - t

        t = time.perf_counter()
        stored = snapshot_store.store(world, results, metric_codes, periods, today, stats.timings)
        del results, evaluation, actuals
        stats.timings["upsert"] = time.perf_counter() - t - stats.timings.get("announce", 0.0)
    stats.written, stats.unchanged = stored.written, stored.unchanged
    stats.deleted, stats.turned_red = stored.deleted, stored.turned_red
    written_periods = set(stored.periods)
    stats.metrics = len(metric_codes) if metric_codes is not None else len(world.metrics)
    stats.periods = len(written_periods)
    codes = world.metrics.keys() if metric_codes is None else metric_codes
    rollup_finished.send(
        sender=Metric,
        metric_ids={world.metrics[c].pk for c in codes if c in world.metrics},
        periods=written_periods | set(periods or ()),
    )
    log.info(
        "event=rollup mode=%s written=%s unchanged=%s deleted=%s timings=%s",
        mode,
        stats.written,
        stats.unchanged,
        stats.deleted,
        {k: round(v, 3) for k, v in stats.timings.items()},
    )
    return stats
