"""Hypothesis properties of the engine (DESIGN §4), over small random hierarchies."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.metrics.engine import (
    ORG,
    ComponentDef,
    Evaluation,
    LinkDef,
    MeasurementRow,
    MetricDef,
    Period,
    TargetDef,
    aggregate,
    compute_snapshots,
    leaves,
    money_tops,
    own_score,
    payout_percent,
)
from apps.metrics.engine.periods import period_kinds_for

SCENARIO = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FAST = settings(max_examples=200, deadline=None, database=None)

DEPARTMENTS = {"OPS": None, "CS": "OPS", "WEB": None}
CHANNELS = ["PHONE", "WEB"]
DIRECTIONS = st.sampled_from(["higher_is_better", "lower_is_better"])
RECORDED = [datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)]


def _period_start(draw, frequency: str) -> date:
    month = draw(st.integers(1, 12))
    if frequency == "quarterly":
        month = 3 * ((month - 1) // 3) + 1
    day = draw(st.integers(1, 28)) if frequency == "daily" else 1
    return date(2024, month, day)


def _rows(draw, metric: MetricDef, values, count: int) -> list[MeasurementRow]:
    rows = []
    for _ in range(count):
        rows.append(
            MeasurementRow(
                metric=metric.code,
                period_start=_period_start(draw, metric.frequency),
                department=draw(st.sampled_from([None, "OPS", "CS", "WEB"])),
                channel=draw(st.sampled_from([None, "PHONE", "WEB"])),
                source=draw(st.sampled_from(["api", "csv"])),
                value=draw(values),
                sample_size=draw(st.integers(1, 50)),
                recorded_at=draw(st.sampled_from(RECORDED)),
            )
        )
    return rows


def _target(draw, metric: MetricDef, dept: str | None, easy: bool) -> TargetDef:
    if easy:
        # Targets every actual in the scenario meets (values lie in [1, 200]).
        value = 0.001 if metric.direction == "higher_is_better" else 1e7
        baseline = None
    else:
        value = draw(st.floats(1, 150, allow_nan=False))
        baseline = None
        if draw(st.booleans()):
            worse = draw(st.floats(1, 50, allow_nan=False))
            baseline = value - worse if metric.direction == "higher_is_better" else value + worse
    return TargetDef(
        metric=metric.code,
        valid_from=date(2023, 1, 1),
        valid_to=None,
        department=dept,
        channel=None,
        value=value,
        baseline=baseline,
        amber_threshold=draw(st.sampled_from([85.0, 90.0, 95.0])),
    )


@st.composite
def scenarios(draw, easy_targets: bool = False):
    """Leaves L*, optional middle metrics M*, monetary tops T*; rows, targets and today."""
    leaf_aggregations = st.sampled_from(["mean", "sum", "last", "min", "max"])
    leaf_metrics = [
        MetricDef(
            f"L{i}",
            draw(DIRECTIONS),
            draw(leaf_aggregations),
            draw(st.sampled_from(["monthly", "daily", "quarterly"])),
            False,
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    mids = [
        MetricDef(f"M{i}", draw(DIRECTIONS), draw(st.sampled_from(["mean", "sum"])), "monthly")
        for i in range(draw(st.integers(0, 2)))
    ]
    n_tops = draw(st.integers(1, 2))
    tops = [MetricDef(f"T{i}", draw(DIRECTIONS), "sum", "monthly", True) for i in range(n_tops)]
    impacts = st.floats(-5, 5, allow_nan=False).filter(lambda x: abs(x) > 1e-3)
    weights = st.floats(0.25, 3, allow_nan=False)
    links = []
    below: list[MetricDef] = list(leaf_metrics)
    for parent in [*mids, *tops]:
        children = draw(st.lists(st.sampled_from(below), min_size=1, max_size=3, unique=True))
        links += [LinkDef(c.code, parent.code, draw(weights), draw(impacts)) for c in children]
        if parent in mids:
            below.append(parent)
    metrics = [*leaf_metrics, *mids, *tops]

    low = 1 if easy_targets else -10
    values = st.floats(low, 200, allow_nan=False).map(lambda x: round(x, 3))
    rows = []
    for m in leaf_metrics:
        rows += _rows(draw, m, values, draw(st.integers(1, 10)))
    for m in [*mids, *tops]:
        rows += _rows(draw, m, values, draw(st.integers(0, 3)))

    targets = []
    for m in metrics:
        if easy_targets or draw(st.booleans()):
            targets.append(_target(draw, m, None, easy_targets))
        if draw(st.booleans()) and not (m.aggregation == "sum" and easy_targets):
            targets.append(_target(draw, m, "CS", easy_targets))
    today = date(2024, 1, 10) + timedelta(days=draw(st.integers(0, 450)))
    return {"metrics": metrics, "links": links, "targets": targets, "rows": rows, "today": today}


def evaluation(s) -> Evaluation:
    return Evaluation(
        aggregate(s["rows"], s["metrics"], DEPARTMENTS),
        metrics=s["metrics"],
        links=s["links"],
        targets=s["targets"],
        departments=DEPARTMENTS,
        channels=CHANNELS,
        today=s["today"],
    )


def run(s, **kw):
    return compute_snapshots(
        s["rows"],
        metrics=s["metrics"],
        links=s["links"],
        targets=s["targets"],
        departments=DEPARTMENTS,
        channels=CHANNELS,
        today=s["today"],
        **kw,
    )


# -- pure functions ----------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)


@FAST
@given(finite, finite, DIRECTIONS, st.one_of(st.none(), finite))
def test_own_score_is_within_0_and_150(actual, target, direction, baseline):
    score = own_score(actual, target, direction, baseline)
    assert score is None or 0 <= score <= 150


@st.composite
def valid_targets(draw):
    """(direction, target, baseline) as target validation accepts them (DESIGN §4 item 3): a
    baseline is worse than the target; a target ≤ 0 needs one."""
    direction = draw(DIRECTIONS)
    sign = 1 if direction == "higher_is_better" else -1
    if draw(st.booleans()):
        target = draw(st.floats(-1e6, 1e6, allow_nan=False))
        baseline = target - sign * draw(st.floats(1e-3, 1e6, allow_nan=False))
    else:
        target, baseline = draw(st.floats(1e-3, 1e6, allow_nan=False)), None
    return direction, target, baseline


@FAST
@given(valid_targets(), finite, st.floats(0, 1e6, allow_nan=False))
def test_own_score_never_falls_when_the_actual_moves_in_the_good_direction(t, actual, better_by):
    direction, target, baseline = t
    sign = 1 if direction == "higher_is_better" else -1
    better = actual + sign * better_by
    before = own_score(actual, target, direction, baseline)
    after = own_score(better, target, direction, baseline)
    assert before is not None and after is not None
    assert after >= before, (actual, better, before, after)


@st.composite
def components(draw):
    direction = draw(DIRECTIONS)
    s = 1 if direction == "higher_is_better" else -1
    low = draw(st.floats(-1000, 1000, allow_nan=False))
    step1 = draw(st.floats(0.01, 500, allow_nan=False))
    step2 = draw(st.floats(0.01, 500, allow_nan=False))
    percents = sorted(draw(st.lists(st.floats(0, 300, allow_nan=False), min_size=3, max_size=3)))
    target = low + step1
    return ComponentDef("X", direction, 1, s * low, s * target, s * (target + step2), *percents)


@FAST
@given(components(), st.floats(-2000, 2000, allow_nan=False), st.floats(0, 1000, allow_nan=False))
def test_payout_is_monotone_in_the_actual(component, actual, better_by):
    better = actual + component.sign * better_by
    assert payout_percent(better, component) >= payout_percent(actual, component) - 1e-9


@FAST
@given(components())
def test_payout_is_continuous_at_the_target_and_the_maximum(component):
    s = component.sign
    c = component
    steepest = max(
        abs(c.target_percent - c.threshold_percent) / abs(c.target - c.threshold),
        abs(c.maximum_percent - c.target_percent) / abs(c.maximum - c.target),
    )
    for point, percent in (
        (component.target, component.target_percent),
        (component.maximum, component.maximum_percent),
    ):
        eps = 1e-7 * max(1.0, abs(point))
        for nearby in (point - s * eps, point + s * eps):
            drift = abs(payout_percent(nearby, component) - percent)
            assert drift <= 2 * steepest * eps + 1e-9


# -- the whole engine --------------------------------------------------------------------------


@SCENARIO
@given(scenarios())
def test_scores_are_within_0_and_150(s):
    for r in run(s):
        for score in (r.own_score, r.driven_score):
            assert score is None or 0 <= score <= 150


@SCENARIO
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_order_of_the_inputs_never_changes_a_result(s, rnd: random.Random):
    shuffled = dict(s)
    for key in ("rows", "links", "targets", "metrics"):
        shuffled[key] = rnd.sample(s[key], len(s[key]))
    assert run(shuffled) == run(s)


@SCENARIO
@given(scenarios())
def test_running_twice_gives_identical_results(s):
    assert run(s) == run(s)


@SCENARIO
@given(scenarios(), st.data())
def test_a_subset_of_periods_equals_the_full_run_for_those_periods(s, data):
    full = run(s)
    periods = sorted({r.period for r in full}, key=lambda p: p.sort_key)
    if not periods:
        return
    wanted = set(data.draw(st.lists(st.sampled_from(periods), min_size=1, max_size=3)))
    assert run(s, periods=wanted) == [r for r in full if r.period in wanted]
    codes = set(data.draw(st.lists(st.sampled_from([m.code for m in s["metrics"]]), min_size=1)))
    assert run(s, periods=wanted, metric_codes=codes) == [
        r for r in full if r.period in wanted and r.metric in codes
    ]


@SCENARIO
@given(scenarios())
def test_a_driven_score_lies_between_its_childrens_lowest_and_highest_score(s):
    results = run(s)
    found = {(r.metric, r.period, r.scope): r for r in results}
    children: dict[str, list[str]] = {}
    for link in s["links"]:
        children.setdefault(link.parent, []).append(link.child)
    checked = 0
    for r in results:
        if r.driven_score is None:
            continue
        scores = []
        for child in children.get(r.metric, []):
            snap = found.get((child, r.period, r.scope))
            score = (
                None
                if snap is None
                else (snap.own_score if snap.own_score is not None else snap.driven_score)
            )
            if score is not None:
                scores.append(score)
        assert scores, f"{r.metric} {r.period} {r.scope}: a driven score without a scored child"
        assert min(scores) <= r.driven_score <= max(scores), (r, scores)
        checked += 1
    assert checked or not any(r.driven_score is not None for r in results)


@SCENARIO
@given(scenarios(easy_targets=True))
def test_value_at_stake_is_0_for_every_metric_when_everything_is_on_target(s):
    results = run(s)
    assert results
    for r in results:
        if r.own_score is not None:
            assert r.own_score >= 100
        assert r.value_at_stake in (None, 0)


@SCENARIO
@given(scenarios())
def test_a_leaf_month_on_target_has_no_money_at_stake(s):
    leaf_codes = set(leaves(s["metrics"], s["links"]))
    for r in run(s):
        if r.metric in leaf_codes and r.period.kind == "month" and (r.own_score or 0) >= 100:
            assert r.value_at_stake in (None, 0)


# -- the money, recomputed without the engine's graph functions --------------------------------


def _leaves_by_hand(s) -> list[str]:
    parents = {link.parent for link in s["links"]}
    return sorted(m.code for m in s["metrics"] if m.code not in parents)


def _money_tops_by_hand(s) -> list[str]:
    """Monetary metrics with no monetary ancestor (DESIGN §4 item 7)."""
    up: dict[str, list[str]] = {}
    for link in s["links"]:
        up.setdefault(link.child, []).append(link.parent)
    monetary = {m.code for m in s["metrics"] if m.is_monetary}

    def ancestors(code: str) -> set[str]:
        seen: set[str] = set()
        stack = list(up.get(code, []))
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(up.get(parent, []))
        return seen

    return sorted(code for code in monetary if not ancestors(code) & monetary)


def _money_weights_by_hand(s) -> dict[str, float]:
    """mw(n) = Σ over the money tops T of dir(T) × the sum, over every path n → T, of the
    product of the impacts along it (PI(T → T) = 1): each path walked one by one."""
    up: dict[str, list] = {}
    for link in s["links"]:
        up.setdefault(link.child, []).append(link)
    tops = set(_money_tops_by_hand(s))
    direction = {m.code: (1.0 if m.direction == "higher_is_better" else -1.0) for m in s["metrics"]}

    def paths(code: str, product: float):
        if code in tops:
            yield code, product
        for link in up.get(code, []):
            yield from paths(link.parent, product * link.impact)

    return {
        m.code: math.fsum(direction[top] * product for top, product in paths(m.code, 1.0))
        for m in s["metrics"]
    }


def _linked_by_hand(s) -> set[str]:
    """The metrics from which some path of links climbs to a money top (the tops included)."""
    up: dict[str, list[str]] = {}
    for link in s["links"]:
        up.setdefault(link.child, []).append(link.parent)
    tops = set(_money_tops_by_hand(s))

    def reaches(code: str) -> bool:
        return code in tops or any(reaches(parent) for parent in up.get(code, []))

    return {m.code for m in s["metrics"] if reaches(m.code)}


def test_the_money_weights_by_hand_agree_with_a_worked_example():
    # A → B (impact 2), B → REV (3), A → REV (5), B → CHURN (−4); REV higher, CHURN lower is better:
    # mw(A) = +1 × (2·3 + 5) − 1 × (2·−4) = 19; mw(B) = 3 + 4 = 7.
    s = {
        "metrics": [
            MetricDef("A", "higher_is_better", "mean", "monthly"),
            MetricDef("B", "higher_is_better", "mean", "monthly"),
            MetricDef("REV", "higher_is_better", "sum", "monthly", True),
            MetricDef("CHURN", "lower_is_better", "sum", "monthly", True),
        ],
        "links": [
            LinkDef("A", "B", 1, 2.0),
            LinkDef("B", "REV", 1, 3.0),
            LinkDef("A", "REV", 1, 5.0),
            LinkDef("B", "CHURN", 1, -4.0),
        ],
    }
    assert _money_tops_by_hand(s) == ["CHURN", "REV"]
    assert _money_weights_by_hand(s) == {"A": 19.0, "B": 7.0, "REV": 1.0, "CHURN": -1.0}


def _leaf_terms(s, results, period: Period) -> list[float]:
    """The cost of not improving term by term, recomputed by hand from the leaves' gaps: per
    month of P (up to the month containing today), gap × mw at org scope, a quarterly leaf
    using its quarter's gap for each month. The money weights are computed here, path by
    path, not taken from the engine. A leaf with no path to money adds nothing (§4 item 7:
    its value at stake is none, not 0)."""
    found = {(r.metric, r.period, r.scope): r for r in results}
    weights = _money_weights_by_hand(s)
    linked = _linked_by_hand(s)
    by_code = {m.code: m for m in s["metrics"]}
    today_month = Period.containing("month", s["today"])
    terms = []
    for code in _leaves_by_hand(s):
        if code not in linked:
            continue
        kind = period_kinds_for(by_code[code].frequency)[0]
        for month in period.months():
            if month.start > today_month.start:
                continue
            snap = found.get((code, Period.containing(kind, month.start), ORG))
            if snap is not None and snap.gap is not None:
                terms.append(snap.gap * weights[code] * _month_to_date(s, by_code[code], month))
    return terms


def _month_to_date(s, metric, month: Period) -> float:
    """§4 item 9: in the month containing today a non-`sum` leaf counts the share of the
    month's days up to the end of its latest measured day (daily) or of the month (monthly,
    quarterly); 1 in any other month."""
    if metric.aggregation == "sum" or not month.contains(s["today"]) or metric.frequency != "daily":
        return 1.0
    days = [r.period_start for r in s["rows"] if r.metric == metric.code and month.contains(r.period_start)]
    return ((max(days) - month.start).days + 1) / month.days if days else 1.0


def _leaf_gap_cost(s, results, period: Period) -> float | None:
    terms = _leaf_terms(s, results, period)
    return math.fsum(terms) if terms else None


@SCENARIO
@given(scenarios())
def test_the_cost_of_not_improving_adds_up_leaves_and_money_tops(s):
    engine = evaluation(s)
    results = engine.snapshots()
    found = {(r.metric, r.period, r.scope): r for r in results}
    by_code = {m.code: m for m in s["metrics"]}
    leaf_codes = _leaves_by_hand(s)
    tops = _money_tops_by_hand(s)
    assert tops == money_tops(s["metrics"], s["links"])
    for period in {r.period for r in results}:
        cost = engine.cost_of_not_improving(period)
        # 1. recomputed by hand from the leaves' gaps and money weights
        by_hand = _leaf_gap_cost(s, results, period)
        if by_hand is None:
            assert cost is None
            continue
        scale = 1 + math.fsum(abs(x) for x in _leaf_terms(s, results, period))
        assert math.isclose(cost, by_hand, rel_tol=1e-9, abs_tol=1e-9 * scale)
        # 2. the sum of the leaves' value at stake at org scope, when every leaf feeds P
        if all(period.kind in period_kinds_for(by_code[c].frequency) for c in leaf_codes):
            leaves_total = math.fsum(
                snap.value_at_stake or 0.0
                for c in leaf_codes
                if (snap := found.get((c, period, ORG))) is not None
            )
            assert math.isclose(cost, leaves_total, rel_tol=1e-9, abs_tol=1e-9 * scale)
        # 3. the money tops' value at stake, when every top has a snapshot in P
        top_snaps = [found.get((t, period, ORG)) for t in tops]
        if all(snap is not None for snap in top_snaps):
            tops_total = math.fsum(snap.value_at_stake or 0.0 for snap in top_snaps)
            assert math.isclose(cost, tops_total, rel_tol=1e-9, abs_tol=1e-9 * scale)


# -- value at stake along a path (§4 item 9) -----------------------------------------------------


@SCENARIO
@given(scenarios(), st.data())
def test_path_values_add_up_in_every_random_dag(s, data):
    e = evaluation(s)
    months = sorted(
        {r.period for r in run(s) if r.period.kind in ("month", "quarter")}, key=lambda p: p.sort_key
    )
    if not months:
        return
    period = data.draw(st.sampled_from(months))
    rows = e.path_values(period)
    scale = 1.0 + max((abs(r.value) for r in rows if r.value is not None), default=0.0)
    for parent in rows:
        beneath = [r.value for r in rows if r.path[:-1] == parent.path and r.value is not None]
        if beneath:
            assert math.isclose(math.fsum(beneath), parent.value, rel_tol=1e-9, abs_tol=1e-9 * scale)
    for code in e.metrics:
        along = [r.value for r in rows if r.metric == code and r.value is not None]
        vas = e.value_at_stake(code, period, ORG)
        if along:
            assert math.isclose(math.fsum(along), vas, rel_tol=1e-9, abs_tol=1e-9 * scale)
    for top in {r.top for r in rows}:
        top_row = next(r for r in rows if r.path == (top,))
        assert top_row.value == e.value_at_stake(top, period, ORG)


@SCENARIO
@given(scenarios())
def test_a_metric_with_no_path_to_money_never_has_value_at_stake(s):
    """§4 item 7: "not linked to money" is none, never 0; a linked metric's gap always adds."""
    linked = _linked_by_hand(s)
    for r in evaluation(s).snapshots():
        if r.metric not in linked:
            assert r.value_at_stake is None, r
