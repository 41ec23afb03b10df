"""Pages read the engine's numbers; nothing downstream recomputes them."""

from datetime import date

import pytest

from apps.actions import selectors as plan_selectors
from apps.actions import services as plan_services
from apps.metrics import selectors
from apps.metrics.engine.periods import Period, own_period_kind, period_kind_shown
from apps.metrics.engine.plans import plan_benefit
from apps.metrics.engine.scoring import gap_value, headline_score, status
from apps.metrics.models import RollupSnapshot


@pytest.mark.parametrize(
    ("own", "driven", "score", "driven_shown"),
    [
        (80.0, 120.0, 80.0, False),
        (None, 120.0, 120.0, True),
        (None, None, None, False),
        (0.0, 50.0, 0.0, False),
    ],
)
def test_a_snapshot_is_judged_by_its_own_score_else_its_driven_score(own, driven, score, driven_shown):
    snapshot = RollupSnapshot(own_score=own, driven_score=driven)
    assert snapshot.score == score == headline_score(own, driven)
    assert snapshot.score_is_driven is driven_shown
    # The status the engine gives is decided on that same score.
    assert status(own, driven) == ("grey" if score is None else status(score, None))


@pytest.mark.parametrize(
    ("frequency", "wanted", "shown"),
    [
        ("daily", "month", "month"),
        ("monthly", "quarter", "quarter"),
        ("quarterly", "month", "quarter"),
        ("quarterly", "year", "year"),
        ("yearly", "month", "year"),
        ("yearly", "quarter", "year"),
    ],
)
def test_the_period_kind_shown_is_the_asked_one_unless_the_metric_has_none(frequency, wanted, shown):
    assert period_kind_shown(frequency, wanted) == shown
    assert own_period_kind(frequency) == {"quarterly": "quarter", "yearly": "year"}.get(frequency, "month")


def test_gap_value_is_gap_times_share_times_money_weight():
    assert gap_value(None, 700.0) is None
    assert gap_value(-2.0, 700.0) == -1400.0
    assert gap_value(4.0, 10.0, share=0.25) == 10.0


def test_the_plan_page_shows_each_impacts_benefit_as_the_engine_computes_it(p, hierarchy):
    plan = plan_services.plan_create(by=p.alice, title="P", owner_department=p.service, cost_estimate=100)
    plan_services.impact_set(plan=plan, by=p.alice, metric=hierarchy.aht, expected_change=-10)
    plan_services.impact_set(plan=plan, by=p.alice, metric=hierarchy.csat, expected_change=2)
    weights = selectors.money_weights()
    page = plan_selectors.plan_page(plan.pk)
    by_code = {row.impact.metric.code: row.annual_benefit for row in page.impacts}
    # mw(AHT) = −0.01 × 1000 = −10 per second; 12 × (−10 s) × −10 = 1200 a year.
    assert by_code == {"AHT": pytest.approx(1200.0), "CSAT": pytest.approx(24000.0)}
    assert by_code["AHT"] == plan_benefit([("AHT", -10)], weights)
    assert page.figures.benefit == pytest.approx(sum(by_code.values()))


def test_the_metric_page_reads_consistency_and_money_from_the_engine(p, hierarchy):
    month = Period.parse("2024-03")
    for scope_id, actual in ((p.phone.pk, 300.0), (p.web.pk, 200.0)):
        RollupSnapshot.objects.create(
            metric=hierarchy.aht,
            period_kind="month",
            period_start=month.start,
            scope_kind="channel",
            scope_id=scope_id,
            actual=actual,
            status="grey",
        )
    RollupSnapshot.objects.create(
        metric=hierarchy.aht,
        period_kind="month",
        period_start=month.start,
        scope_kind="org",
        actual=320.0,
        target=300.0,
        own_score=93.75,
        gap=-20.0,
        status="amber",
    )
    page = selectors.metric_page(hierarchy.aht, month, selectors.ORG_SCOPE)
    # 100 × (1 − (300 − 200) / 250) = 60
    assert page.consistency == pytest.approx(60.0)
    assert [name for name, _s in page.by_channel] == ["Phone", "Web"]
    assert page.current.score == 93.75
    assert len(page.trend) == 13 and page.trend[-1][0] == month
    assert page.money.is_leaf and page.money.money_weight == pytest.approx(-10.0)
    assert page.money.months == [(month, -20.0, pytest.approx(200.0))]
    assert page.chart["actual"][-1] == 320.0
    assert date(2024, 3, 1) == page.trend[-1][0].start
