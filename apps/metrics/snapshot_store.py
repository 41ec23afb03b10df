"""Writing the engine's results as `RollupSnapshot` rows (DESIGN §4 "which snapshots
exist", §5 breaches): upsert what the run computed, delete what it no longer produces, and
announce the snapshots that turned red in an open period.

Called inside the roll-up's transaction and lock (`rollup.py`); knows nothing of how the
results were computed."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
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


@dataclass(frozen=True)
class StoreResult:
    """What one store did: rows inserted or changed, rows already equal (left alone, their
    computed_at too), rows deleted as no longer produced, snapshots announced red."""

    written: int
    unchanged: int
    deleted: int
    turned_red: int
    periods: frozenset[Period] = frozenset()  # the periods of the results


def store(
    world: World,
    results: list[SnapshotResult] | None,
    metric_codes,
    periods,
    today: date,
    timings: dict | None = None,
) -> StoreResult:
    """Write only what changed: insert new snapshots, update those whose values differ
    (``IS DISTINCT FROM`` on every value column; computed_at is not a value), leave equal
    rows untouched, and delete the snapshots of the recomputed pairs that this run no
    longer produces. Announce snapshots that turned red in an open period.

    ``results`` None: the results are already in ``rollup_snapshot_in`` (the set-based
    roll-up on PostgreSQL, ``rollup_sql``), see :func:`store_staged`. One entry point for
    both, so whatever wraps the store (tests that kill a run after it) sees either."""
    if results is None:
        return store_staged(world, metric_codes, periods, today, timings)
    now = timezone.now()
    watch = open_periods(today)
    before_red = red_before(world, results, watch)
    tuples = [_row(world, r, now) for r in results]
    if connection.vendor == "postgresql":
        written = _copy_upsert(tuples)
    else:
        written = _orm_upsert(tuples, metric_codes, periods, world)
    by_key = {r.key: t for r, t in zip(results, tuples, strict=True)}
    deleted = delete_stale(world, results, metric_codes, periods, now)
    turned = [
        (r.metric, r.period, RollupSnapshot(**dict(zip(UPSERT_COLUMNS, by_key[r.key], strict=True))))
        for r in results
        if r.status == "red"
        and r.period in watch
        and r.scope.kind != "channel"
        # Red only through its drivers' scores: shown as such, never announced (§5).
        and r.own_score is not None
        and not before_red.get(r.key)
    ]
    _announce_red(world, turned, timings)
    return StoreResult(
        written=written,
        unchanged=len(tuples) - written,
        deleted=deleted,
        turned_red=len(turned),
        periods=frozenset(r.period for r in results),
    )


def store_staged(
    world: World, metric_codes, periods, today: date, timings: dict | None = None
) -> StoreResult:
    """The same as :func:`store` for results already in ``rollup_snapshot_in`` (the
    set-based roll-up, PostgreSQL): nothing passes through Python but the few snapshots
    that turned red."""
    now = timezone.now()
    watch = sorted(open_periods(today), key=lambda p: p.sort_key)
    table = RollupSnapshot._meta.db_table
    keys = " AND ".join(f"s.{c} = i.{c}" for c in KEY_COLUMNS)
    columns = ", ".join(f"i.{c}" for c in UPSERT_COLUMNS)
    full = metric_codes is None and periods is None
    with connection.cursor() as cursor:
        if full:
            # A full run touches every snapshot: hash joins. The table's statistics may still
            # describe it empty (the first run, or right after one: autovacuum has not
            # analysed it yet), and the planner would probe it row by row in nested loops
            # (measured: 30 s instead of 2 on the large set). Restored below.
            cursor.execute("SELECT current_setting('enable_nestloop')")
            nestloop = cursor.fetchone()[0]
            cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        cursor.execute(
            f"SELECT {columns} FROM rollup_snapshot_in i LEFT JOIN {table} s ON {keys}"
            " WHERE i.status = 'red' AND i.own_score IS NOT NULL AND i.scope_kind <> 'channel'"
            " AND (i.period_kind, i.period_start) IN (SELECT * FROM unnest(%s::text[], %s::date[]))"
            " AND s.status IS DISTINCT FROM 'red'",
            [[p.kind for p in watch], [p.start for p in watch]],
        )
        turned = [RollupSnapshot(**dict(zip(UPSERT_COLUMNS, row, strict=True))) for row in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM rollup_snapshot_in")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT period_kind, period_start FROM rollup_snapshot_in")
        written_periods = {Period(kind, start) for kind, start in cursor.fetchall()}
        cursor.execute(changed_upsert_sql(f"SELECT {', '.join(UPSERT_COLUMNS)} FROM rollup_snapshot_in"))
        written = cursor.rowcount
        deleted = delete_stale(world, [], metric_codes, periods, now)
        if full:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
    code_of = {m.pk: code for code, m in world.metrics.items()}
    turned.sort(key=lambda r: (code_of[r.metric_id], r.period_start, r.period_kind, r.scope_kind, r.scope_id))
    _announce_red(
        world, [(code_of[r.metric_id], Period(r.period_kind, r.period_start), r) for r in turned], timings
    )
    return StoreResult(
        written=written,
        unchanged=total - written,
        deleted=deleted,
        turned_red=len(turned),
        periods=frozenset(written_periods),
    )


def _announce_red(world: World, turned: list[tuple[str, Period, RollupSnapshot]], timings) -> None:
    """Tell listeners of each snapshot that turned red, with the values just written (no
    query per snapshot), in the order given."""
    announced = time.perf_counter()
    for code, period, row in turned:
        metric_turned_red.send(
            sender=Metric,
            metric=world.metrics[code],
            period=period,
            scope_kind=row.scope_kind,
            scope_id=row.scope_id,
            snapshot=row,
        )
    if timings is not None:
        timings["announce"] = time.perf_counter() - announced


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


KEY_COLUMNS = ["metric_id", "period_kind", "period_start", "scope_kind", "scope_id"]

TEMP_TABLE_SQL = (
    "CREATE TEMP TABLE IF NOT EXISTS rollup_snapshot_in ("
    " metric_id bigint, period_kind varchar(8), period_start date, scope_kind varchar(8),"
    " scope_id bigint, actual double precision, target double precision, baseline double precision,"
    " own_score double precision, driven_score double precision, status varchar(8),"
    " gap double precision, value_at_stake double precision, computed_at timestamptz)"
    " ON COMMIT DELETE ROWS"
)


def changed_upsert_sql(source: str) -> str:
    """One INSERT … ON CONFLICT that writes only new rows and rows whose values differ;
    ``source`` is a SELECT of UPSERT_COLUMNS. Its row count is the rows written."""
    table = RollupSnapshot._meta.db_table
    columns = ", ".join(UPSERT_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*SNAPSHOT_FIELDS, "computed_at"])
    old = ", ".join(f"{table}.{c}" for c in SNAPSHOT_FIELDS)
    new = ", ".join(f"EXCLUDED.{c}" for c in SNAPSHOT_FIELDS)
    return (
        f"INSERT INTO {table} ({columns}) {source}"
        f" ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {updates}"
        f" WHERE ({old}) IS DISTINCT FROM ({new})"
    )


def _copy_upsert(tuples: list[tuple]) -> int:
    """PostgreSQL: COPY the results into a temporary table and merge them with one
    INSERT … ON CONFLICT … WHERE IS DISTINCT FROM — an ORM bulk upsert of half a million
    rows spends most of its time building statements and parameters. The temporary table
    keeps its rows until the transaction ends: `delete_stale` anti-joins it."""
    columns = ", ".join(UPSERT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(TEMP_TABLE_SQL)
        cursor.execute("TRUNCATE rollup_snapshot_in")
        with cursor.cursor.copy(f"COPY rollup_snapshot_in ({columns}) FROM STDIN") as copy:
            for row in tuples:
                copy.write_row(row)
        cursor.execute("ANALYZE rollup_snapshot_in")
        cursor.execute(changed_upsert_sql(f"SELECT {columns} FROM rollup_snapshot_in"))
        return cursor.rowcount


def _scope_filter(metric_codes, periods, world: World) -> Q:
    """The recomputed (metric, period) pairs as a filter on RollupSnapshot."""
    window = Q()
    if metric_codes is not None:
        window &= Q(metric_id__in=[world.metrics[c].pk for c in metric_codes if c in world.metrics])
    if periods is not None:
        by_kind = defaultdict(set)
        for p in periods:
            by_kind[p.kind].add(p.start)
        kinds = Q()
        for kind, starts in by_kind.items():
            kinds |= Q(period_kind=kind, period_start__in=starts)
        window &= kinds if by_kind else Q(pk__in=[])
    return window


def _orm_upsert(tuples: list[tuple], metric_codes, periods, world: World) -> int:
    """Elsewhere (SQLite): the same rule through the ORM — read the stored rows of the
    recomputed pairs, insert the new ones, update the ones whose values differ."""
    n_key = len(KEY_COLUMNS)
    stored = {
        tuple(row[:n_key]): row[n_key:]
        for row in RollupSnapshot.objects.filter(_scope_filter(metric_codes, periods, world)).values_list(
            *KEY_COLUMNS, *SNAPSHOT_FIELDS, "pk"
        )
    }
    new, changed = [], []
    for t in tuples:
        key, values = t[:n_key], t[n_key:-1]
        old = stored.get(key)
        fields = dict(zip(UPSERT_COLUMNS, t, strict=True))
        if old is None:
            new.append(RollupSnapshot(**fields))
        elif tuple(old[:-1]) != tuple(values):
            changed.append(RollupSnapshot(pk=old[-1], **fields))
    RollupSnapshot.objects.bulk_create(new, batch_size=5000)
    RollupSnapshot.objects.bulk_update(changed, [*SNAPSHOT_FIELDS, "computed_at"], batch_size=2000)
    return len(new) + len(changed)


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
    """Snapshots of the recomputed (metric, period) pairs that this run did not produce
    (an unchanged row keeps its old computed_at, so this is by key, not by time)."""
    if connection.vendor == "postgresql":
        return _pg_delete_stale(world, metric_codes, periods)
    qs = RollupSnapshot.objects.filter(_scope_filter(metric_codes, periods, world))
    produced = {_key(world, r) for r in results}
    stale = [pk for pk, *key in qs.values_list("pk", *KEY_COLUMNS) if tuple(key) not in produced]
    deleted = 0
    for i in range(0, len(stale), 500):
        deleted += RollupSnapshot.objects.filter(pk__in=stale[i : i + 500]).delete()[0]
    return deleted


def _pg_delete_stale(world: World, metric_codes, periods) -> int:
    """PostgreSQL: the run's rows sit in rollup_snapshot_in (`_copy_upsert`): one DELETE
    anti-joined with it, limited to the recomputed pairs."""
    table = RollupSnapshot._meta.db_table
    where, params = [], []
    if metric_codes is not None:
        where.append("s.metric_id = ANY(%s)")
        params.append([world.metrics[c].pk for c in metric_codes if c in world.metrics])
    if periods is not None:
        where.append("(s.period_kind, s.period_start) IN (SELECT * FROM unnest(%s::text[], %s::date[]))")
        params += [[p.kind for p in periods], [p.start for p in periods]]
    keys = " AND ".join(f"i.{c} = s.{c}" for c in KEY_COLUMNS)
    where.append(f"NOT EXISTS (SELECT 1 FROM rollup_snapshot_in i WHERE {keys})")
    with connection.cursor() as cursor:
        cursor.execute(TEMP_TABLE_SQL)  # a run that produced nothing never created it
        cursor.execute(f"DELETE FROM {table} s WHERE {' AND '.join(where)}", params)
        return cursor.rowcount


def _key(world: World, r: SnapshotResult) -> tuple:
    kind, scope_id = world.scope_key(r.scope)
    return (world.metrics[r.metric].pk, r.period.kind, r.period.start, kind, scope_id)
