"""Stage 2 end to end (DESIGN §4 items 3–9 and "Which snapshots exist"), worked by hand.

Every number below can be checked on paper from the rows, links and targets beside it.
"""

from __future__ import annotations

from datetime import date

import pytest

from apps.metrics.engine import Evaluation, aggregate, compute_snapshots, evaluate
from tests.engine.builders import P, S, index, link, metric, row, target

approx = pytest.approx


def run(rows, metrics, links=(), targets=(), today=date(2025, 6, 1), departments=None, **kw):
    return compute_snapshots(
        rows,
        metrics=metrics,
        links=links,
        targets=targets,
        departments=departments if departments is not None else {"CS": None, "WEB": None},
        channels=["PHONE", "WEB"],
        today=today,
        **kw,
    )


# -- a diamond DAG -----------------------------------------------------------------------------
#
#   A (leaf, mean) → B impact 2, → C impact 3;  B → D impact 5 (weight 1), C → D impact 7
#   (weight 3); D is monetary, higher is better. PI(A → D) = 2·5 + 3·7 = 31, so mw(A) = 31,
#   mw(B) = 5, mw(C) = 7, mw(D) = 1. Only A is measured; A's target is 100.
#   January: A = 80 (n=10) → own 80, gap 20. February: A = 130 (n=20) → own 130, gap 0.

DIAMOND_METRICS = [
    metric("A"),
    metric("B"),
    metric("C"),
    metric("D", aggregation="sum", monetary=True),
]
DIAMOND_LINKS = [
    link("A", "B", impact=2),
    link("A", "C", impact=3),
    link("B", "D", impact=5),
    link("C", "D", impact=7, weight=3),
]
DIAMOND_ROWS = [row("A", "2024-01-01", 80, n=10), row("A", "2024-02-01", 130, n=20)]
DIAMOND_TARGETS = [target("A", 100)]
DIAMOND = (DIAMOND_ROWS, DIAMOND_METRICS, DIAMOND_LINKS, DIAMOND_TARGETS)


@pytest.fixture(scope="module")
def diamond():
    results = run(*DIAMOND, today=date(2024, 6, 15))
    return results, index(results)


def test_diamond_leaf_scores_gap_and_value_at_stake(diamond):
    _, found = diamond
    jan = found[("A", "2024-01", "org")]
    assert (jan.actual, jan.target, jan.own_score, jan.status) == (80, 100, approx(80), "red")
    assert jan.gap == approx(20)
    assert jan.value_at_stake == approx(20 * 31)  # gap × mw(A) = 620
    feb = found[("A", "2024-02", "org")]
    assert (feb.own_score, feb.status, feb.gap, feb.value_at_stake) == (130, "green", 0, 0)


def test_diamond_money_flows_through_every_path(diamond):
    _, found = diamond
    b, c, d = (found[(code, "2024-01", "org")] for code in "BCD")
    assert b.value_at_stake == approx(20 * 2 * 5)  # gap × PI(A → B) × mw(B) = 200
    assert c.value_at_stake == approx(20 * 3 * 7)  # 420
    assert d.value_at_stake == approx(20 * 31 * 1)  # money top: gap × PI(A → D) × dir(D)
    assert (b.actual, b.own_score, b.driven_score, b.status) == (None, None, approx(80), "red")
    assert d.driven_score == approx((1 * 80 + 3 * 80) / 4)
    assert d.gap is None


def test_a_quarter_on_target_still_carries_the_value_at_stake_of_a_month_that_missed(diamond):
    _, found = diamond
    q1 = found[("A", "2024-Q1", "org")]
    # Q1 actual: (80·10 + 130·20) / 30 = 113.33 → green, gap 0 ...
    assert q1.actual == approx(3400 / 30)
    assert (q1.status, q1.gap) == ("green", 0)
    # ... but January's 620 is summed with February's 0 (March has no actual: nothing added).
    assert q1.value_at_stake == approx(620)
    assert found[("D", "2024-Q1", "org")].value_at_stake == approx(620)


def _evaluation(rows, metrics, links, targets, today):
    departments = {"CS": None, "WEB": None}
    return Evaluation(
        aggregate(rows, metrics, departments),
        metrics=metrics,
        links=links,
        targets=targets,
        departments=departments,
        channels=["PHONE", "WEB"],
        today=today,
    )


def test_the_cost_of_not_improving_is_the_leaves_value_at_org_scope(diamond):
    _, found = diamond
    evaluation = _evaluation(*DIAMOND, date(2024, 6, 15))
    assert evaluation.cost_of_not_improving(P("2024-01")) == approx(620)
    assert evaluation.cost_of_not_improving(P("2024-Q1")) == approx(620)
    assert evaluation.cost_of_not_improving(P("2024-03")) is None  # no gap anywhere
    assert found[("D", "2024-01", "org")].value_at_stake == approx(620)


