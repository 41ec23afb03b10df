"""Money an executive believes (DESIGN §4 items 7, 9, 10), worked by hand: value at stake
along each path, the month-to-date rule, reconciliation of a breakdown, the benefit split."""

from __future__ import annotations

import math
from datetime import date

import pytest

from apps.metrics.engine import (
    Evaluation,
    aggregate,
    benefit_split,
    closing_change,
    mass_from_values,
    money_top_errors,
    money_weights,
    over_promised,
    path_values,
)
from tests.engine.builders import P, S, link, metric, row, target

approx = pytest.approx
DEPARTMENTS = {"CS": None, "WEB": None}


def evaluation(rows, metrics, links, targets, today):
    return Evaluation(
        aggregate(rows, metrics, DEPARTMENTS),
        metrics=metrics,
        links=links,
        targets=targets,
        departments=DEPARTMENTS,
        channels=["PHONE", "WEB"],
        today=today,
    )


# -- two routes ---------------------------------------------------------------------------------
#
#   L → A (impact 2), L → B (3), A → P (5), B → P (7): L reaches P by two routes;
#   P → T (10), and L → T directly (4): L reaches T by three. K → A (1).
#   T is monetary (sum, higher is better). January 2024: L = 80 against 100 (gap 20),
#   K = 40 against 50 (gap 10).
#   mass: L 20, K 10, A 2·20 + 10 = 50, B 3·20 = 60, P 5·50 + 7·60 = 670, T 10·670 + 4·20 = 6780.
#   PI(L → T) = 100 + 210 + 4 = 314, PI(K → T) = 50: cost = 20·314 + 10·50 = 6780 = VaS(T).

ROUTES_METRICS = [
    metric("L"),
    metric("K"),
    metric("A"),
    metric("B"),
    metric("P"),
    metric("T", aggregation="sum", monetary=True),
]
ROUTES_LINKS = [
    link("L", "A", impact=2),
    link("L", "B", impact=3),
    link("K", "A", impact=1),
    link("A", "P", impact=5),
    link("B", "P", impact=7),
    link("P", "T", impact=10),
    link("L", "T", impact=4),
]
ROUTES_ROWS = [row("L", "2024-01-01", 80, n=10), row("K", "2024-01-01", 40, n=5)]
ROUTES_TARGETS = [target("L", 100), target("K", 50)]

EXPECTED_PATHS = {
    ("T",): 6780,
    ("T", "L"): 80,
    ("T", "P"): 6700,
    ("T", "P", "A"): 2500,
    ("T", "P", "A", "K"): 500,
    ("T", "P", "A", "L"): 2000,
    ("T", "P", "B"): 4200,
    ("T", "P", "B", "L"): 4200,
}


@pytest.fixture(scope="module")
def routes():
    return evaluation(ROUTES_ROWS, ROUTES_METRICS, ROUTES_LINKS, ROUTES_TARGETS, date(2024, 6, 15))


def test_each_path_carries_its_own_value_at_stake(routes):
    rows = routes.path_values(P("2024-01"))
    assert {r.path: r.value for r in rows} == {k: approx(v) for k, v in EXPECTED_PATHS.items()}
    assert {r.path: r.impact for r in rows}[("T", "P", "B", "L")] == approx(3 * 7 * 10)


def test_the_rows_beneath_a_row_add_up_to_it_and_a_metric_s_paths_to_its_value(routes):
    rows = routes.path_values(P("2024-01"))
    for parent in rows:
        beneath = [r.value for r in rows if r.path[:-1] == parent.path]
        if beneath:
            assert math.fsum(beneath) == approx(parent.value)
    january = P("2024-01")
    for code in ("L", "K", "A", "B", "P", "T"):
        along = math.fsum(r.value for r in rows if r.metric == code)
        assert along == approx(routes.value_at_stake(code, january, S("org")))
    assert routes.value_at_stake("T", january, S("org")) == approx(6780)
    assert routes.cost_of_not_improving(january) == approx(6780)


def test_pages_recover_the_same_path_values_from_stored_value_at_stake(routes):
    january = P("2024-01")
    stored = {code: routes.value_at_stake(code, january, S("org")) for code in routes.metrics}
    weights = money_weights(ROUTES_METRICS, ROUTES_LINKS)
    mass = mass_from_values(stored, weights, ROUTES_LINKS)
    rows = path_values(["T"], ROUTES_LINKS, {"T": 1}, mass)
    assert {r.path: r.value for r in rows} == {k: approx(v) for k, v in EXPECTED_PATHS.items()}


