"""The demo bonus plans (DESIGN §9, issue #17 item 9), and a demo participant's CX bonus
worked by hand from the snapshots: each component's payout from its segment of the curve."""

import pytest
from django.utils import timezone

from apps.incentives import demo as incentives_demo
from apps.incentives.models import IncentivePlan, PayoutResult
from apps.metrics import demo as metrics_demo
from apps.metrics.models import RollupSnapshot
from apps.organization import demo as organization_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    organization_demo.load()
    metrics_demo.load()
    return incentives_demo.load()


def by_hand(actual, direction, threshold, target, maximum, percents=(50.0, 100.0, 150.0)):
    """§4 item 12 written out: s·x compared with s·threshold < s·target < s·maximum."""
    if actual is None:
        return 0.0
    s = 1 if direction == "higher_is_better" else -1
    x, lo, mid, hi = s * actual, s * threshold, s * target, s * maximum
    p_lo, p_mid, p_hi = percents
    if x < lo:
        return 0.0
    if x <= mid:
        return p_lo + (p_mid - p_lo) * (x - lo) / (mid - lo)
    if x <= hi:
        return p_mid + (p_hi - p_mid) * (x - mid) / (hi - mid)
    return p_hi


def test_the_demo_has_this_years_approved_plan_and_last_years_closed_one(demo):
    year = timezone.localdate().year
    current, last = demo["bonus_plan"], demo["bonus_plan_last_year"]
    assert (current.period, current.status) == (str(year), IncentivePlan.Status.APPROVED)
    assert (last.period, last.status) == (str(year - 1), IncentivePlan.Status.CLOSED)
    codes = sorted(current.components.values_list("metric__code", "scope"))
    assert codes == [("CSAT", "department"), ("FCR", "organisation"), ("NPS", "organisation")]
    assert current.participants.values("department").distinct().count() == 5
    assert current.approved_by.email == "executive@demo.cx" and current.author.email == "cx.leader@demo.cx"
    frozen = PayoutResult.objects.filter(plan=last)
    assert frozen.count() == 5 and all(r.frozen_at is not None for r in frozen)
    assert any(r.cx_bonus > 0 for r in frozen)
    assert PayoutResult.objects.filter(plan=current, provisional=True).count() == 6


def test_a_demo_participants_cx_bonus_worked_by_hand(demo):
    plan = demo["bonus_plan_last_year"]
    participant = plan.participants.select_related("department").get(person__email="head.website@demo.cx")
    period = plan.period_obj
    total_weight = weighted = 0.0
    for component in plan.components.select_related("metric"):
        scope = ("dept", participant.department_id) if component.scope == "department" else ("org", 0)
        snapshot = RollupSnapshot.objects.filter(
            metric=component.metric,
            period_kind=period.kind,
            period_start=period.start,
            scope_kind=scope[0],
            scope_id=scope[1],
        ).first()
        actual = snapshot.actual if snapshot else None
        assert actual is not None, component
        payout = by_hand(
            actual, component.metric.direction, component.threshold, component.target, component.maximum
        )
        stored = PayoutResult.objects.get(participant=participant).components.get(component=component)
        assert stored.actual == pytest.approx(actual)
        assert stored.payout_percent == pytest.approx(payout)
        total_weight += component.weight
        weighted += component.weight * payout
    attainment = weighted / total_weight
    result = PayoutResult.objects.get(participant=participant)
    assert result.attainment == pytest.approx(attainment)
    # Target bonus × CX share/100 × attainment/100, the whole year in the plan.
    assert result.cx_bonus == pytest.approx(
        participant.target_bonus * participant.cx_share / 100 * attainment / 100
    )
    assert result.cx_bonus > 0


def test_loading_the_demo_twice_changes_nothing(demo):
    before = sorted(
        PayoutResult.objects.values_list("participant__person__email", "plan__period", "cx_bonus")
    )
    plans = IncentivePlan.objects.count()
    incentives_demo.load()
    assert IncentivePlan.objects.count() == plans
    assert (
        sorted(PayoutResult.objects.values_list("participant__person__email", "plan__period", "cx_bonus"))
        == before
    )