def test_which_snapshots_exist(diamond):
    results, found = diamond
    # A has an org target, so it has a (grey) snapshot in months without data, up to the
    # month containing today (2024-06) and no further.
    march = found[("A", "2024-03", "org")]
    assert (march.actual, march.own_score, march.status, march.value_at_stake) == (
        None,
        None,
        "grey",
        None,
    )
    assert ("A", "2024-06", "org") in found
    assert ("A", "2024-07", "org") not in found
    assert ("A", "2023-12", "org") not in found  # before the earliest measurement
    # B exists because its child has a snapshot there, even without a score.
    assert found[("B", "2024-03", "org")].status == "grey"
    # No department or channel data and no target set for those scopes: no snapshot.
    assert not [r for r in results if r.scope.kind != "org"]


# -- two money tops of opposite direction, a lower-is-better leaf, department shares ---------
#
#   AHT (lower is better, mean) → CSAT impact −0.05; CSAT → REVENUE 1000 (higher is better);
#   CSAT → CHURNED_REV −200 (lower is better). mw(AHT) = −50 − 10 = −60, mw(CSAT) = 1200.
#   AHT target 300 (org). January: CS 320 (n=30), WEB 280 (n=10); org = 12400/40 = 310.

MONEY_METRICS = [
    metric("AHT", direction="lower_is_better"),
    metric("CSAT"),
    metric("REVENUE", aggregation="sum", monetary=True),
    metric("CHURNED_REV", aggregation="sum", direction="lower_is_better", monetary=True),
]
MONEY_LINKS = [
    link("AHT", "CSAT", impact=-0.05),
    link("CSAT", "REVENUE", impact=1000),
    link("CSAT", "CHURNED_REV", impact=-200),
]
MONEY_ROWS = [
    row("AHT", "2024-01-01", 320, dept="CS", n=30),
    row("AHT", "2024-01-01", 280, dept="WEB", n=10),
]


@pytest.fixture(scope="module")
def money():
    return index(run(MONEY_ROWS, MONEY_METRICS, MONEY_LINKS, [target("AHT", 300)]))


def test_lower_is_better_leaf_at_org_scope(money):
    aht = money[("AHT", "2024-01", "org")]
    assert aht.actual == approx(310)
    assert aht.own_score == approx(100 * 300 / 310)  # 96.77: amber
    assert aht.status == "amber"
    assert aht.gap == approx(-10)  # target − actual
    assert aht.value_at_stake == approx(-10 * -60)  # 600


def test_money_tops_of_opposite_direction_add_up(money):
    # flow into CSAT: −0.05 × −10 = 0.5
    assert money[("CSAT", "2024-01", "org")].value_at_stake == approx(0.5 * 1200)
    revenue = money[("REVENUE", "2024-01", "org")].value_at_stake
    churned = money[("CHURNED_REV", "2024-01", "org")].value_at_stake
    assert revenue == approx(1000 * 0.5 * +1)  # 500 of revenue gained
    assert churned == approx(-200 * 0.5 * -1)  # 100 of churn avoided
    assert revenue + churned == approx(600)  # the cost of not improving


def test_department_shares_of_a_mean_leaf(money):
    cs = money[("AHT", "2024-01", "dept:CS")]
    # CS falls back to the org target 300: gap −20; share 30 / (30 + 10) = 0.75
    assert (cs.target, cs.gap) == (300, approx(-20))
    assert cs.value_at_stake == approx(-20 * -60 * 0.75)  # 900
    web = money[("AHT", "2024-01", "dept:WEB")]
    assert (web.gap, web.value_at_stake) == (0, 0)  # 280 beats 300: on target
    assert money[("REVENUE", "2024-01", "dept:CS")].value_at_stake == approx(750)
    assert money[("CHURNED_REV", "2024-01", "dept:CS")].value_at_stake == approx(150)
    assert ("AHT", "2024-01", "channel:PHONE") not in money


# -- a quarterly leaf --------------------------------------------------------------------------
#
#   NPS (quarterly, mean) → REVENUE impact 500. Target 50. Q1: CS 30 (n=30), WEB 60 (n=10):
#   org = (900 + 600) / 40 = 37.5, own 75, gap 12.5; CS 30 → gap 20, share 0.75.

NPS_METRICS = [
    metric("NPS", frequency="quarterly"),
    metric("REVENUE", aggregation="sum", monetary=True),
]
NPS_LINKS = [link("NPS", "REVENUE", impact=500)]


@pytest.fixture
def nps_rows():
    return [
        row("NPS", "2024-01-01", 30, dept="CS", n=30),
        row("NPS", "2024-01-01", 60, dept="WEB", n=10),
    ]