def test_a_metric_with_no_gap_beneath_has_no_value_along_its_paths(routes):
    rows = {r.path: r.value for r in routes.path_values(P("2024-02"))}
    assert rows[("T",)] is None and rows[("T", "P", "B", "L")] is None


# -- not linked to money (§4 item 7) ------------------------------------------------------------
#
#   U has a gap but no path to a money top: value at stake none, never 0, at every scope and
#   period kind. C drives revenue R (+1, impact 1) and churned revenue X (−1, impact 1): its
#   money weight is 0 from paths that cancel, so it is linked and its value at stake is 0.

UNLINKED_METRICS = [
    metric("U"),
    metric("C"),
    metric("R", aggregation="sum", monetary=True),
    metric("X", aggregation="sum", direction="lower_is_better", monetary=True),
]
UNLINKED_LINKS = [link("C", "R", impact=1), link("C", "X", impact=1)]
UNLINKED_ROWS = [
    row("U", "2024-01-01", 80, dept="CS", n=4),
    row("C", "2024-01-01", 80, dept="CS", n=4),
]
UNLINKED_TARGETS = [target("U", 100), target("C", 100)]


def test_a_metric_with_no_path_to_money_has_no_value_at_stake_not_zero():
    ev = evaluation(UNLINKED_ROWS, UNLINKED_METRICS, UNLINKED_LINKS, UNLINKED_TARGETS, date(2024, 6, 15))
    for period in (P("2024-01"), P("2024-Q1"), P("2024")):
        for scope in (S("org"), S("dept:CS")):
            unlinked, cancelling = ev.snapshot("U", period, scope), ev.snapshot("C", period, scope)
            assert unlinked.gap == approx(20) and unlinked.value_at_stake is None
            assert cancelling.gap == approx(20) and cancelling.value_at_stake == 0
    assert ev.cost_of_not_improving(P("2024-01")) == 0


# -- month to date --------------------------------------------------------------------------
#
#   DAILY (mean, daily) → T impact 10; target 100. 1 and 2 March 2024: 80 each (gap 20).
#   Full month: 20 × 10 = 200. Today is 2 March: 2 of 31 days lost so far, 200 × 2/31.
#   MONTHLY (mean, monthly): its frequency period is the month, so the share is 1.
#   SALES (sum, daily) → T impact 1: its gap is against the pro-rated target already.

MTD_METRICS = [
    metric("DAILY", frequency="daily"),
    metric("MONTHLY"),
    metric("SALES", aggregation="sum", frequency="daily"),
    metric("T", aggregation="sum", monetary=True),
]
MTD_LINKS = [link("DAILY", "T", impact=10), link("MONTHLY", "T", impact=1), link("SALES", "T", impact=1)]
MTD_ROWS = [
    row("DAILY", "2024-03-01", 80),
    row("DAILY", "2024-03-02", 80),
    row("MONTHLY", "2024-03-01", 80),
    row("SALES", "2024-03-01", 10),
    row("SALES", "2024-03-02", 10),
]
MTD_TARGETS = [target("DAILY", 100), target("MONTHLY", 100), target("SALES", 310)]


def test_the_current_month_counts_the_money_lost_so_far():
    march = P("2024-03")
    closed = evaluation(MTD_ROWS, MTD_METRICS, MTD_LINKS, MTD_TARGETS, date(2024, 4, 2))
    current = evaluation(MTD_ROWS, MTD_METRICS, MTD_LINKS, MTD_TARGETS, date(2024, 3, 2))
    org = S("org")
    assert closed.value_at_stake("DAILY", march, org) == approx(200)
    assert current.value_at_stake("DAILY", march, org) == approx(200 * 2 / 31)
    assert current.value_at_stake("MONTHLY", march, org) == approx(20)
    # SALES: target 310 pro-rated to 2/31 → 20, actual 20: on target in both readings of it;
    # closed, 20 against 310 → gap 290, not multiplied again.
    assert current.value_at_stake("SALES", march, org) == approx(0)
    assert closed.value_at_stake("SALES", march, org) == approx(290)
    assert current.value_at_stake("T", march, org) == approx(200 * 2 / 31 + 20)
    assert current.cost_of_not_improving(march) == approx(200 * 2 / 31 + 20)
    assert current.value_at_stake("DAILY", P("2024-Q1"), org) == approx(200 * 2 / 31)


# -- reconciliation -------------------------------------------------------------------------
#
#   LEAF (mean) → T impact 10 (mw 10); organisation target 100; WEB has its own target 90.
#   January: CS 120 (n=10): above target, gap 0. WEB 60 (n=30): gap 30 against 90.
#   Organisation: (1200 + 1800) / 40 = 75, gap 25 → 250. Departments: 0 + 0.75 × 30 × 10 = 225.
#   Difference 25 = netting 0.25 × (100 − 120) × 10 = −50 + target differences
#   0.75 × (100 − 90) × 10 = 75; rest 0.

