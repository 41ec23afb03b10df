from dataclasses import dataclass
from datetime import date

import pytest

from apps.incentives import services
from apps.incentives.models import IncentivePlan
from apps.metrics import ingest, rollup
from apps.metrics import services as metric_services
from apps.metrics.models import Metric


@dataclass
class Bonus:
    csat: Metric
    aht: Metric
    calls: Metric
    plan: IncentivePlan


def ingest_rows(user, rows):
    result = ingest.measurements_ingest(rows=rows, by=user, csv_mode=False)
    assert not result.errors, result.errors
    return result


def measurement(metric, start, value, *, department=None, sample=100, source="survey"):
    return {
        "metric": metric,
        "period_start": start,
        "department": department,
        "channel": None,
        "source": source,
        "value": value,
        "sample_size": sample,
    }


@pytest.fixture
def bonus(p):
    """CSAT (higher is better, organisation) and AHT (lower is better, the participant's
    department) measured in 2025: CSAT 4.45 for the organisation, AHT 310 s in Customer
    Service and 280 s in Website. A draft 2025 plan with both components, no participants."""

    def metric(code, **kw):
        defaults = {"level": "operational", "aggregation": "mean", "frequency": "monthly"}
        return metric_services.metric_create(by=p.alice, code=code, name=code, **{**defaults, **kw})

    csat = metric("CSAT", level="experience", direction="higher_is_better")
    aht = metric("AHT", direction="lower_is_better")
    calls = metric("CALLS", direction="higher_is_better", aggregation="sum")
    ingest_rows(
        p.alice,
        [
            measurement("CSAT", "2025-06-01", 4.45),
            measurement("AHT", "2025-06-01", 310, department="SERVICE"),
            measurement("AHT", "2025-06-01", 280, department="WEBSITE"),
        ],
    )
    rollup.rollup_full(today=date(2026, 11, 23))
    plan = services.plan_create(by=p.alice, name="CX bonus 2025", period="2025")
    services.component_add(
        plan=plan, by=p.alice, metric=csat, weight=2, threshold=4.0, target=4.3, maximum=4.6
    )
    services.component_add(
        plan=plan,
        by=p.alice,
        metric=aht,
        scope="department",
        weight=1,
        threshold=320,
        target=300,
        maximum=270,
    )
    return Bonus(csat, aht, calls, IncentivePlan.objects.get(pk=plan.pk))
