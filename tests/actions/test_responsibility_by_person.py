"""The responsibility matrix by person (issue 24): each metric's owner, each open plan's
owner, each open milestone's owner."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.actions.models import ActionPlan, Milestone
from apps.metrics.models import Metric

pytestmark = pytest.mark.django_db
URL = reverse("actions:matrix") + "?by=person"


@pytest.fixture
def owned(p):
    Metric.objects.create(
        code="AHT",
        name="Handling time",
        level="operational",
        direction="lower_is_better",
        aggregation="mean",
        frequency="monthly",
        owner_department=p.service,
        owner=p.hugo,
    )
    plan = ActionPlan.objects.create(
        title="Callback", owner_department=p.service, owner=p.hugo, status="active"
    )
    Milestone.objects.create(plan=plan, title="Pilot", owner=p.cora)
    Milestone.objects.create(plan=plan, title="Done already", owner=p.cora, done_at=timezone.now())
    closed = ActionPlan.objects.create(title="Old", owner_department=p.website, owner=p.wanda, status="done")
    Milestone.objects.create(plan=closed, title="Never", owner=p.carl)
    return plan


def test_it_lists_who_answers_for_each_metric_plan_and_milestone(p, owned, login):
    client = login(p.carl)
    response = client.get(URL + "&format=csv")
    rows = [r[2:] for r in csv.reader(io.StringIO(response.content.decode()))]  # after period, scope
    assert rows[0] == ["Person", "Kind", "Metric, plan or milestone", "Department", "Due"]
    # Metrics nobody owns (the feedback KPIs the migrations create) show an empty person.
    assert sorted(tuple(r[:4]) for r in rows[1:] if r[0]) == sorted(
        [
            ("Hugo Head", "metric", "Handling time", "Customer Service"),
            ("Hugo Head", "plan", "Callback", "Customer Service"),
            ("Cora Contributor", "milestone", "Callback · Pilot", "Customer Service"),
        ]
    )


def test_it_filters_by_person_and_links_to_each_subject(p, owned, login):
    client = login(p.erin)
    response = client.get(URL + f"&person={p.cora.pk}")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1
    body = response.content.decode()
    assert reverse("actions:plan-detail", args=[owned.pk]) in body
    assert "Pilot" in body and "Handling time" not in body
    metrics_only = client.get(URL + f"&kind=metrics&person={p.hugo.pk}").context["page_obj"].paginator.count
    assert metrics_only == 1
    plans_only = client.get(URL + f"&kind=plans&person={p.hugo.pk}").context["page_obj"].paginator.count
    assert plans_only == 1
    assert "?by=person" in client.get(reverse("actions:matrix")).content.decode()
