"""A monetary metric that would be a money top must be a `sum` metric (DESIGN §4 item 7):
the metric service, the link service and the API refuse it and write nothing."""

import pytest
from django.core.exceptions import ValidationError

from apps.metrics import services
from apps.metrics.models import Metric, MetricLink

pytestmark = pytest.mark.django_db


def _metric(p, code, **kw):
    fields = {
        "level": "financial",
        "direction": "higher_is_better",
        "aggregation": "sum",
        "frequency": "monthly",
    }
    return services.metric_create(by=p.alice, code=code, name=code, **{**fields, **kw})


def test_a_monetary_mean_with_nothing_above_it_is_refused(p):
    with pytest.raises(ValidationError) as err:
        _metric(p, "AVG_SPEND", aggregation="mean", is_monetary=True)
    assert "sum" in str(err.value) and "AVG_SPEND" in str(err.value)
    assert not Metric.objects.filter(code="AVG_SPEND").exists()


def test_turning_a_monetary_top_into_a_mean_is_refused(p, hierarchy):
    revenue = hierarchy.revenue
    with pytest.raises(ValidationError) as err:
        services.metric_update(metric=revenue, by=p.alice, version=revenue.version, aggregation="mean")
    assert "aggregation" in err.value.message_dict
    revenue.refresh_from_db()
    assert revenue.aggregation == "sum"


def test_a_monetary_mean_under_a_monetary_sum_is_accepted_and_unlinking_it_is_refused(p, hierarchy):
    spend = _metric(p, "SPEND", aggregation="sum", is_monetary=True)
    avg = _metric(p, "AVG_BASKET", aggregation="sum", is_monetary=True)
    link = services.link_create(by=p.alice, child=avg, parent=spend, impact=1)
    services.metric_update(metric=avg, by=p.alice, version=avg.version, aggregation="mean")
    # Moving the link onto a metric with no money above it would make AVG_BASKET a top.
    lonely = _metric(p, "LONELY", level="experience", aggregation="mean")
    link.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        services.link_update(link=link, by=p.alice, version=link.version, parent=lonely)
    assert "parent" in err.value.message_dict
    assert MetricLink.objects.get(pk=link.pk).parent_id == spend.pk


def test_the_api_refuses_a_monetary_top_that_is_not_a_sum(api, p):
    count = Metric.objects.count()
    response = api(p.alice_token).post(
        "/api/v1/metrics/",
        {
            "code": "MARGIN",
            "name": "Margin",
            "level": "financial",
            "direction": "higher_is_better",
            "aggregation": "mean",
            "frequency": "monthly",
            "is_monetary": True,
        },
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "sum" in response.content.decode()
    assert Metric.objects.count() == count
