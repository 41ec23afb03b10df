"""Stage 2 of the roll-up as set-based PostgreSQL (DESIGN §4 items 3–9, "which snapshots
exist"): the same snapshots as ``engine.evaluate.Evaluation`` without moving a row of them
through Python. The pure-Python engine stays the reference (SQLite uses it, and the
parity, golden and hypothesis tests compare the two on PostgreSQL, value by value).

What Python computes is small and per metric: each metric's depth in the DAG (the longest
path down to a leaf), its money weight and first date, and the path impacts PI(leaf → n)
(§4 item 7) — a few thousand rows, sent with COPY into temporary tables. Everything per
(metric, period, scope) happens in the database, in this order (each a statement or two):

1. ``rs_cell``: stage 1's cells (``sql_actuals.pg_actuals_table``), never fetched;
2. ``rs_period``: the periods of each metric, from its first date to the period containing
   today, of every kind not shorter than its frequency (``Evaluation.periods_of``);
3. targets (§4 item 3): ``rs_tpick`` the target set for a scope valid at the end of each
   period (non-`sum` metrics; the organisation's is the fallback), ``rs_tmonth`` the one
   valid at each month's end (`sum` metrics, no fallback, no channel targets) and
   ``rs_sumt`` their sums over a period's months (none unless every month has one; the
   baseline likewise; the amber threshold of the last month); ``rs_own`` where a target is
   set for the very scope at some time in P (existence). Ties between overlapping targets
   go, as in ``TargetIndex``, to the latest start, then the latest end, value, baseline,
   threshold;
4. ``rs_core``, one INSERT per DAG depth, leaves first: which snapshots exist (an actual,
   an own target, or a child with a snapshot there), the target pro-rated in the period
   containing today (`sum` metrics), own score, and the driven score from the children's
   rows written by the levels beneath;
5. ``rs_flow``: §4 item 9 per month — every leaf's ``gap × share × elapsed`` term (shares
   as window sums over the department or channel cells) spread over its months and up the
   DAG by PI(leaf → n), summed per (metric, month, scope);
6. ``rollup_snapshot_in``: status, gap and value at stake (Σ of the months' flows × mw),
   the rows the store merges with one INSERT … ON CONFLICT … WHERE IS DISTINCT FROM.

Sums are float8 sums, not ``math.fsum``: the results agree with the engine to rounding.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from django.db import connection

from .engine import graph
from .engine.evaluate import cell_periods_for
from .engine.periods import PERIOD_KINDS, Period, own_period_kind
from .snapshot_store import TEMP_TABLE_SQL
from .sql_actuals import pg_actuals_table
from .world import World

_KIND_INDEX = {kind: i for i, kind in enumerate(PERIOD_KINDS)}
_SCOPE_INDEX = {"org": 0, "dept": 1, "channel": 2}

# The tie-break of TargetIndex (latest start first, then end — open is latest —, value,
# baseline — none sorts first, so last here —, threshold).
_TARGET_ORDER = (
    "t.valid_from DESC, t.valid_to DESC NULLS FIRST, t.value DESC, t.baseline DESC NULLS LAST, t.amber DESC"
)


def _frequency_period_end(freq: str, day: str) -> str:
    """engine.periods.frequency_period_end as SQL (a week ends on Sunday)."""

    def last_day(kind: str, step: str) -> str:
        return f"(date_trunc('{kind}', {day}::timestamp) + interval '{step}' - interval '1 day')::date"

    return (
        f"(CASE {freq} WHEN 'daily' THEN {day}"
        f" WHEN 'weekly' THEN {day} + (7 - extract(isodow FROM {day})::int)"
        f" WHEN 'monthly' THEN {last_day('month', '1 month')}"
        f" WHEN 'quarterly' THEN {last_day('quarter', '3 months')}"
        f" ELSE {last_day('year', '1 year')} END)"
    )


def _prorate(freq: str, latest: str, start: str, pend: str, days: str) -> str:
    """engine.targets.prorate_share as SQL: the share of the period's days up to the end of
    the latest frequency period with data (1 without data)."""
    end = f"least({_frequency_period_end(freq, latest)}, {pend})"
    share = f"(({end} - {start}) + 1)::float8 / {days}::float8"
    return f"(CASE WHEN {latest} IS NULL THEN 1::float8 ELSE {share} END)"


_SETUP_SQL = [
    "DROP TABLE IF EXISTS rs_metric, rs_link, rs_pi, rs_target, rs_period, rs_month, rs_tpick, rs_tmonth,"
    " rs_sumt, rs_own, rs_core, rs_flow",
    "CREATE TEMP TABLE rs_metric (id bigint PRIMARY KEY, agg text, freq text, lower boolean,"
    " own_kind smallint, depth int, is_leaf boolean, mw float8, first_date date, wanted boolean)"
    " ON COMMIT DROP",
    "CREATE TEMP TABLE rs_link (child_id bigint, parent_id bigint, weight float8, impact float8)"
    " ON COMMIT DROP",
    "CREATE TEMP TABLE rs_pi (leaf_id bigint, node_id bigint, pi float8) ON COMMIT DROP",
    "CREATE TEMP TABLE rs_target (metric_id bigint, scope_kind smallint, scope_id bigint, valid_from date,"
    " valid_to date, value float8, baseline float8, amber float8) ON COMMIT DROP",
]

_PERIOD_SQL = """
CREATE TEMP TABLE rs_period ON COMMIT DROP AS
SELECT m.id AS metric_id, k.kind::smallint AS kind, g.s::date AS start,
       (g.s + k.step - interval '1 day')::date AS pend, ((g.s + k.step)::date - g.s::date) AS days,
       (g.s::date <= %(today)s AND %(today)s <= (g.s + k.step - interval '1 day')::date) AS cur
