"""Targets: resolution, pro-rating and validation (DESIGN §4 item 3), worked by hand."""

from __future__ import annotations

from datetime import date

import pytest

from apps.metrics.engine import prorate_share, resolve_target, validate_target
from apps.metrics.engine.targets import TargetIndex
from tests.engine.builders import P, S, metric, target

CALLS = metric("CALLS_SOLVED", aggregation="sum")
CSAT = metric("CSAT")
AHT = metric("AHT", direction="lower_is_better")
PAST = date(2030, 1, 1)  # a "today" after every period used here: nothing is pro-rated


def resolve(targets, m, period, scope, today=PAST, latest=None):
    index = TargetIndex(targets)
    return resolve_target(index, m, P(period), S(scope), today=today, latest_start=latest)


def test_a_non_sum_target_is_the_one_valid_at_the_end_of_the_period():
    targets = [
        target("CSAT", 80, since="2024-01-01", until="2024-02-15"),
        target("CSAT", 85, since="2024-02-16", amber=85),
    ]
    assert resolve(targets, CSAT, "2024-01", "org").value == 80
    assert resolve(targets, CSAT, "2024-02", "org").value == 85  # valid on 02-29
    q1 = resolve(targets, CSAT, "2024-Q1", "org")
    assert (q1.value, q1.amber_threshold) == (85, 85)
    assert resolve(targets, CSAT, "2023-12", "org") is None


def test_validity_bounds_are_inclusive():
    targets = [target("CSAT", 80, since="2024-01-01", until="2024-01-31")]
    assert resolve(targets, CSAT, "2024-01", "org").value == 80


def test_department_and_channel_scopes_fall_back_to_the_organisation_for_non_sum_metrics():
    targets = [
        target("AHT", 300),
        target("AHT", 280, dept="CS", amber=92),
        target("AHT", 250, channel="WEB"),
    ]
    assert resolve(targets, AHT, "2024-01", "dept:CS").value == 280
    assert resolve(targets, AHT, "2024-01", "dept:WEB").value == 300  # fallback
    assert resolve(targets, AHT, "2024-01", "channel:WEB").value == 250
    assert resolve(targets, AHT, "2024-01", "channel:PHONE").value == 300  # fallback


def test_a_sum_quarter_target_is_the_sum_of_its_months():
    # Jan–Feb: 100 with baseline 50; from March: 120 without baseline, amber 80.
    targets = [
        target("CALLS_SOLVED", 100, since="2024-01-01", until="2024-02-29", baseline=50),
        target("CALLS_SOLVED", 120, since="2024-03-01", amber=80),
    ]
    q1 = resolve(targets, CALLS, "2024-Q1", "org")
    assert q1.value == 100 + 100 + 120
    assert q1.baseline is None  # March's target has no baseline
    assert q1.amber_threshold == 80  # the one valid at the quarter's end
    # February on its own keeps its baseline.
    feb = resolve(targets, CALLS, "2024-02", "org")
    assert (feb.value, feb.baseline) == (100, 50)


def test_a_sum_quarter_has_no_target_when_a_month_lacks_one():
    targets = [
        target("CALLS_SOLVED", 100, since="2024-01-01", until="2024-01-31"),
        target("CALLS_SOLVED", 120, since="2024-03-01"),
    ]
    assert resolve(targets, CALLS, "2024-Q1", "org") is None  # February has none
    assert resolve(targets, CALLS, "2024-03", "org").value == 120


def test_a_sum_baseline_sums_when_every_month_has_one():
    targets = [target("CALLS_SOLVED", 100, baseline=50)]
    q1 = resolve(targets, CALLS, "2024-Q1", "org")
    assert (q1.value, q1.baseline) == (300, 150)


def test_sum_metrics_have_no_fallback_and_no_channel_targets():
    targets = [target("CALLS_SOLVED", 100), target("CALLS_SOLVED", 40, dept="CS")]
    assert resolve(targets, CALLS, "2024-01", "dept:CS").value == 40
    assert resolve(targets, CALLS, "2024-01", "dept:WEB") is None
    assert resolve(targets, CALLS, "2024-01", "channel:PHONE") is None
    with_channel = [*targets, target("CALLS_SOLVED", 10, channel="PHONE")]
    assert resolve(with_channel, CALLS, "2024-01", "channel:PHONE") is None


