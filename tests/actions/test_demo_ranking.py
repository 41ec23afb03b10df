"""The demo's plans can be believed (DESIGN §4 item 10, issue #26): no plan above 20× ROI,
the open plans' total expected benefit of the order of the yearly cost of not improving,
done and cancelled plans out of the ranking, the benefit split within the gap / beyond."""

import math

import pytest

from apps.actions import demo as actions_demo
from apps.actions import selectors
from apps.actions.models import ActionPlan
from apps.metrics import demo as metrics_demo
from apps.metrics.scopes import ORG_SCOPE, last_closed_month
from apps.metrics.selectors import cost_trend
from apps.organization import demo as organization_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    organization_demo.load()
    metrics_demo.load()
    actions_demo.load()


def test_the_demo_ranking_is_plausible(demo):
    ranked = selectors.roi_ranking()
    assert ranked
    assert not [plan for plan, _fig in ranked if plan.status in ActionPlan.CLOSED]
    assert ActionPlan.objects.filter(status__in=ActionPlan.CLOSED).exists()
    rois = [fig.roi for _plan, fig in ranked if fig.roi is not None]
    assert max(rois) <= 20
    benefit = math.fsum(fig.benefit for _plan, fig in ranked)
    yearly_cost = math.fsum(v or 0 for _p, v in cost_trend(ORG_SCOPE, last_closed_month(), 12))
    assert yearly_cost > 0
    assert 0.3 * yearly_cost <= benefit <= 3 * yearly_cost, (benefit, yearly_cost)
    # Every split adds up to the plan's benefit.
    for _plan, fig in ranked:
        if fig.within is not None:
            assert fig.within + fig.beyond == pytest.approx(fig.benefit)
    print(f"yearly cost {yearly_cost:.0f}, open benefit {benefit:.0f}, max ROI {max(rois):.2f}")
