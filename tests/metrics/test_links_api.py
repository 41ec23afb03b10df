"""Driver links through the API: a new link is created; one that closes a cycle is refused,
named, and writes nothing."""

import pytest

from apps.metrics.models import DirtyPeriod, MetricLink

pytestmark = pytest.mark.django_db


def test_the_cx_leader_creates_a_link_through_the_api(api, p, hierarchy):
    response = api(p.alice_token).post(
        "/api/v1/links/", {"child": "WEB_ERR", "parent": "REVENUE", "weight": 2, "impact": -50}, format="json"
    )
    assert response.status_code == 201, response.content
    link = MetricLink.objects.get(child__code="WEB_ERR", parent__code="REVENUE")
    assert (link.weight, link.impact, link.archived) == (2, -50, False)
    assert response.json()["id"] == link.pk


def test_a_link_that_closes_a_cycle_is_refused_by_the_api_and_writes_nothing(api, p, hierarchy):
    links, dirty = MetricLink.objects.count(), DirtyPeriod.objects.count()
    response = api(p.alice_token).post(
        "/api/v1/links/", {"child": "REVENUE", "parent": "AHT", "weight": 1, "impact": 1}, format="json"
    )
    assert response.status_code == 400
    assert "cycle" in response.content.decode()
    assert "AHT" in response.content.decode()
    assert (MetricLink.objects.count(), DirtyPeriod.objects.count()) == (links, dirty)
