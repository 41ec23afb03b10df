"""Stage 1 of the roll-up (DESIGN §4 items 1–2) as set-based PostgreSQL.

:func:`pg_actuals` returns exactly what :func:`apps.metrics.engine.actuals.aggregate` returns
for the stored rows — the same cells, sample sizes, latest dates and first measurements — so
stage 2 of the engine takes it unchanged. ``engine/actuals.py`` is the reference for every
rule and tie-break; ``tests/metrics/test_sql_actuals.py`` compares the two.

Shape of the SQL: one statement computes every cell; two small look-ups fetch codes and
first measurements (an index probe per metric). The statement count does not depend on the
number of metrics or periods.

1. ``fine``: the only pass over the measurement table, one hash aggregation grouped by
   (metric, month, department key, channel key) keeping the decomposable partials every
   aggregation needs (Σw, Σv·w, Σv, min, max, latest date, row count) and a bitmap of the
   days present. Department × channel rows of a metric repeat the same keys day after day,
   so this shrinks the table by about the number of days in a month. The metric's
   aggregation and frequency are joined here (2,000 rows, hashed) and carried along.
2. ``special``: the (metric, month) pairs where that plain grouping is *not* the answer,
   flagged by a window over (metric, month): a group with no department or no channel (an
   explicit total: the "totals win" rules of §4 item 1), a group with fewer distinct days
   than rows (two sources recorded one cell: the table's unique key makes that the only way
   a date repeats), and every month of a ``last`` metric (its partials do not decompose). In
   the common case — department × channel rows, one source — there are none, and all of
   step 3 runs on zero rows.
3. The rows of special months only are read again through the (metric, period_start) index
   (a LATERAL subquery: an index range scan per pair). The source tie-break is a
   ``DISTINCT ON`` ordered by ``recorded_at DESC, source COLLATE "C" DESC, value DESC``
   (``C``: Python's code-point order, whatever the database collation). Window functions
   over the (metric, date) partition then flag the rows each scope uses — organisation
   total, department totals, channel totals, any named department — and a recursive CTE over
   the department tree finds the departments under an ancestor's no-channel total.
4. ``monthly``: the plain ``fine`` groups (used by every scope) and the special rows (with
   their per-scope flags) are spread over the scopes that use them (the organisation, their
   department, their channel) and summed per (metric, month, scope). Quarters and years are
   one GROUPING SETS over those monthly sums (a row per month and scope: small).
5. ``last`` metrics: their used rows are spread over scopes and period kinds, a window finds
   each (department, channel) key's latest date in the period, and the weighted mean is
   taken over those rows only, beside Σw and the latest date over all of them.
6. The final select keeps period kinds not shorter than the metric's frequency and, when
   periods are given, those periods only, and picks the actual from the partials by the
   metric's aggregation. One row per cell comes back, with period and scope packed into an
   integer each; Python maps them to ``Period``/``Scope`` objects through small dicts.

Sums are plain float8 sums, not ``math.fsum``: actuals agree with the reference to rounding,
not bit for bit. Needs PostgreSQL 14+ (``bit_count``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.db import connection, transaction

from .engine.periods import FREQUENCIES, Period
from .engine.types import AGGREGATIONS, ORG, Actuals, Cell, CellKey, Scope

_KINDS = ("month", "quarter", "year")

# Scope kinds as small integers in the SQL: 0 organisation, 1 department, 2 channel.
_SCOPE_KINDS = ("org", "dept", "channel")

_ACTUALS_SQL = """
WITH RECURSIVE
metric AS (
    -- agg: 0 mean, 1 sum, 2 min, 3 max, 4 last; min_kind: the shortest period kind it feeds.
    SELECT id, CASE aggregation WHEN 'mean' THEN 0 WHEN 'sum' THEN 1 WHEN 'min' THEN 2 WHEN 'max' THEN 3
                                ELSE 4 END AS agg,
           CASE frequency WHEN 'quarterly' THEN 1 WHEN 'yearly' THEN 2 ELSE 0 END AS min_kind
    FROM metrics_metric
    WHERE %(all_metrics)s OR id = ANY(%(metric_ids)s::bigint[])
),
fine AS MATERIALIZED (
    SELECT g.*, m.agg, m.min_kind,
           -- The (metric, month) is special when any of its groups is a total or repeats a
           -- date; `last` metrics always are.
           bool_or(g.dept_key = 0 OR g.chan_key = 0 OR bit_count(g.days::bit(64)) <> g.n)
               OVER (PARTITION BY g.metric_id, g.month)
           OR m.agg = 4 AS special
    FROM (
        SELECT metric_id, date_trunc('month', period_start::timestamp)::date AS month, dept_key, chan_key,
               count(*) AS n, sum(sample_size) AS w, sum(value * sample_size) AS vw, sum(value) AS v,
               min(value) AS lo, max(value) AS hi, max(period_start) AS latest,
               -- A month spans < 64 consecutive days, so day numbers mod 64 are distinct in it.
               bit_or(1::int8 << ((period_start - DATE '2000-01-01') & 63)) AS days
        FROM metrics_measurement
        WHERE (%(all_metrics)s OR metric_id = ANY(%(metric_ids)s::bigint[]))
          AND (%(all_periods)s OR (period_start >= %(low)s AND period_start <= %(high)s
               AND date_trunc('month', period_start::timestamp)::date = ANY(%(months)s::date[])))
        GROUP BY 1, 2, 3, 4
    ) g
    JOIN metric m ON m.id = g.metric_id
),
special AS MATERIALIZED (
    SELECT DISTINCT metric_id, month, agg, min_kind FROM fine WHERE special
),
winner AS (
    SELECT DISTINCT ON (r.metric_id, r.period_start, r.dept_key, r.chan_key)
           r.metric_id, r.period_start, r.dept_key, r.chan_key, r.value, r.sample_size, s.agg, s.min_kind
    FROM special s
    CROSS JOIN LATERAL (
        SELECT x.metric_id, x.period_start, x.dept_key, x.chan_key, x.source, x.value, x.sample_size,
               x.recorded_at
        FROM metrics_measurement x
        WHERE x.metric_id = s.metric_id AND x.period_start >= s.month
          AND x.period_start < (s.month + INTERVAL '1 month')::date
        OFFSET 0  -- keeps the subquery parameterized: an index range scan per special month
    ) r
    -- §4 item 1: latest recorded_at, then the source sorting last, then the larger value.
    ORDER BY r.metric_id, r.period_start, r.dept_key, r.chan_key,
             r.recorded_at DESC, r.source COLLATE "C" DESC, r.value DESC
),
day AS (
    SELECT w.*,
           bool_or(w.dept_key = 0 AND w.chan_key = 0) OVER on_day AS org_total,
           bool_or(w.dept_key <> 0) OVER on_day AS any_dept,
           bool_or(w.chan_key = 0) OVER (PARTITION BY w.metric_id, w.period_start, w.dept_key) AS dept_total,
           bool_or(w.dept_key = 0) OVER (PARTITION BY w.metric_id, w.period_start, w.chan_key) AS chan_total
    FROM winner w
    WINDOW on_day AS (PARTITION BY w.metric_id, w.period_start)
),
ancestor (dept_id, ancestor_id) AS (
    SELECT id, parent_id FROM organization_department WHERE parent_id IS NOT NULL
    UNION
    -- UNION (not ALL) and the self test cut a cycle, as engine.department_ancestors does.
    SELECT a.dept_id, d.parent_id
    FROM ancestor a JOIN organization_department d ON d.id = a.ancestor_id
    WHERE d.parent_id IS NOT NULL AND d.parent_id <> a.dept_id
),
blocked AS (
    -- (metric, date, department) whose ancestor has a no-channel total that date.
    SELECT DISTINCT t.metric_id, t.period_start, a.dept_id
    FROM winner t JOIN ancestor a ON a.ancestor_id = t.dept_key
    WHERE t.dept_key <> 0 AND t.chan_key = 0
),
used AS MATERIALIZED (
    SELECT d.metric_id, d.period_start, d.dept_key, d.chan_key, d.value, d.sample_size,
           CASE WHEN d.org_total THEN d.dept_key = 0 AND d.chan_key = 0
                WHEN d.any_dept THEN d.dept_key <> 0 AND (d.chan_key = 0 OR NOT d.dept_total)
                                     AND b.dept_id IS NULL
                ELSE TRUE  -- only channel rows without a department that date
           END AS use_org,
           d.dept_key <> 0 AND (d.chan_key = 0 OR NOT d.dept_total) AS use_dept,
           d.chan_key <> 0 AND (d.dept_key = 0 OR NOT d.chan_total) AS use_chan,
           d.agg, d.min_kind
    FROM day d
    LEFT JOIN blocked b
      ON b.metric_id = d.metric_id AND b.period_start = d.period_start AND b.dept_id = d.dept_key
),
partial AS (
    SELECT f.metric_id, f.agg, f.min_kind, f.month, f.dept_key, f.chan_key, TRUE AS use_org,
           TRUE AS use_dept, TRUE AS use_chan, f.w, f.vw, f.v, f.lo, f.hi, f.latest
    FROM fine f
    WHERE NOT f.special
    UNION ALL
    SELECT u.metric_id, u.agg, u.min_kind, date_trunc('month', u.period_start::timestamp)::date,
           u.dept_key, u.chan_key, u.use_org, u.use_dept, u.use_chan, u.sample_size,
           u.value * u.sample_size, u.value, u.value, u.value, u.period_start
    FROM used u
    WHERE u.agg <> 4
),
monthly AS MATERIALIZED (
    SELECT p.metric_id, p.agg, p.min_kind, p.month, s.kind AS scope_kind, s.id AS scope_id,
           sum(p.w) AS w, sum(p.vw) AS vw, sum(p.v) AS v, min(p.lo) AS lo, max(p.hi) AS hi,
           max(p.latest) AS latest
    FROM partial p
    CROSS JOIN LATERAL (VALUES (0, 0::bigint, p.use_org), (1, p.dept_key, p.use_dept),
                               (2, p.chan_key, p.use_chan)) s (kind, id, used)
    WHERE s.used
    -- agg and min_kind depend on the metric: carried along instead of joined again later.
    GROUP BY p.metric_id, p.month, s.kind, s.id, p.agg, p.min_kind
),
cells AS (
    SELECT metric_id, agg, min_kind, 0 AS kind, month AS start, scope_kind, scope_id, w, vw, v, lo, hi,
           latest
    FROM monthly
    UNION ALL
    SELECT metric_id, agg, min_kind, CASE WHEN GROUPING(quarter) = 0 THEN 1 ELSE 2 END,
           coalesce(quarter, year), scope_kind, scope_id, sum(w), sum(vw), sum(v), min(lo), max(hi),
           max(latest)
    FROM (
        SELECT mo.*, date_trunc('quarter', mo.month::timestamp)::date AS quarter,
               date_trunc('year', mo.month::timestamp)::date AS year
        FROM monthly mo
    ) mq
    GROUP BY metric_id, agg, min_kind, scope_kind, scope_id, GROUPING SETS ((quarter), (year))
),
last_row AS (
    SELECT u.metric_id, u.min_kind, k.kind, k.start, s.kind AS scope_kind, s.id AS scope_id, u.dept_key,
           u.chan_key, u.period_start, u.value, u.sample_size
    FROM used u
    CROSS JOIN LATERAL (VALUES (0, 0::bigint, u.use_org), (1, u.dept_key, u.use_dept),
                               (2, u.chan_key, u.use_chan)) s (kind, id, used)
    CROSS JOIN LATERAL (VALUES (0, date_trunc('month', u.period_start::timestamp)::date),
                               (1, date_trunc('quarter', u.period_start::timestamp)::date),
                               (2, date_trunc('year', u.period_start::timestamp)::date)) k (kind, start)
    WHERE u.agg = 4 AND s.used
),
last_cell AS (
    -- §4 item 2 `last`: each (department, channel) key at its own latest date in the period.
    SELECT metric_id, min_kind, kind, start, scope_kind, scope_id, sum(sample_size) AS w,
           max(period_start) AS latest,
           sum(value * sample_size) FILTER (WHERE period_start = key_latest)
             / sum(sample_size) FILTER (WHERE period_start = key_latest) AS actual
    FROM (
        SELECT lr.*, max(lr.period_start) OVER (
                   PARTITION BY lr.metric_id, lr.kind, lr.start, lr.scope_kind, lr.scope_id,
                                lr.dept_key, lr.chan_key) AS key_latest
        FROM last_row lr
    ) keyed
    GROUP BY 1, 2, 3, 4, 5, 6
),
result AS (
    SELECT metric_id, min_kind, kind, start, scope_kind, scope_id, w, latest,
           CASE agg WHEN 0 THEN vw / w WHEN 1 THEN v WHEN 2 THEN lo ELSE hi END AS actual
    FROM cells
    UNION ALL
    SELECT metric_id, min_kind, kind, start, scope_kind, scope_id, w, latest, actual
    FROM last_cell
)
-- Period and scope as one integer each (decoded in pg_actuals): fewer columns to
-- send, and one dict look-up per cell in Python.
SELECT metric_id, kind * 1000000 + (start - DATE '0001-01-01'), scope_id * 4 + scope_kind, actual, w, latest
FROM result
-- Period kinds not shorter than the metric's frequency (engine.periods.period_kinds_for).
WHERE kind >= min_kind
  AND (%(all_periods)s OR (kind, start) IN (
      SELECT * FROM unnest(%(period_kinds)s::int[], %(period_starts)s::date[])))
