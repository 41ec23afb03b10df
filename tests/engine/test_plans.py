"""Expected benefit, ROI and ranking of action plans (DESIGN §4 item 10), worked by hand."""

from __future__ import annotations

import pytest

from apps.metrics.engine import plan_benefit, plan_figures, plan_roi, rank_plans

# Money weights: one second of AHT less is worth 60 a month (mw(AHT) = −60); one point of FCR
# is worth 400 a month.
WEIGHTS = {"AHT": -60.0, "FCR": 400.0}


def test_benefit_is_twelve_months_of_the_expected_changes_times_their_money_weight():
    # 12 × (−10 × −60 + 2 × 400) = 12 × (600 + 800) = 16 800
    assert plan_benefit([("AHT", -10), ("FCR", 2)], WEIGHTS) == pytest.approx(16800)
    assert plan_benefit([("UNLINKED", 5)], WEIGHTS) == 0


def test_roi_is_net_benefit_over_cost_and_none_without_cost():
    assert plan_roi(16800, 8400) == pytest.approx(1)
    assert plan_roi(16800, 0) is None
    assert plan_roi(16800, None) is None


def test_ranking_puts_quick_wins_first_then_roi_descending_then_plans_without_roi():
    def plan(key, effort, cost, change):
        return plan_figures(
            key, effort=effort, cost=cost, expected_changes=[("FCR", change)], money_weights=WEIGHTS
        )

    plans = [
        plan("no-cost", "S", None, 1),  # no ROI: last
        plan("big-L", "L", 1000, 10),  # benefit 48 000, ROI 47
        plan("small-S", "S", 4800, 1),  # benefit 4 800, ROI 0 (S but not a quick win)
        plan("quick", "S", 2400, 1),  # ROI 1: a quick win
        plan("mid-M", "M", 2400, 2),  # benefit 9 600, ROI 3
    ]
    assert [p.key for p in rank_plans(plans)] == ["quick", "big-L", "mid-M", "small-S", "no-cost"]
    assert rank_plans(plans)[0].quick_win
