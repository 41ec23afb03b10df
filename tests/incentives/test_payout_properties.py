"""Hypothesis properties of the payout curve and attainment (DESIGN §4 item 12)."""

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps.metrics.engine.incentives import ComponentDef, payout_percent, plan_attainment, validate_component

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
percent = st.floats(min_value=0, max_value=300, allow_nan=False)


@st.composite
def components(draw):
    direction = draw(st.sampled_from(["higher_is_better", "lower_is_better"]))
    points = sorted(draw(st.lists(finite, min_size=3, max_size=3, unique=True)))
    assume(points[1] - points[0] > 1e-3 and points[2] - points[1] > 1e-3)
    if direction == "lower_is_better":
        points.reverse()
    percents = sorted(draw(st.lists(percent, min_size=3, max_size=3)))
    component = ComponentDef("M", direction, 1.0, *points, *percents)
    assert validate_component(component) == []
    return component


def good(component, a, b):
    """a and b ordered so that b is at least as good as a."""
    return (a, b) if component.sign * a <= component.sign * b else (b, a)


@settings(max_examples=300, deadline=None)
@given(components(), finite, finite)
def test_payout_is_monotone_in_the_actual_in_the_good_direction(component, a, b):
    worse, better = good(component, a, b)
    assert payout_percent(worse, component) <= payout_percent(better, component) + 1e-9


@settings(max_examples=300, deadline=None)
@given(components(), finite)
def test_payout_is_bounded_by_the_maximum_percent(component, actual):
    assert 0 <= payout_percent(actual, component) <= component.maximum_percent + 1e-9


@settings(max_examples=300, deadline=None)
@given(components(), st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=1e-9, max_value=1e-6))
def test_payout_is_continuous_except_the_step_at_the_threshold(component, where, eps):
    s = component.sign
    span = abs(component.maximum - component.threshold)
    # A point anywhere from the threshold to beyond the maximum (not at the step itself).
    x = component.threshold + s * span * (0.001 + where * 1.5)
    left, right = x - s * eps * span, x + s * eps * span
    slope_bound = max(
        abs(component.target_percent - component.threshold_percent)
        / abs(component.target - component.threshold),
        abs(component.maximum_percent - component.target_percent) / abs(component.maximum - component.target),
    )
    jump = abs(payout_percent(right, component) - payout_percent(left, component))
    assert jump <= slope_bound * 2 * eps * span * (1 + 1e-6) + 1e-9
    # The step: just below the threshold 0 %, at it the threshold %.
    below = component.threshold - s * span * 1e-6
    assert payout_percent(below, component) == 0
    assert math.isclose(payout_percent(component.threshold, component), component.threshold_percent)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(components(), st.one_of(st.none(), finite), st.floats(min_value=0.01, max_value=100)),
        min_size=1,
        max_size=5,
    )
)
def test_attainment_lies_within_zero_and_the_largest_maximum_percent(items):
    pairs = [(w, payout_percent(actual, c)) for c, actual, w in items]
    attainment = plan_attainment(pairs)
    assert 0 <= attainment <= max(c.maximum_percent for c, _a, _w in items) + 1e-9
