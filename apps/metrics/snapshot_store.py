"""Writing the engine's results as `RollupSnapshot` rows (DESIGN §4 "which snapshots
exist", §5 breaches): upsert what the run computed, delete what it no longer produces, and
announce the snapshots that turned red in an open period.

Called inside the roll-up's transaction and lock (`rollup.py`); knows nothing of how the
results were computed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from .engine.periods import PERIOD_KINDS, Period
from .engine.types import SnapshotResult
from .models import Metric, RollupSnapshot
from .signals import metric_turned_red
from .world import World

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
UPSERT_COLUMNS = [
    "metric_id",
    "period_kind",
    "period_start",
    "scope_kind",
    "scope_id",
    *SNAPSHOT_FIELDS,
    "computed_at",
]


def open_periods(today: date) -> set[Period]:
    """Where a breach notifies: the current month, quarter and year, and the previous month."""
    current = {Period.containing(kind, today) for kind in PERIOD_KINDS}
    return current | {Period.containing("month", today).previous()}


def store(
    world: World, results: list[SnapshotResult], metric_codes, periods, today: date
) -> tuple[int, int, int]:
    """Upsert the results; delete the snapshots of the recomputed pairs that are gone;
    announce snapshots that turned red in an open period. Returns (written, deleted,
    turned red)."""
    now = timezone.now()
    watch = open_periods(today)
    before_red = red_before(world, results, watch)
    tuples = [_row(world, r, now) for r in results]
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
    deleted = delete_stale(world, results, metric_codes, periods, now)
    turned = 0
    for r in results:
        if r.status != "red" or r.period not in watch or r.scope.kind == "channel":
            continue
        if r.own_score is None:
            # Red only through its drivers' scores: shown as such, never announced (§5).
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


def _row(world: World, r: SnapshotResult, now) -> tuple:
    kind, scope_id = world.scope_key(r.scope)
    return (
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


def red_before(world: World, results, watch: set[Period]) -> dict:
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


def delete_stale(world: World, results, metric_codes, periods, now) -> int:
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