FROM rs_metric m
CROSS JOIN (VALUES (0, 'month', interval '1 month'), (1, 'quarter', interval '3 months'),
                   (2, 'year', interval '1 year')) k (kind, name, step)
CROSS JOIN LATERAL generate_series(date_trunc(k.name, m.first_date::timestamp),
                                   date_trunc(k.name, %(today)s::timestamp), k.step) g (s)
WHERE m.first_date IS NOT NULL AND k.kind >= m.own_kind
  AND (%(all_periods)s OR (k.kind, g.s::date) IN (SELECT * FROM unnest(%(kinds)s::int[], %(starts)s::date[])))
"""

_MONTH_SQL = """
CREATE TEMP TABLE rs_month ON COMMIT DROP AS
SELECT p.kind, p.start, g.s::date AS month, (g.s + interval '1 month' - interval '1 day')::date AS month_end,
       ((g.s + interval '1 month')::date - g.s::date) AS days
FROM (SELECT DISTINCT kind, start, pend FROM rs_period) p
CROSS JOIN LATERAL generate_series(p.start::timestamp, p.pend::timestamp, interval '1 month') g (s)
"""

_TARGET_SQL = [
    f"""
CREATE TEMP TABLE rs_tpick ON COMMIT DROP AS
SELECT DISTINCT ON (p.metric_id, p.kind, p.start, t.scope_kind, t.scope_id)
       p.metric_id, p.kind, p.start, t.scope_kind, t.scope_id, t.value, t.baseline, t.amber
FROM rs_period p
JOIN rs_metric m ON m.id = p.metric_id AND m.agg <> 'sum'
JOIN rs_target t ON t.metric_id = p.metric_id AND t.valid_from <= p.pend
                AND (t.valid_to IS NULL OR t.valid_to >= p.pend)
ORDER BY p.metric_id, p.kind, p.start, t.scope_kind, t.scope_id, {_TARGET_ORDER}
""",
    f"""
CREATE TEMP TABLE rs_tmonth ON COMMIT DROP AS
SELECT DISTINCT ON (mo.metric_id, t.scope_kind, t.scope_id, mo.month)
       mo.metric_id, t.scope_kind, t.scope_id, mo.month, t.value, t.baseline, t.amber
FROM (
    SELECT DISTINCT p.metric_id, mo.month, mo.month_end
    FROM rs_period p
    JOIN rs_metric m ON m.id = p.metric_id AND m.agg = 'sum'
    JOIN rs_month mo ON mo.kind = p.kind AND mo.start = p.start
) mo
JOIN rs_target t ON t.metric_id = mo.metric_id AND t.scope_kind <> 2 AND t.valid_from <= mo.month_end
                AND (t.valid_to IS NULL OR t.valid_to >= mo.month_end)
ORDER BY mo.metric_id, t.scope_kind, t.scope_id, mo.month, {_TARGET_ORDER}
""",
    """
CREATE TEMP TABLE rs_sumt ON COMMIT DROP AS
SELECT p.metric_id, p.kind, p.start, tm.scope_kind, tm.scope_id, sum(tm.value) AS value,
       CASE WHEN count(tm.baseline) = count(*) THEN sum(tm.baseline) END AS baseline,
       (array_agg(tm.amber ORDER BY tm.month DESC))[1] AS amber
