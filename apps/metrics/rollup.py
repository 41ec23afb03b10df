"""The roll-up: measurements → engine → `RollupSnapshot` (DESIGN §4 "which snapshots
exist", §5 roll up and breaches).

Full: every metric, every period. Incremental: the (metric, period) pairs marked dirty,
plus every period overlapping them, for those metrics and their ancestors (the engine
computes what they need beneath them). Stage 1 (actuals) runs as set-based SQL on
PostgreSQL and with the engine's Python reference elsewhere; stage 2 is the engine.

Runs are serialised (an advisory lock on PostgreSQL, SQLite serialises writers anyway)
and each run is one transaction: a worker killed half-way leaves the previous rows and
its claimed dirty rows unclaimed, and a retry gives the same result. Dirty rows written
by an ingest that commits during a run are not claimed by it and wait for the next one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from apps.organization.models import Channel, Department

from . import adapters
from .engine import graph
from .engine.actuals import aggregate
from .engine.evaluate import Evaluation, cell_periods_for
from .engine.periods import PERIOD_KINDS, Period
from .engine.types import Actuals, MeasurementRow, Scope, SnapshotResult
from .models import DirtyPeriod, Measurement, Metric, RollupRun, RollupSnapshot
from .signals import metric_turned_red

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 0x43585F524F4C4C  # "CX_ROLL"
SNAPSHOT_FIELDS = [
    "actual",
    "target",
    "baseline",
    "own_score",
    "driven_score",
    "status",
    "gap",
    "value_at_stake",
]


@dataclass
class RollupStats:
    mode: str
    dirty_claimed: int = 0
    metrics: int = 0
    periods: int = 0
    written: int = 0
    deleted: int = 0
    turned_red: int = 0
    timings: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _World:
    """The hierarchy and organisation as engine values, plus id ↔ code maps."""

    metrics: dict[str, Metric]
    metric_defs: list
    links: list
    targets: list
    departments: dict[str, str | None]
    channels: list[str]
    dept_ids: dict[str, int]
    chan_ids: dict[str, int]

    @classmethod
    def load(cls) -> _World:
        metrics = {m.code: m for m in Metric.objects.filter(archived=False).select_related("owner")}
        depts = list(Department.objects.values_list("pk", "code", "parent_id"))
        code_of = {pk: code for pk, code, _ in depts}
        channels = list(Channel.objects.values_list("pk", "code"))
        links = [x for x in adapters.link_defs() if x.child in metrics and x.parent in metrics]
        targets = [t for t in adapters.target_defs() if t.metric in metrics]
        return cls(
            metrics=metrics,
            metric_defs=[adapters.metric_def(m) for m in metrics.values()],
            links=links,
            targets=targets,
            departments={code: code_of.get(parent) for _pk, code, parent in depts},
            channels=[code for _pk, code in channels],
            dept_ids={code: pk for pk, code, _ in depts},
            chan_ids={code: pk for pk, code in channels},
        )

    def scope_key(self, scope: Scope) -> tuple[str, int]:
        if scope.kind == "org":
            return ("org", 0)
        if scope.kind == "dept":
            return ("dept", self.dept_ids[scope.code])
        return ("channel", self.chan_ids[scope.code])


def python_actuals(world: _World, metric_codes: set[str] | None, periods: set[Period] | None) -> Actuals:
    """Stage 1 with the engine's reference aggregation (SQLite, and the parity tests)."""
    qs = Measurement.objects.filter(metric__archived=False)
    if metric_codes is not None:
        qs = qs.filter(metric__code__in=metric_codes)
    first = dict(
        qs.values("metric__code").annotate(first=Min("period_start")).values_list("metric__code", "first")
    )
    if periods is not None:
        # Only rows inside the periods whose cells are needed (first_measurement above
        # still looks at every row).
        window = Q()
        for p in periods:
            window |= Q(period_start__gte=p.start, period_start__lte=p.end)
        qs = qs.filter(window)
    rows = [
        MeasurementRow(code, start, dept, chan, source, value, sample, recorded)
        for code, start, dept, chan, source, value, sample, recorded in qs.values_list(
            "metric__code",
            "period_start",
            "department__code",
            "channel__code",
            "source",
            "value",
            "sample_size",
            "recorded_at",
        ).iterator(chunk_size=20000)
    ]
    actuals = aggregate(rows, world.metric_defs, world.departments, periods=periods)
    return Actuals(cells=actuals.cells, first_measurement=first)