def test_pro_rating_in_the_period_that_contains_today():
    # A daily sum metric, 3100 per month, today 2024-03-15, data up to 2024-03-10.
    daily = metric("CALLS_SOLVED", aggregation="sum", frequency="daily")
    targets = [target("CALLS_SOLVED", 3100, baseline=1550)]
    today = date(2024, 3, 15)
    march = resolve(targets, daily, "2024-03", "org", today=today, latest=date(2024, 3, 10))
    # 10 of March's 31 days: 3100 × 10/31 = 1000, baseline 1550 × 10/31 = 500
    assert march.value == pytest.approx(1000)
    assert march.baseline == pytest.approx(500)
    q1 = resolve(targets, daily, "2024-Q1", "org", today=today, latest=date(2024, 3, 10))
    # (31 + 29 + 10) = 70 of Q1's 91 days: 9300 × 70/91
    assert q1.value == pytest.approx(9300 * 70 / 91)
    # February is closed: not pro-rated.
    assert resolve(targets, daily, "2024-02", "org", today=today).value == 3100
    # A mean metric is never pro-rated.
    mean_targets = [target("CSAT", 80)]
    assert resolve(mean_targets, CSAT, "2024-03", "org", today=today, latest=None).value == 80


def test_pro_rating_share_runs_to_the_end_of_the_latest_frequency_period_with_data():
    april = P("2024-04")
    assert prorate_share(april, "daily", date(2024, 4, 6)) == pytest.approx(6 / 30)
    # The week of Monday 2024-04-08 ends on Sunday 04-14: 14 of 30 days.
    assert prorate_share(april, "weekly", date(2024, 4, 8)) == pytest.approx(14 / 30)
    # The week of Monday 2024-04-29 runs into May: clipped to April's end.
    assert prorate_share(april, "weekly", date(2024, 4, 29)) == 1
    assert prorate_share(april, "monthly", date(2024, 4, 1)) == 1
    assert prorate_share(april, "daily", None) == 1  # no data: nothing to pro-rate by


# -- validation -----------------------------------------------------------------------------


def test_a_valid_target_has_no_errors():
    assert validate_target(target("CSAT", 80, baseline=70), CSAT) == []
    assert validate_target(target("AHT", 300, baseline=400), AHT) == []


def test_a_baseline_equal_to_the_target_is_refused():
    errors = validate_target(target("CSAT", 80, baseline=80), CSAT)
    assert errors == ["the baseline equals the target"]


def test_a_baseline_not_worse_than_the_target_is_refused_direction_aware():
    assert validate_target(target("CSAT", 80, baseline=85), CSAT) == [
        "the baseline must be worse than the target (below it for this metric)"
    ]
    assert validate_target(target("AHT", 300, baseline=250), AHT) == [
        "the baseline must be worse than the target (above it for this metric)"
    ]


def test_a_target_at_or_below_zero_requires_a_baseline():
    nps = metric("NPS")
    assert validate_target(target("NPS", 0), nps) == ["a target of 0 or less needs a baseline"]
    assert validate_target(target("NPS", -10), nps) == ["a target of 0 or less needs a baseline"]
    assert validate_target(target("NPS", -10, baseline=-30), nps) == []


def test_overlapping_targets_of_one_metric_and_scope_are_refused_bounds_inclusive():
    existing = [
        target("CSAT", 80, since="2024-01-01", until="2024-06-30"),
        target("CSAT", 80, since="2024-01-01", dept="CS"),  # another scope
    ]
    touching = target("CSAT", 82, since="2024-06-30")
    assert validate_target(touching, CSAT, existing) == [
        "overlaps the CSAT target for org valid 2024-01-01 – 2024-06-30"
    ]
    after = target("CSAT", 82, since="2024-07-01")
    assert validate_target(after, CSAT, existing) == []
    open_before = [target("CSAT", 80, since="2023-01-01")]
    assert len(validate_target(target("CSAT", 85, since="2030-01-01"), CSAT, open_before)) == 1


def test_scope_and_bounds_are_checked():
    both = target("CSAT", 80, dept="CS", channel="PHONE")
    assert "a target is set for a department or a channel, not both" in validate_target(both, CSAT)
    channel_sum = target("CALLS_SOLVED", 80, channel="PHONE")
    assert validate_target(channel_sum, CALLS) == ["a sum metric has no channel targets"]
    backwards = target("CSAT", 80, since="2024-02-01", until="2024-01-01")
    assert validate_target(backwards, CSAT) == ["valid to is before valid from"]