FROM rs_period p
JOIN rs_metric m ON m.id = p.metric_id AND m.agg = 'sum'
JOIN rs_tmonth tm ON tm.metric_id = p.metric_id AND tm.month BETWEEN p.start AND p.pend
GROUP BY p.metric_id, p.kind, p.start, tm.scope_kind, tm.scope_id
HAVING count(*) = CASE p.kind WHEN 0 THEN 1 WHEN 1 THEN 3 ELSE 12 END
""",
    """
CREATE TEMP TABLE rs_own ON COMMIT DROP AS
SELECT DISTINCT p.metric_id, p.kind, p.start, t.scope_kind, t.scope_id
FROM rs_period p
JOIN rs_metric m ON m.id = p.metric_id
JOIN rs_target t ON t.metric_id = p.metric_id AND t.valid_from <= p.pend
                AND (t.valid_to IS NULL OR t.valid_to >= p.start)
WHERE NOT (m.agg = 'sum' AND t.scope_kind = 2)
""",
    """
CREATE TEMP TABLE rs_core (metric_id bigint, kind smallint, start date, scope_kind smallint, scope_id bigint,
    pend date, actual float8, target float8, baseline float8, amber float8, own float8, driven float8)
    ON COMMIT DROP
""",
]

_OWN_SCORE = """
CASE WHEN b.actual IS NULL OR b.target IS NULL THEN NULL
     WHEN b.baseline IS NOT NULL THEN
          CASE WHEN b.target = b.baseline THEN NULL
               ELSE greatest(0::float8, least(150::float8,
                    100::float8 * (b.actual - b.baseline) / (b.target - b.baseline))) END
     WHEN NOT b.lower THEN
          CASE WHEN b.target = 0 THEN NULL
               ELSE greatest(0::float8, least(150::float8, 100::float8 * b.actual / b.target)) END
     WHEN b.actual <= 0 THEN 150::float8
     ELSE greatest(0::float8, least(150::float8, 100::float8 * b.target / b.actual)) END
"""

_CORE_SQL = f"""
INSERT INTO rs_core
WITH cand AS (
    SELECT c.metric_id, c.kind, c.start, c.scope_kind, c.scope_id
    FROM rs_cell c JOIN rs_metric m ON m.id = c.metric_id
    WHERE m.depth = %(depth)s AND c.actual IS NOT NULL
    UNION
    SELECT o.metric_id, o.kind, o.start, o.scope_kind, o.scope_id
    FROM rs_own o JOIN rs_metric m ON m.id = o.metric_id
    WHERE m.depth = %(depth)s
    UNION
    SELECT l.parent_id, k.kind, k.start, k.scope_kind, k.scope_id
    FROM rs_link l JOIN rs_metric m ON m.id = l.parent_id AND m.depth = %(depth)s
    JOIN rs_core k ON k.metric_id = l.child_id
),
kids AS (
    -- §4 item 5 over the children with a score (own, else driven), from the levels beneath.
    SELECT l.parent_id AS metric_id, k.kind, k.start, k.scope_kind, k.scope_id,
           sum(l.weight * coalesce(k.own, k.driven)) AS ws, sum(l.weight) AS w,
           min(coalesce(k.own, k.driven)) AS lo, max(coalesce(k.own, k.driven)) AS hi
    FROM rs_link l JOIN rs_metric m ON m.id = l.parent_id AND m.depth = %(depth)s
    JOIN rs_core k ON k.metric_id = l.child_id
    WHERE coalesce(k.own, k.driven) IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
),
resolved AS (
    SELECT c.metric_id, c.kind, c.start, c.scope_kind, c.scope_id, p.pend, p.days, p.cur, m.agg, m.freq,
           m.lower, x.actual, x.latest,
           CASE WHEN m.agg = 'sum' THEN s.value WHEN te.metric_id IS NOT NULL THEN te.value
                ELSE tor.value END AS target,
           CASE WHEN m.agg = 'sum' THEN s.baseline WHEN te.metric_id IS NOT NULL THEN te.baseline
                ELSE tor.baseline END AS baseline,
           CASE WHEN m.agg = 'sum' THEN s.amber WHEN te.metric_id IS NOT NULL THEN te.amber
                ELSE tor.amber END AS amber,
           CASE WHEN k.w IS NULL OR k.w = 0 THEN NULL
                ELSE greatest(k.lo, least(k.hi, k.ws / k.w)) END AS driven
    FROM cand c
    JOIN rs_period p ON p.metric_id = c.metric_id AND p.kind = c.kind AND p.start = c.start
    JOIN rs_metric m ON m.id = c.metric_id
    LEFT JOIN rs_cell x ON x.metric_id = c.metric_id AND x.kind = c.kind AND x.start = c.start
                       AND x.scope_kind = c.scope_kind AND x.scope_id = c.scope_id
    LEFT JOIN rs_tpick te ON te.metric_id = c.metric_id AND te.kind = c.kind AND te.start = c.start
                         AND te.scope_kind = c.scope_kind AND te.scope_id = c.scope_id
    LEFT JOIN rs_tpick tor ON tor.metric_id = c.metric_id AND tor.kind = c.kind AND tor.start = c.start
                          AND tor.scope_kind = 0
    LEFT JOIN rs_sumt s ON s.metric_id = c.metric_id AND s.kind = c.kind AND s.start = c.start
                       AND s.scope_kind = c.scope_kind AND s.scope_id = c.scope_id
    LEFT JOIN kids k ON k.metric_id = c.metric_id AND k.kind = c.kind AND k.start = c.start
                    AND k.scope_kind = c.scope_kind AND k.scope_id = c.scope_id
),
b AS (
    -- §4 item 3: a `sum` target (and baseline) pro-rated in the period containing today.
    SELECT r.*, CASE WHEN r.agg = 'sum' AND r.cur
                     THEN {_prorate("r.freq", "r.latest", "r.start", "r.pend", "r.days")} END AS share
    FROM resolved r
)
SELECT b.metric_id, b.kind, b.start, b.scope_kind, b.scope_id, b.pend, b.actual, b.target, b.baseline,
       b.amber, {_OWN_SCORE}, b.driven