RECON_METRICS = [metric("LEAF"), metric("T", aggregation="sum", monetary=True)]
RECON_LINKS = [link("LEAF", "T", impact=10)]
RECON_ROWS = [
    row("LEAF", "2024-01-01", 120, dept="CS", n=10),
    row("LEAF", "2024-01-01", 60, dept="WEB", n=30),
]
RECON_TARGETS = [target("LEAF", 100), target("LEAF", 90, dept="WEB")]


def test_a_breakdown_is_reconciled_with_the_organisation():
    e = evaluation(RECON_ROWS, RECON_METRICS, RECON_LINKS, RECON_TARGETS, date(2024, 6, 1))
    r = e.reconciliation("LEAF", P("2024-01"), "dept")
    assert (r.organisation, r.parts_sum) == (approx(250), approx(225))
    assert r.difference == approx(25)
    assert r.netting == approx(-50)
    assert r.target_differences == approx(75)
    assert r.rest == 0
    assert r.netting + r.target_differences + r.rest == approx(r.difference)
    assert not r.org_on_target
    # The quarter sums its months (February and March carry nothing).
    q = e.reconciliation("LEAF", P("2024-Q1"), "dept")
    assert (q.difference, q.netting, q.target_differences, q.rest) == (approx(25), approx(-50), approx(75), 0)


def test_an_organisation_on_target_says_so_and_the_difference_is_the_departments_sum():
    rows = [row("LEAF", "2024-01-01", 120, dept="CS", n=30), row("LEAF", "2024-01-01", 60, dept="WEB", n=10)]
    e = evaluation(rows, RECON_METRICS, RECON_LINKS, RECON_TARGETS, date(2024, 6, 1))
    r = e.reconciliation("LEAF", P("2024-01"), "dept")
    # org (3600 + 600) / 40 = 105 ≥ 100: on target; WEB 60 vs 90, share 0.25: 75.
    assert r.org_on_target
    assert (r.organisation, r.parts_sum, r.difference) == (0, approx(75), approx(-75))
    assert r.netting is None and r.rest == approx(-75)


# -- money tops must be sums ----------------------------------------------------------------


def test_a_monetary_top_that_is_not_a_sum_is_refused():
    ok = [metric("REV", aggregation="sum", monetary=True), metric("CSAT")]
    assert money_top_errors(ok, [link("CSAT", "REV", impact=1)]) == []
    avg = [metric("AVG_SPEND", monetary=True), metric("CSAT")]
    errors = money_top_errors(avg, [link("CSAT", "AVG_SPEND", impact=1)])
    assert len(errors) == 1 and "AVG_SPEND" in errors[0] and "sum" in errors[0]
    # A monetary mean under a monetary sum is not a top: accepted.
    nested = [*ok, metric("AVG_SPEND", monetary=True)]
    assert money_top_errors(nested, [link("AVG_SPEND", "REV", impact=1)]) == []


# -- benefit split ----------------------------------------------------------------------------


def test_the_part_of_a_change_that_closes_the_gap():
    assert closing_change(5, 20) == 5  # all of it closes the gap
    assert closing_change(30, 20) == 20  # 10 beyond target
    assert closing_change(-30, -20) == -20  # lower is better: same signs
    assert closing_change(5, -20) == 0  # the wrong way: closes nothing
    assert closing_change(5, 0) == 0  # on target already
    assert closing_change(5, None) is None  # no own score: no split


def test_a_plan_s_benefit_splits_into_within_the_gap_and_beyond_target():
    weights = {"CSAT": 1000.0, "AHT": -50.0}
    # CSAT gap 2, change +3: 2 within, 1 beyond; AHT gap −10, change −4: all within.
    split = benefit_split([("CSAT", 3), ("AHT", -4)], weights, {"CSAT": 2, "AHT": -10})
    assert split.benefit == approx(12 * (3000 + 200))
    assert split.within == approx(12 * (2000 + 200))
    assert split.beyond == approx(12 * 1000)
    assert benefit_split([("CSAT", 3)], weights, {"CSAT": None}).within is None


def test_open_plans_that_together_promise_more_than_the_gap_are_flagged():
    changes = [("CSAT", 1.5), ("CSAT", 1.0), ("AHT", -4), ("NPS", 2), ("FCR", 1)]
    gaps = {"CSAT": 2, "AHT": -10, "NPS": 0, "FCR": None}
    assert over_promised(changes, gaps) == {"CSAT": approx(2.5), "NPS": approx(2)}
