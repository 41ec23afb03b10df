"""Benefits that can be believed (DESIGN §4 item 10): each plan's benefit split into the part
that closes its metric's gap and the part beyond target; done and cancelled plans are not
ranked; the ranking says where the open plans on a metric promise more than its gap."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from apps.actions import selectors, services
from apps.metrics import ingest, rollup
from apps.metrics import services as metric_services
from apps.metrics.scopes import last_closed_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def fcr(p):
    """FCR → REVENUE impact 100 (mw 100); target 80; the last closed month at 77: gap 3."""
    fields = {"level": "operational", "direction": "higher_is_better", "frequency": "monthly"}
    fcr = metric_services.metric_create(by=p.alice, code="FCR", name="FCR", aggregation="mean", **fields)
    revenue = metric_services.metric_create(
        by=p.alice, code="REVENUE", name="Revenue", aggregation="sum", is_monetary=True, **fields
    )
    metric_services.link_create(by=p.alice, child=fcr, parent=revenue, impact=100)
    metric_services.target_create(by=p.alice, metric=fcr, valid_from=date(2020, 1, 1), value=80)
    month = last_closed_month()
    row = {
        "metric": "FCR",
        "period_start": month.start.isoformat(),
        "source": "s",
        "value": 77,
        "sample_size": 9,
    }
    assert ingest.measurements_ingest(rows=[row], by=p.alice, csv_mode=False).ok
    rollup.rollup_full()
    return fcr


def _plan(p, fcr, title, change, cost, status="active"):
    plan = services.plan_create(
        by=p.alice, title=title, owner_department=p.service, cost_estimate=cost, effort="M", status=status
    )
    services.impact_set(plan=plan, by=p.alice, metric=fcr, expected_change=change)
    return plan


def test_the_benefit_is_split_within_the_gap_and_beyond_target(client, p, fcr):
    _plan(p, fcr, "Playbook", 5, 10_000)  # 5 points against a gap of 3: 3 within, 2 beyond
    _plan(p, fcr, "Knowledge base", 2, 10_000)  # all within
    _plan(p, fcr, "Old coaching", 4, 1_000, status="done")
    _plan(p, fcr, "Dropped desk", 4, 1_000, status="cancelled")
    ranked = selectors.roi_ranking()
    figures = {plan.title: fig for plan, fig in ranked}
    assert set(figures) == {"Playbook", "Knowledge base"}
    assert figures["Playbook"].benefit == pytest.approx(12 * 5 * 100)
    assert figures["Playbook"].within == pytest.approx(12 * 3 * 100)
    assert figures["Playbook"].beyond == pytest.approx(12 * 2 * 100)
    assert (figures["Knowledge base"].within, figures["Knowledge base"].beyond) == (pytest.approx(2400), 0)

    client.force_login(p.erin)
    page = client.get(reverse("actions:plan-ranking")).content.decode()
    assert 'id="over-promised"' in page and "more than its gap" in page
    assert "Old coaching" not in page and "Dropped desk" not in page
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("actions:plan-ranking") + "?format=csv").content.decode())
        )
    )
    first = rows[0]
    assert (first["period"], first["scope"]) == (str(last_closed_month()), "org")
    assert (first["plan"], first["status"]) == ("Playbook", "active")
    assert (first["annual_benefit_EUR"], first["benefit_within_gap_EUR"], first["roi_x"]) == (
        "6000",
        "3600",
        "-0.4",
    )