def compute_actuals(world: _World, metric_codes: set[str] | None, periods: set[Period] | None) -> Actuals:
    """Stage 1: set-based SQL on PostgreSQL, the engine's reference elsewhere (the two are
    compared by tests/metrics/test_sql_actuals.py and the parity test)."""
    if connection.vendor == "postgresql":
        from .sql_actuals import pg_actuals

        codes = world.metrics.keys() if metric_codes is None else metric_codes
        ids = [world.metrics[c].pk for c in codes if c in world.metrics]  # active metrics only
        return pg_actuals(metric_ids=ids, periods=periods)
    return python_actuals(world, metric_codes, periods)


def overlapping_periods(period: Period) -> set[Period]:
    """Every month, quarter and year that shares a day with `period`."""
    return {Period.containing(kind, month.start) for month in period.months() for kind in PERIOD_KINDS}


def open_periods(today: date) -> set[Period]:
    """Where a breach notifies: the current month, quarter and year, and the previous month."""
    current = {Period.containing(kind, today) for kind in PERIOD_KINDS}
    return current | {Period.containing("month", today).previous()}


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
        world = _World.load()
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


def _run(
    *,
    today: date,
    metric_codes: set[str] | None,
    periods: set[Period] | None,
    mode: str,
    world: _World | None = None,
) -> RollupStats:
    stats = RollupStats(mode=mode)
    started = time.perf_counter()
    world = world or _World.load()
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
    stats.written, stats.deleted, stats.turned_red = _store(world, results, metric_codes, periods, today)
    stats.timings["upsert"] = time.perf_counter() - t
    stats.metrics = len(metric_codes) if metric_codes is not None else len(world.metrics)
    stats.periods = len({r.period for r in results})
    log.info(
        "event=rollup mode=%s written=%s deleted=%s timings=%s",
        mode,
        stats.written,
        stats.deleted,
        {k: round(v, 3) for k, v in stats.timings.items()},
    )
    return stats


def _store(
    world: _World, results: list[SnapshotResult], metric_codes, periods, today
) -> tuple[int, int, int]:
    """Upsert the results; delete the snapshots of the recomputed pairs that are gone;
    announce snapshots that turned red in an open period."""
    now = timezone.now()
    watch = open_periods(today)
    before_red = _red_before(world, results, watch)
    tuples = []
    for r in results:
        kind, scope_id = world.scope_key(r.scope)
        tuples.append(
            (
                world.metrics[r.metric].pk,
                r.period.kind,
                r.period.start,
                kind,
                scope_id,
                r.actual,
                r.target,
                r.baseline,
                r.own_score,
                r.driven_score,
                r.status,
                r.gap,
                r.value_at_stake,
                now,
            )
        )
    if connection.vendor == "postgresql":
        _copy_upsert(tuples)
    else:
        RollupSnapshot.objects.bulk_create(
            [RollupSnapshot(**dict(zip(UPSERT_COLUMNS, t, strict=True))) for t in tuples],
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["metric", "period_kind", "period_start", "scope_kind", "scope_id"],
            update_fields=[*SNAPSHOT_FIELDS, "computed_at"],
        )
    by_key = {r.key: t for r, t in zip(results, tuples, strict=True)}
    deleted = _delete_stale(world, results, metric_codes, periods, now)
    turned = 0
    for r in results:
        if r.status != "red" or r.period not in watch or r.scope.kind == "channel":
            continue
        if before_red.get(r.key):
            continue
        turned += 1
        row = RollupSnapshot(**dict(zip(UPSERT_COLUMNS, by_key[r.key], strict=True)))
        # Listeners get the values just written (no query per snapshot).
        metric_turned_red.send(
            sender=Metric,
            metric=world.metrics[r.metric],
            period=r.period,
            scope_kind=row.scope_kind,
            scope_id=row.scope_id,
            snapshot=row,
        )
    return len(tuples), deleted, turned


