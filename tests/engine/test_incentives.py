"""Payout, attainment and CX bonus (DESIGN §4 item 12), worked by hand."""

from __future__ import annotations

import pytest

from apps.metrics.engine import (
    ComponentDef,
    participant_bonus,
    payout_percent,
    plan_attainment,
    validate_component,
)

# FCR: threshold 80 → 50 %, target 100 → 100 %, maximum 120 → 150 %.
FCR = ComponentDef("FCR", "higher_is_better", 1, threshold=80, target=100, maximum=120)
# AHT (lower is better): threshold 400 s → 50 %, target 300 s → 100 %, maximum 250 s → 150 %.
AHT = ComponentDef("AHT", "lower_is_better", 1, threshold=400, target=300, maximum=250)


@pytest.mark.parametrize(
    ("actual", "percent"),
    [
        (79.9, 0),  # below the threshold
        (80, 50),  # the step at the threshold
        (90, 75),  # halfway to the target: 50 + 50 × 10/20
        (100, 100),
        (110, 125),  # halfway to the maximum: 100 + 50 × 10/20
        (120, 150),
        (130, 150),  # capped
        (None, 0),  # no actual (flagged on the scorecard)
    ],
)
def test_payout_segments_when_higher_is_better(actual, percent):
    assert payout_percent(actual, FCR) == pytest.approx(percent)


@pytest.mark.parametrize(
    ("actual", "percent"),
    [
        (401, 0),
        (400, 50),
        (350, 75),  # 50 + 50 × 50/100
        (300, 100),
        (275, 125),  # 100 + 50 × 25/50
        (250, 150),
        (200, 150),
    ],
)
def test_payout_segments_when_lower_is_better(actual, percent):
    assert payout_percent(actual, AHT) == pytest.approx(percent)


def test_custom_payout_percentages():
    steep = ComponentDef("X", "higher_is_better", 1, 0, 10, 20, 0, 100, 200)
    assert payout_percent(5, steep) == pytest.approx(50)
    assert payout_percent(15, steep) == pytest.approx(150)


def test_components_require_threshold_before_target_before_maximum():
    assert validate_component(FCR) == []
    assert validate_component(AHT) == []
    wrong_way = ComponentDef("AHT", "lower_is_better", 1, threshold=250, target=300, maximum=400)
    assert validate_component(wrong_way) == [
        "the threshold must be above the target, and the target above the maximum"
    ]
    flat = ComponentDef("FCR", "higher_is_better", 1, threshold=80, target=80, maximum=120)
    assert len(validate_component(flat)) == 1
    weightless = ComponentDef("FCR", "higher_is_better", 0, 80, 100, 120)
    assert validate_component(weightless) == ["weight must be greater than 0"]
    falling = ComponentDef("FCR", "higher_is_better", 1, 80, 100, 120, 50, 100, 90)
    assert len(validate_component(falling)) == 1


def test_plan_attainment_is_the_weighted_mean_of_payouts():
    # weights 2 and 1, payouts 75 % and 150 %: (150 + 150) / 3 = 100 %
    assert plan_attainment([(2, 75), (1, 150)]) == pytest.approx(100)
    assert plan_attainment([]) is None


def test_participant_bonus():
    # 10 000 target bonus, 20 % CX share, 110 % attainment → 10 000 × 0.2 × 1.1 = 2 200
    assert participant_bonus(10000, 20, 110) == pytest.approx(2200)
    assert participant_bonus(10000, 20, None) == 0