def _nps(rows, today):
    return index(run(rows, NPS_METRICS, NPS_LINKS, [target("NPS", 50)], today))


def test_a_quarterly_leaf_uses_its_quarter_gap_for_each_month(nps_rows):
    found = _nps(nps_rows, date(2025, 6, 1))
    assert ("NPS", "2024-01", "org") not in found  # no monthly actual
    q1 = found[("NPS", "2024-Q1", "org")]
    assert (q1.actual, q1.gap) == (approx(37.5), approx(12.5))
    assert q1.value_at_stake == approx(3 * 12.5 * 500)  # three months × gap × mw
    # REVENUE has no data and NPS no monthly snapshot: no REVENUE month snapshot exists, and
    # the quarter carries the three months' money.
    assert ("REVENUE", "2024-01", "org") not in found
    assert found[("REVENUE", "2024-Q1", "org")].value_at_stake == approx(3 * 12.5 * 500)
    # Q2–Q4 have a (grey) NPS snapshot but no gap: the year adds nothing more.
    assert found[("NPS", "2024", "org")].value_at_stake == approx(3 * 12.5 * 500)
    # The quarter's share for each month: 30 / (30 + 10).
    cs = found[("NPS", "2024-Q1", "dept:CS")]
    assert cs.value_at_stake == approx(3 * 20 * 500 * 0.75)


def test_a_quarterly_leaf_counts_in_the_cost_of_each_month_of_its_quarter(nps_rows):
    evaluation = _evaluation(
        nps_rows,
        NPS_METRICS,
        [link("NPS", "REVENUE", impact=500)],
        [target("NPS", 50)],
        date(2025, 6, 1),
    )
    # NPS has no January snapshot, but its quarter gap counts for January.
    assert evaluation.cost_of_not_improving(P("2024-01")) == approx(12.5 * 500)
    assert evaluation.cost_of_not_improving(P("2024-Q1")) == approx(3 * 12.5 * 500)
    # The CS department's part: gap 20, share 0.75.
    assert evaluation.cost_of_not_improving(P("2024-01"), S("dept:CS")) == approx(20 * 500 * 0.75)


def test_a_quarterly_leaf_counts_only_the_months_begun_in_the_current_quarter(nps_rows):
    found = _nps(nps_rows, date(2024, 2, 10))
    assert found[("NPS", "2024-Q1", "org")].value_at_stake == approx(2 * 12.5 * 500)


# -- pro-rating in the current period ----------------------------------------------------------
#
#   CALLS_SOLVED: daily, sum, higher is better, 3100 per month. Today 2024-03-15.
#   January: one row of 3000. March: 100 a day from 03-01 to 03-10.

CALLS = metric("CALLS_SOLVED", aggregation="sum", frequency="daily")
CALL_ROWS = [row("CALLS_SOLVED", "2024-01-15", 3000)] + [
    row("CALLS_SOLVED", f"2024-03-{day:02d}", 100) for day in range(1, 11)
]


@pytest.fixture(scope="module")
def calls():
    targets = [target("CALLS_SOLVED", 3100)]
    return index(run(CALL_ROWS, [CALLS], targets=targets, today=date(2024, 3, 15)))


def test_a_closed_month_is_not_pro_rated(calls):
    jan = calls[("CALLS_SOLVED", "2024-01", "org")]
    assert (jan.actual, jan.target) == (3000, 3100)
    assert jan.own_score == approx(100 * 3000 / 3100)


def test_the_current_month_target_runs_to_the_latest_day_with_data(calls):
    march = calls[("CALLS_SOLVED", "2024-03", "org")]
    # 10 of 31 days: 3100 × 10/31 = 1000 → on target
    assert march.actual == 1000
    assert march.target == approx(1000)
    assert march.status == "green"


def test_the_current_quarter_and_year_are_pro_rated_by_days(calls):
    q1 = calls[("CALLS_SOLVED", "2024-Q1", "org")]
    # 3 × 3100 over 70 of Q1's 91 days (Jan 31 + Feb 29 + Mar 10)
    assert q1.target == approx(9300 * 70 / 91)
    assert q1.actual == 4000
    assert q1.own_score == approx(100 * 4000 / (9300 * 70 / 91))
    year = calls[("CALLS_SOLVED", "2024", "org")]
    assert year.target == approx(12 * 3100 * 70 / 366)
    # February had no data but a target: a grey snapshot with the full month's target.
    feb = calls[("CALLS_SOLVED", "2024-02", "org")]
    assert (feb.actual, feb.target, feb.status) == (None, 3100, "grey")


