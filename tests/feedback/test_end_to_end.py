"""The sources' example end to end: one self-service item reaches CX, Product, Website,
Customer Service and Marketing at once; each acknowledges, a plan is linked, the customer
is told, the loop is closed, and that month's department KPIs show it after a roll-up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feedback import kpis, services
from apps.feedback.models import FeedbackItem
from apps.metrics import rollup
from apps.metrics.models import RollupSnapshot

from .conftest import item_row

pytestmark = pytest.mark.django_db


def snapshot(code, month, department=None):
    return RollupSnapshot.objects.get(
        metric__code=code,
        period_kind="month",
        period_start=month,
        scope_kind="dept" if department else "org",
        scope_id=department.pk if department else 0,
    )


def test_one_self_service_item_closed_by_five_departments_shows_in_their_kpis(
    p, five, receive, django_capture_on_commit_callbacks
):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    assert item.status == "routed" and item.routings.count() == 5
    with django_capture_on_commit_callbacks(execute=True):
        for dept in five.departments:
            head = five.heads[dept.code]
            if dept == five.website:
                ack = services.item_acknowledge(item=item, by=head, department=dept, create_plan=True)
            else:
                services.item_acknowledge(item=item, by=head, department=dept, note="Seen")
        item.refresh_from_db()
        assert item.status == "actioned" and ack.plan.owner_department == five.website
        services.item_close(
            item=item, by=p.wanda, reason="customer_informed", told="Fixed: sessions last 8 hours"
        )
    item.refresh_from_db()
    assert item.status == "closed" and item.informed_by == p.wanda
    month = timezone.localdate(item.received_at).replace(day=1)
    # Acknowledged within the service level: on commit, through the ingest and the roll-up.
    for dept in five.departments:
        assert snapshot("FB_ACK_SLA", month, dept).actual == 100.0
    assert snapshot("FB_ACK_SLA", month).actual == 100.0
    assert snapshot("FB_ITEMS", month).actual == 1.0
    assert snapshot("FB_ACK_HOURS", month, five.service).actual < 1.0
    # The closed-loop rate counts items received at least 7 days ago: the nightly run a
    # week later counts this one, closed within the week, for each department and once
    # for the organisation.
    kpis.refresh([month], now=timezone.now() + timedelta(days=7))
    rollup.rollup_dirty()
    for dept in five.departments:
        assert snapshot("FB_CLOSED_LOOP", month, dept).actual == 100.0
    org = snapshot("FB_CLOSED_LOOP", month)
    assert org.actual == 100.0
    from apps.metrics.models import Measurement

    row = Measurement.objects.get(metric__code="FB_CLOSED_LOOP", department__isnull=True, period_start=month)
    assert row.sample_size == 1.0  # the item counts once at organisation scope