FROM (
    SELECT metric_id, kind, start, scope_kind, scope_id, pend, lower, actual,
           CASE WHEN share IS NULL THEN target ELSE target * share END AS target,
           CASE WHEN share IS NULL THEN baseline ELSE baseline * share END AS baseline,
           amber, driven
    FROM b
) b
"""

_MONTH_ELAPSED = _prorate("l.freq", "l.latest", "mo.month", "mo.month_end", "mo.days")

_FLOW_SQL = f"""
CREATE TEMP TABLE rs_flow ON COMMIT DROP AS
WITH total AS (
    SELECT metric_id, kind, start, scope_kind, sum(w) AS total
    FROM rs_cell WHERE scope_kind <> 0
    GROUP BY 1, 2, 3, 4
),
leaf AS (
    SELECT k.metric_id, k.kind, k.start, k.scope_kind, k.scope_id, m.agg, m.freq,
           CASE WHEN k.own >= 100 THEN 0::float8 ELSE k.target - k.actual END AS gap,
           -- §4 item 9: 1 at organisation scope and for `sum` leaves; a `mean` leaf's
           -- sample_size over the sum of the same over every scope of its kind; none else.
           CASE WHEN k.scope_kind = 0 OR m.agg = 'sum' THEN 1::float8
                WHEN m.agg = 'mean' THEN x.w / nullif(t.total, 0) END AS share,
           x.latest
    FROM rs_core k
    JOIN rs_metric m ON m.id = k.metric_id AND m.is_leaf AND k.kind = m.own_kind
    LEFT JOIN rs_cell x ON x.metric_id = k.metric_id AND x.kind = k.kind AND x.start = k.start
                       AND x.scope_kind = k.scope_kind AND x.scope_id = k.scope_id
    LEFT JOIN total t ON t.metric_id = k.metric_id AND t.kind = k.kind AND t.start = k.start
                     AND t.scope_kind = k.scope_kind
    WHERE k.own IS NOT NULL
),
term AS (
    -- Each month of the leaf's own period (≤ the month containing today) gets its gap ×
    -- share, × the elapsed share of the month containing today (not for `sum` leaves).
    SELECT l.metric_id, mo.month, l.scope_kind, l.scope_id,
           l.gap * l.share * CASE WHEN l.agg = 'sum'
                                       OR NOT (mo.month <= %(today)s AND %(today)s <= mo.month_end)
                                  THEN 1::float8 ELSE {_MONTH_ELAPSED} END
               AS term
    FROM leaf l
    JOIN rs_month mo ON mo.kind = l.kind AND mo.start = l.start AND mo.month <= %(last_month)s
    WHERE l.share IS NOT NULL
)
SELECT pi.node_id AS metric_id, t.month, t.scope_kind, t.scope_id, sum(pi.pi * t.term) AS flow
FROM term t JOIN rs_pi pi ON pi.leaf_id = t.metric_id
GROUP BY 1, 2, 3, 4
"""

_OUT_SQL = """
INSERT INTO rollup_snapshot_in
SELECT k.metric_id, (ARRAY['month', 'quarter', 'year'])[k.kind + 1], k.start,
       (ARRAY['org', 'dept', 'channel'])[k.scope_kind + 1], k.scope_id,
       k.actual, k.target, k.baseline, k.own, k.driven,
       CASE WHEN coalesce(k.own, k.driven) IS NULL THEN 'grey'
            WHEN coalesce(k.own, k.driven) >= 100 THEN 'green'
            WHEN coalesce(k.own, k.driven) >= coalesce(k.amber, 90) THEN 'amber'
            ELSE 'red' END,
       CASE WHEN k.own IS NULL THEN NULL WHEN k.own >= 100 THEN 0::float8 ELSE k.target - k.actual END,
       v.mass * m.mw,
       %(now)s