"""

_FIRST_SQL = """
SELECT m.id, m.code, m.aggregation, m.frequency,
       (SELECT min(x.period_start) FROM metrics_measurement x WHERE x.metric_id = m.id)
FROM metrics_metric m
WHERE %(all_metrics)s OR m.id = ANY(%(metric_ids)s)
"""

_SCOPES_SQL = """
SELECT 1, id, code FROM organization_department
UNION ALL
SELECT 2, id, code FROM organization_channel
"""


def pg_actuals_table(
    table: str, *, metric_ids: Collection[int] | None = None, periods: Collection[Period] | None = None
) -> None:
    """Stage 1 kept in the database: the cells :func:`pg_actuals` returns, written to the
    temporary table ``table`` (metric_id, kind 0 month / 1 quarter / 2 year, start,
    scope_kind 0 organisation / 1 department / 2 channel, scope_id (0 for the
    organisation), actual, w = Σ sample_size, latest = latest period_start) for the
    set-based roll-up (``rollup_sql``). Dropped at the end of the transaction."""
    all_metrics = metric_ids is None
    params = {"all_metrics": all_metrics, "metric_ids": [] if all_metrics else list(metric_ids)}
    period_params = _period_params(periods)
    select = _ACTUALS_SQL.replace(_FINAL_SELECT, _TABLE_SELECT)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if periods is not None and not period_params["months"]:
            select = select + " AND FALSE"
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(f"CREATE TEMP TABLE {table} ON COMMIT DROP AS {select}", {**params, **period_params})
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
        cursor.execute(f"ANALYZE {table}")


_FINAL_SELECT = _ACTUALS_SQL[
    _ACTUALS_SQL.index("SELECT metric_id, kind * 1000000") : _ACTUALS_SQL.rindex("FROM result")
    + len("FROM result")
]
_TABLE_SELECT = (
    "SELECT metric_id, kind::smallint AS kind, start, scope_kind::smallint AS scope_kind, scope_id, actual,"
    " w::float8 AS w, latest FROM result"
)


def _period_params(periods: Collection[Period] | None) -> dict:
    if periods is None:
        return {
            "all_periods": True,
            "low": None,
            "high": None,
            "months": [],
            "period_kinds": [],
            "period_starts": [],
        }
    periods = set(periods)
    months = sorted({m.start for p in periods for m in p.months()})
    return {
        "all_periods": False,
        # The range lets the (metric, period_start) index narrow the scan; the month list is
        # exact (a set of periods may be scattered, and mix months, quarters and years).
        "low": min(months, default=None),
        "high": max((p.end for p in periods), default=None),
        "months": months,
        "period_kinds": [_KINDS.index(p.kind) for p in periods],
        "period_starts": [p.start for p in periods],
    }


def pg_actuals(
    *, metric_ids: Collection[int] | None = None, periods: Collection[Period] | None = None
) -> Actuals:
    """Stage 1 on PostgreSQL: what ``engine.actuals.aggregate`` returns for the stored rows.

    ``metric_ids``: the metrics (by primary key) to compute, ``None`` for every metric
    (archived ones included). ``periods``: only cells of those periods (months, quarters
    and years may be mixed), ``None`` for every period; ``first_measurement`` is taken over
    every row of the metrics either way. Cells exist only for period kinds not shorter than
    the metric's frequency. Scope codes are department and channel codes.

    Six statements whatever the number of metrics or periods: the cells, two small look-ups
    (metric codes with first measurements, scope codes) and three that switch JIT off for the
    cells' statement and back. Runs in a savepoint when called inside a transaction (the
    roll-up's), in its own transaction otherwise.
    """
    all_metrics = metric_ids is None
    params = {"all_metrics": all_metrics, "metric_ids": [] if all_metrics else list(metric_ids)}
    period_params = _period_params(periods)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_FIRST_SQL, params)
        metric_code: dict[int, str] = {}
        first_measurement: dict[str, date] = {}
        for pk, code, aggregation, frequency, first in cursor.fetchall():
            # As engine.types.MetricDef refuses them (the SQL would read them as `last`).
            if aggregation not in AGGREGATIONS:
                raise ValueError(f"{code}: unknown aggregation {aggregation!r}")
            if frequency not in FREQUENCIES:
                raise ValueError(f"{code}: unknown frequency {frequency!r}")
            metric_code[pk] = code
            if first is not None:
                first_measurement[code] = first
        if not first_measurement or (periods is not None and not period_params["months"]):
            return Actuals(cells={}, first_measurement=first_measurement)

        cursor.execute(_SCOPES_SQL)
        scope_of: dict[int, Scope] = {0: ORG}
        for kind, pk, code in cursor.fetchall():
            scope_of[pk * 4 + kind] = Scope(_SCOPE_KINDS[kind], code)

        # JIT would compile the ~200 expressions of this plan for seconds and win nothing
        # back: the work is hashing and sorting. Set for this statement only; a failure
        # rolls the setting back with the savepoint.
        cursor.execute("SELECT current_setting('jit')")
        jit = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(_ACTUALS_SQL, {**params, **period_params})
        cells: dict[CellKey, Cell] = {}
        period_of: dict[int, Period] = {}
        while rows := cursor.fetchmany(50_000):
            for metric_id, period_key, scope_key, actual, weight, latest in rows:
                period = period_of.get(period_key)
                if period is None:
                    kind, days = divmod(period_key, 1_000_000)
                    period = period_of[period_key] = Period(_KINDS[kind], date.fromordinal(days + 1))
                key = (metric_code[metric_id], period, scope_of[scope_key])
                cells[key] = Cell(actual=actual, sample_size=weight, latest_start=latest)
        cursor.execute("SELECT set_config('jit', %s, true)", [jit])
    return Actuals(cells=cells, first_measurement=first_measurement)