def test_a_sum_metric_quarter_target_is_none_when_a_month_lacks_one():
    targets = [
        target("CALLS_SOLVED", 3100, until="2024-01-31"),
        target("CALLS_SOLVED", 3000, since="2024-03-01"),
    ]
    found = index(run(CALL_ROWS, [CALLS], targets=targets, today=date(2024, 12, 31)))
    q1 = found[("CALLS_SOLVED", "2024-Q1", "org")]
    assert (q1.target, q1.own_score, q1.status) == (None, None, "grey")
    assert found[("CALLS_SOLVED", "2024-Q2", "org")].target == 9000


# -- leaves that carry value at stake at organisation scope only, and sum leaves --------------


def test_last_min_max_leaves_have_value_at_stake_at_org_scope_only():
    metrics = [
        metric("SELF_SERVICE", aggregation="last", frequency="daily"),
        metric("REVENUE", aggregation="sum", monetary=True),
    ]
    found = index(
        run(
            [row("SELF_SERVICE", "2024-01-05", 50, dept="CS")],
            metrics,
            [link("SELF_SERVICE", "REVENUE", impact=10)],
            [target("SELF_SERVICE", 60)],
        )
    )
    assert found[("SELF_SERVICE", "2024-01", "org")].value_at_stake == approx(10 * 10)
    cs = found[("SELF_SERVICE", "2024-01", "dept:CS")]
    assert (cs.gap, cs.value_at_stake) == (approx(10), None)
    assert found[("REVENUE", "2024-01", "dept:CS")].value_at_stake is None
    assert found[("REVENUE", "2024-01", "org")].value_at_stake == approx(100)


def test_a_sum_leaf_has_share_1_in_a_department_with_its_own_target():
    metrics = [
        metric("ERRORS", aggregation="sum", direction="lower_is_better"),
        metric("REVENUE", aggregation="sum", monetary=True),
    ]
    rows = [row("ERRORS", "2024-01-01", 15, dept="CS"), row("ERRORS", "2024-01-01", 5, dept="WEB")]
    found = index(
        run(
            rows,
            metrics,
            [link("ERRORS", "REVENUE", impact=-20)],
            [target("ERRORS", 10, dept="CS")],
        )
    )
    cs = found[("ERRORS", "2024-01", "dept:CS")]
    # gap 10 − 15 = −5; mw = −20; share 1 → 100
    assert (cs.gap, cs.value_at_stake) == (approx(-5), approx(100))
    # No fallback for sum metrics: WEB and the org have no target.
    web = found[("ERRORS", "2024-01", "dept:WEB")]
    assert (web.target, web.status, web.value_at_stake) == (None, "grey", None)


# -- existence ---------------------------------------------------------------------------------


def test_a_scope_target_valid_at_some_time_in_the_period_makes_a_snapshot():
    rows = [row("CSAT", "2024-01-01", 70, n=5)]
    targets = [target("CSAT", 80), target("CSAT", 75, dept="CS", since="2024-03-31")]
    found = index(run(rows, [metric("CSAT")], targets=targets, today=date(2024, 4, 2)))
    assert ("CSAT", "2024-02", "dept:CS") not in found  # the org fallback does not count
    march = found[("CSAT", "2024-03", "dept:CS")]  # valid from the month's last day
    assert (march.actual, march.target, march.status) == (None, 75, "grey")
    assert ("CSAT", "2024-Q1", "dept:CS") in found
    assert ("CSAT", "2024-02", "dept:WEB") not in found


def test_without_any_measurement_a_metric_has_no_snapshot():
    assert run([], [metric("CSAT")], targets=[target("CSAT", 80)]) == []


# -- subsets -----------------------------------------------------------------------------------


def test_a_subset_of_periods_and_metrics_equals_the_full_run():
    full = run(*DIAMOND, today=date(2024, 6, 15))
    wanted = {P("2024-01"), P("2024-Q1"), P("2024")}
    part = run(
        DIAMOND_ROWS,
        DIAMOND_METRICS,
        DIAMOND_LINKS,
        DIAMOND_TARGETS,
        today=date(2024, 6, 15),
        periods=wanted,
        metric_codes={"D"},
    )
    assert part == [r for r in full if r.metric == "D" and r.period in wanted]
    assert {str(r.period) for r in part} == {"2024-01", "2024-Q1", "2024"}


def test_stage_2_accepts_stage_1_cells_directly():
    departments = {"CS": None, "WEB": None}
    actuals = aggregate(MONEY_ROWS, MONEY_METRICS, departments)
    results = evaluate(
        actuals,
        metrics=MONEY_METRICS,
        links=MONEY_LINKS,
        targets=[target("AHT", 300)],
        departments=departments,
        channels=[],
        today=date(2024, 1, 31),
    )
    assert index(results)[("AHT", "2024-01", "org")].value_at_stake == approx(600)


def test_links_to_metrics_not_given_are_refused():
    with pytest.raises(ValueError, match="unknown metric"):
        run(MONEY_ROWS, MONEY_METRICS[:1], MONEY_LINKS)