FROM rs_core k
JOIN rs_metric m ON m.id = k.metric_id AND m.wanted
LEFT JOIN (
    -- Σ over the months of each period of the flows into the metric (§4 item 9).
    SELECT f.metric_id, mo.kind, mo.start, f.scope_kind, f.scope_id, sum(f.flow) AS mass
    FROM rs_flow f JOIN rs_month mo ON mo.month = f.month
    GROUP BY 1, 2, 3, 4, 5
) v ON v.metric_id = k.metric_id AND v.kind = k.kind AND v.start = k.start AND v.scope_kind = k.scope_kind
   AND v.scope_id = k.scope_id
WHERE %(all_periods)s OR (k.kind, k.start) IN (SELECT * FROM unnest(%(kinds)s::int[], %(starts)s::date[]))
"""


def _copy(cursor, table: str, rows) -> None:
    with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _depths(codes: Collection[str], links) -> dict[str, int]:
    """The longest path from each metric down to a leaf (leaves 0): every child of a
    metric lies at a smaller depth, so one statement per depth computes the DAG bottom-up."""
    children = graph.children_of(links)
    depth: dict[str, int] = {}
    for code in graph.topological_order(codes, links):
        depth[code] = 1 + max((depth[x.child] for x in children.get(code, [])), default=-1)
    return depth


def _first_dates(ids: dict[str, int], links) -> dict[str, date | None]:
    """Engine's Evaluation.first_date: the earliest measurement, else the earliest beneath."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, (SELECT min(x.period_start) FROM metrics_measurement x WHERE x.metric_id = m.id)"
            " FROM metrics_metric m WHERE m.id = ANY(%s)",
            [list(ids.values())],
        )
        own_by_id = dict(cursor.fetchall())
    own = {code: own_by_id.get(pk) for code, pk in ids.items()}
    out = {}
    for code in ids:
        first = own[code]
        if first is None:
            below = [own[c] for c in graph.descendants([code], links) if own.get(c) is not None]
            first = min(below, default=None)
        out[code] = first
    return out