UPSERT_COLUMNS = [
    "metric_id",
    "period_kind",
    "period_start",
    "scope_kind",
    "scope_id",
    *SNAPSHOT_FIELDS,
    "computed_at",
]


def _copy_upsert(tuples: list[tuple]) -> None:
    """PostgreSQL: COPY the results into a temporary table and merge them with one
    INSERT … ON CONFLICT — an ORM bulk upsert of half a million rows spends most of its
    time building statements and parameters."""
    table = RollupSnapshot._meta.db_table
    columns = ", ".join(UPSERT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*SNAPSHOT_FIELDS, "computed_at"])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS rollup_snapshot_in ("
            " metric_id bigint, period_kind varchar(8), period_start date, scope_kind varchar(8),"
            " scope_id bigint, actual double precision, target double precision, baseline double precision,"
            " own_score double precision, driven_score double precision, status varchar(8),"
            " gap double precision, value_at_stake double precision, computed_at timestamptz)"
            " ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy(f"COPY rollup_snapshot_in ({columns}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM rollup_snapshot_in"
            " ON CONFLICT (metric_id, period_kind, period_start, scope_kind, scope_id)"
            f" DO UPDATE SET {updates}"
        )
        cursor.execute("TRUNCATE rollup_snapshot_in")


def _red_before(world: _World, results, watch: set[Period]) -> dict:
    """Was each red-now, open-period, org/department result already red before this run?"""
    keys = [r for r in results if r.status == "red" and r.period in watch and r.scope.kind != "channel"]
    if not keys:
        return {}
    metric_ids = {world.metrics[r.metric].pk for r in keys}
    starts = {r.period.start for r in keys}
    existing = {
        (m, k, s, sk, sid): status
        for m, k, s, sk, sid, status in RollupSnapshot.objects.filter(
            metric_id__in=metric_ids, period_start__in=starts
        )
        .exclude(scope_kind="channel")
        .values_list("metric_id", "period_kind", "period_start", "scope_kind", "scope_id", "status")
    }
    out = {}
    for r in keys:
        kind, sid = world.scope_key(r.scope)
        status = existing.get((world.metrics[r.metric].pk, r.period.kind, r.period.start, kind, sid))
        out[(r.metric, r.period, r.scope)] = status == "red"
    return out


def _delete_stale(world: _World, results, metric_codes, periods, now) -> int:
    """Snapshots of the recomputed (metric, period) pairs that this run did not write."""
    qs = RollupSnapshot.objects.filter(computed_at__lt=now)
    if metric_codes is not None:
        qs = qs.filter(metric__code__in=metric_codes)
    if periods is not None:
        by_kind = defaultdict(set)
        for p in periods:
            by_kind[p.kind].add(p.start)
        window = Q()
        for kind, starts in by_kind.items():
            window |= Q(period_kind=kind, period_start__in=starts)
        qs = qs.filter(window)
    deleted, _ = qs.delete()
    return deleted


def mark_open_periods_dirty(today: date | None = None) -> int:
    """Nightly: today's date moves pro-rating and target validity in the open periods."""
    from . import dirty

    today = today or timezone.localdate()
    metrics = list(Metric.objects.filter(archived=False).values_list("pk", "frequency"))
    pairs = []
    for pk, frequency in metrics:
        for day in (today, Period.containing("month", today).previous().start):
            pairs.append((pk, dirty.finest_period(frequency, day)))
    return dirty.mark(pairs)


def request_full_rollup(*, by) -> RollupRun:
    """Queue a full roll-up (on demand); its run row shows progress."""
    from .tasks import rollup_full_task

    run = RollupRun.objects.create(mode="full", requested_by=by)
    transaction.on_commit(lambda: rollup_full_task.delay(run.pk))
    return run


def run_requested(run_id: int | None) -> dict:
    """Execute a requested full roll-up, recording its progress on the run row."""
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
