"""Own score, driven score, status and gap (DESIGN §4 items 4, 5, 6, 8), worked by hand."""

from __future__ import annotations

import pytest

from apps.metrics.engine import driven_score, gap, own_score, status

HIGHER, LOWER = "higher_is_better", "lower_is_better"


def test_higher_is_better_without_baseline_is_actual_over_target():
    assert own_score(66, 75, HIGHER) == pytest.approx(88)  # 100 × 66 / 75


def test_lower_is_better_without_baseline_is_target_over_actual():
    # AHT: target 300 s, actual 320 s → 100 × 300 / 320 = 93.75
    assert own_score(320, 300, LOWER) == pytest.approx(93.75)
    assert own_score(240, 300, LOWER) == pytest.approx(125)


def test_with_a_baseline_the_score_runs_from_baseline_to_target():
    # FCR: baseline 60, target 75, actual 66 → 100 × (66 − 60) / (75 − 60) = 40
    assert own_score(66, 75, HIGHER, baseline=60) == pytest.approx(40)
    # lower is better: baseline 400, target 300, actual 350 → 100 × (−50) / (−100) = 50
    assert own_score(350, 300, LOWER, baseline=400) == pytest.approx(50)


def test_an_actual_at_or_below_zero_scores_150_when_lower_is_better():
    assert own_score(0, 300, LOWER) == 150
    assert own_score(-5, 300, LOWER) == 150


def test_scores_are_clamped_to_0_and_150():
    assert own_score(-5, 10, HIGHER) == 0  # 100 × −5 / 10 = −50
    assert own_score(40, 10, HIGHER) == 150  # 400
    assert own_score(50, 75, HIGHER, baseline=60) == 0  # −66.7
    assert own_score(100, 75, HIGHER, baseline=60) == 150  # 266.7


def test_no_actual_or_no_target_means_no_score():
    assert own_score(None, 10, HIGHER) is None
    assert own_score(10, None, HIGHER) is None


def test_driven_score_is_the_weighted_mean_of_the_children_that_have_a_score():
    # weights 2 and 1 with scores 80 and 110, a third child without score:
    # (2·80 + 1·110) / 3 = 270 / 3 = 90
    assert driven_score([(2, 80), (1, 110), (5, None)]) == pytest.approx(90)
    assert driven_score([(1, None)]) is None
    assert driven_score([]) is None


@pytest.mark.parametrize(
    ("own", "driven", "threshold", "expected"),
    [
        (100, None, None, "green"),
        (99.999, None, None, "amber"),
        (90, None, None, "amber"),
        (89.999, None, None, "red"),
        (92, None, 95, "red"),  # the target's own threshold
        (95, None, 95, "amber"),
        (None, 120, None, "green"),  # driven score when there is no own score
        (80, 120, None, "red"),  # the own score decides when there is one
        (None, None, 90, "grey"),
    ],
)
def test_status_from_own_else_driven_score(own, driven, threshold, expected):
    assert status(own, driven, threshold) == expected


def test_gap_is_signed_below_100_zero_at_or_above_and_none_without_score():
    assert gap(66, 75, 88) == pytest.approx(9)  # higher is better: 75 − 66
    assert gap(320, 300, 93.75) == pytest.approx(-20)  # lower is better: 300 − 320
    assert gap(80, 75, 106.7) == 0
    assert gap(75, 75, 100) == 0
    assert gap(None, 75, None) is None
