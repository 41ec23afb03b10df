"""Channel consistency (DESIGN §4 item 11), worked by hand."""

from __future__ import annotations

import pytest

from apps.metrics.engine import channel_consistency


def test_consistency_is_one_minus_the_spread_over_the_mean():
    # mean 90, spread 20 → 100 × (1 − 20/90) = 77.78
    assert channel_consistency([80, 100]) == pytest.approx(100 * (1 - 20 / 90))
    assert channel_consistency([70, 70, 70]) == 100


def test_the_mean_is_unweighted_and_taken_in_absolute_value():
    # mean −20, spread 20 → 100 × (1 − 20/20) = 0
    # mean −30 over (−20, −40, −30), spread 20 → 100 × (1 − 20/30) = 33.3
    assert channel_consistency([-10, -30]) == 0
    assert channel_consistency([-20, -40, -30]) == pytest.approx(100 / 3)


def test_it_is_clamped_to_0_and_100():
    assert channel_consistency([10, 40]) == 0  # 100 × (1 − 30/25) = −20


def test_a_mean_of_zero_gives_100_when_all_are_equal_else_0():
    assert channel_consistency([0, 0]) == 100
    assert channel_consistency([-5, 5]) == 0


def test_it_needs_two_channels_with_an_actual():
    assert channel_consistency([80]) is None
    assert channel_consistency([80, None]) is None
    assert channel_consistency([]) is None