def run(
    world: World,
    *,
    today: date,
    metric_codes: set[str] | None,
    periods: set[Period] | None,
    now,
    timings: dict,
) -> None:
    """Compute the snapshots of ``metric_codes`` (None: all) in ``periods`` (None: all)
    into the temporary table ``rollup_snapshot_in`` (``snapshot_store``'s), for the store
    to merge. Inputs as ``rollup._run`` gives the Python engine; see the module docstring."""
    import time

    started = time.perf_counter()
    links = world.links
    if metric_codes is None:
        needed = set(world.metrics)
        wanted = needed
    else:
        wanted = set(metric_codes)
        needed = graph.descendants(wanted, links)
    ids = {code: world.metrics[code].pk for code in needed}
    defs = {d.code: d for d in world.metric_defs}
    sub_links = [x for x in links if x.child in needed and x.parent in needed]
    depth = _depths(needed, sub_links)
    # Money weights and path impacts over every link (the paths reach the money tops).
    weights = graph.money_weights(world.metric_defs, links)
    # No path to a money top: mw NULL, so value at stake is none, never 0 (§4 item 7).
    linked = graph.linked_to_money(world.metric_defs, links)
    impacts = graph.path_impacts(links)
    parents = {x.parent for x in links}
    first = _first_dates(ids, sub_links)
    eval_periods = cell_periods_for(periods)
    period_params = {
        "all_periods": eval_periods is None,
        "kinds": [_KIND_INDEX[p.kind] for p in eval_periods or ()],
        "starts": [p.start for p in eval_periods or ()],
    }
    out_params = {
        "all_periods": periods is None,
        "kinds": [_KIND_INDEX[p.kind] for p in periods or ()],
        "starts": [p.start for p in periods or ()],
    }
    scope_ids = {"dept": world.dept_ids, "channel": world.chan_ids}

    pg_actuals_table("rs_cell", metric_ids=list(ids.values()), periods=eval_periods)
    timings["actuals"] = time.perf_counter() - started

    t = time.perf_counter()
    with connection.cursor() as cursor:
        # Row estimates of multi-column joins over fresh temporary tables are poor (a few
        # rows for tens of thousands), and would pick nested loops and JIT compilation; every
        # statement here is a bulk pass best done with hash joins. Set for these statements
        # only, restored below (a failure rolls them back with the transaction).
        cursor.execute("SELECT current_setting('jit'), current_setting('enable_nestloop')")
        saved = cursor.fetchone()
        cursor.execute("SELECT set_config('jit', 'off', true), set_config('enable_nestloop', 'off', true)")
        for statement in _SETUP_SQL:
            cursor.execute(statement)
        _copy(
            cursor,
            "rs_metric",
            (
                (
                    ids[code],
                    defs[code].aggregation,
                    defs[code].frequency,
                    defs[code].direction == "lower_is_better",
                    _KIND_INDEX[own_period_kind(defs[code].frequency)],
                    depth[code],
                    code not in parents,
                    weights.get(code, 0.0) if code in linked else None,
                    first[code],
                    code in wanted,
                )
                for code in needed
            ),
        )
        _copy(cursor, "rs_link", ((ids[x.child], ids[x.parent], x.weight, x.impact) for x in sub_links))
        pi_rows = []
        for code in needed:
            if code in parents:
                continue
            reach = impacts.get(code, {code: 1.0})
            pi_rows.extend((ids[code], ids[a], v) for a, v in reach.items() if a in needed)
        _copy(cursor, "rs_pi", pi_rows)
        target_rows = []
        for target in world.targets:
            if target.metric not in needed:
                continue
            scope = target.scope
            scope_id = 0 if scope.kind == "org" else scope_ids[scope.kind].get(scope.code)
            if scope_id is None:
                continue
            target_rows.append(
                (
                    ids[target.metric],
                    _SCOPE_INDEX[scope.kind],
                    scope_id,
                    target.valid_from,
                    target.valid_to,
                    target.value,
                    target.baseline,
                    target.amber_threshold,
                )
            )
        _copy(cursor, "rs_target", target_rows)
        for table in ("rs_metric", "rs_link", "rs_pi", "rs_target"):
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(_PERIOD_SQL, {"today": today, **period_params})
        cursor.execute("ANALYZE rs_period")
        cursor.execute(_MONTH_SQL)
        cursor.execute("ANALYZE rs_month")
        for statement in _TARGET_SQL:
            cursor.execute(statement)
        for table in ("rs_tpick", "rs_tmonth", "rs_sumt", "rs_own"):
            cursor.execute(f"ANALYZE {table}")
        timings["targets"] = time.perf_counter() - t

        t = time.perf_counter()
        for level in range(max(depth.values(), default=-1) + 1):
            cursor.execute(_CORE_SQL, {"depth": level})
            cursor.execute("ANALYZE rs_core")
        timings["scores"] = time.perf_counter() - t

        t = time.perf_counter()
        last_month = Period.containing("month", today).start
        cursor.execute(_FLOW_SQL, {"today": today, "last_month": last_month})
        cursor.execute("ANALYZE rs_flow")
        timings["value_at_stake"] = time.perf_counter() - t

        t = time.perf_counter()
        cursor.execute(TEMP_TABLE_SQL)
        cursor.execute("TRUNCATE rollup_snapshot_in")
        cursor.execute(_OUT_SQL, {"now": now, **out_params})
        cursor.execute("ANALYZE rollup_snapshot_in")
        cursor.execute("SELECT set_config('jit', %s, true), set_config('enable_nestloop', %s, true)", saved)
        timings["snapshots"] = time.perf_counter() - t
