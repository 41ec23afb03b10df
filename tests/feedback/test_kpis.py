"""The closed-loop KPIs worked by hand (DESIGN §3, issue #18 item 7), and the reserved
source: nobody uploads their rows."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.feedback import kpis, services
from apps.feedback.models import Acknowledgement, FeedbackItem, Routing
from apps.metrics import ingest as measurement_ingest
from apps.metrics.models import Measurement

from .conftest import item_row

pytestmark = pytest.mark.django_db

OCTOBER = date(2026, 10, 1)


def local(*args):
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def _item(receive, ext, when, **kw):
    return FeedbackItem.objects.get(
        pk=receive(item_row(ext, received_at=when.isoformat(), topic="x", **kw)).created[0]
    )


def _route(item, by, departments, when):
    services.item_route(item=item, by=by, departments=departments)
    Routing.objects.filter(item=item).update(routed_at=when, due_at=when + timedelta(hours=48))


def _ack(item, by, dept, when):
    services.item_acknowledge(item=item, by=by, department=dept)
    Acknowledgement.objects.filter(item=item, department=dept).update(at=when)


@pytest.fixture
def october(p, five, receive):
    """A: 5 departments (CX +10 h, PRODUCT +20 h, WEBSITE +60 h late, SERVICE +30 h,
    MARKETING never), closed after 3 days; B: SERVICE only, acknowledged +50 h (late), open;
    C: WEBSITE, declined, closed after 13 days; D: never routed; E: November (not counted)."""
    a0, b0, c0, d0 = (
        local(2026, 10, 5, 10),
        local(2026, 10, 10, 9),
        local(2026, 10, 12, 8),
        local(2026, 10, 20, 12),
    )
    a = _item(receive, "A", a0, channel="WEB")
    b = _item(receive, "B", b0, channel="WEB", customer_reference="b")
    c = _item(receive, "C", c0, channel="PHONE", customer_reference="c")
    d = _item(receive, "D", d0, customer_reference="d")
    _item(receive, "E", local(2026, 11, 2, 9), customer_reference="e")
    _route(a, p.alice, five.departments, a0)
    for dept, hours in ((five.cx, 10), (five.product, 20), (five.website, 60), (five.service, 30)):
        _ack(a, p.alice, dept, a0 + timedelta(hours=hours))
    services.item_close(item=a, by=p.alice, reason="customer_informed", told="Fixed")
    FeedbackItem.objects.filter(pk=a.pk).update(closed_at=a0 + timedelta(days=3))
    _route(b, p.alice, [five.service], b0)
    _ack(b, p.hugo, five.service, b0 + timedelta(hours=50))
    _route(c, p.alice, [five.website], c0)
    services.item_decline(item=c, by=p.wanda, department=five.website, reason="Not ours")
    services.item_close(item=c, by=p.alice, reason="not_actionable")
    FeedbackItem.objects.filter(pk=c.pk).update(closed_at=c0 + timedelta(days=13))
    return d


def test_each_closed_loop_kpi_per_department_and_for_the_organisation(october):
    rows = kpis.month_rows(OCTOBER, now=local(2026, 12, 1))
    assert rows == {
        # acknowledged within 48 h: 6 pairs (A × 5, B); C's declined routing is no pair
        ("FB_ACK_SLA", None, None): (50.0, 6.0),
        ("FB_ACK_SLA", "CX", None): (100.0, 1.0),
        ("FB_ACK_SLA", "PRODUCT", None): (100.0, 1.0),
        ("FB_ACK_SLA", "WEBSITE", None): (0.0, 1.0),
        ("FB_ACK_SLA", "SERVICE", None): (50.0, 2.0),
        ("FB_ACK_SLA", "MARKETING", None): (0.0, 1.0),
        # hours to acknowledge: (10 + 20 + 60 + 30 + 50) / 5
        ("FB_ACK_HOURS", None, None): (34.0, 5.0),
        ("FB_ACK_HOURS", "CX", None): (10.0, 1.0),
        ("FB_ACK_HOURS", "PRODUCT", None): (20.0, 1.0),
        ("FB_ACK_HOURS", "WEBSITE", None): (60.0, 1.0),
        ("FB_ACK_HOURS", "SERVICE", None): (40.0, 2.0),
        # closed within 7 days: A only, counted once at organisation scope over A, B, C, D
        ("FB_CLOSED_LOOP", None, None): (25.0, 4.0),
        ("FB_CLOSED_LOOP", "CX", None): (100.0, 1.0),
        ("FB_CLOSED_LOOP", "PRODUCT", None): (100.0, 1.0),
        ("FB_CLOSED_LOOP", "WEBSITE", None): (100.0, 1.0),
        ("FB_CLOSED_LOOP", "SERVICE", None): (50.0, 2.0),
        ("FB_CLOSED_LOOP", "MARKETING", None): (100.0, 1.0),
        ("FB_ITEMS", None, None): (4.0, 1.0),
        ("FB_ITEMS", None, "WEB"): (2.0, 1.0),
        ("FB_ITEMS", None, "PHONE"): (1.0, 1.0),
    }


def test_a_pair_neither_due_nor_done_does_not_count_yet(p, five, receive):
    item = FeedbackItem.objects.get(pk=receive(item_row()).created[0])
    month = timezone.localdate().replace(day=1)
    rows = kpis.month_rows(month)
    assert ("FB_ACK_SLA", None, None) not in rows
    services.item_acknowledge(item=item, by=p.hugo, department=five.service)
    rows = kpis.month_rows(month)
    assert rows[("FB_ACK_SLA", "SERVICE", None)] == (100.0, 1.0)
    assert rows[("FB_ACK_SLA", None, None)] == (100.0, 1.0)
    assert ("FB_CLOSED_LOOP", None, None) not in rows  # received less than 7 days ago


def test_refresh_writes_the_rows_through_the_ingest_and_retracts_those_no_longer_produced(p, five, october):
    now = local(2026, 12, 1)
    kpis.refresh([OCTOBER], now=now)
    stored = Measurement.objects.filter(source="feedback", period_start=OCTOBER)
    assert stored.count() == 20
    assert stored.get(metric__code="FB_ACK_SLA", department__isnull=True, channel__isnull=True).value == 50.0
    assert kpis.refresh([OCTOBER], now=now) == {"written": 0, "removed": 0}
    # Marketing declines A after all: its pair goes, and its rows with it.
    a = FeedbackItem.objects.get(external_id="A")
    services.item_reopen(item=a, by=p.alice)
    services.item_decline(item=a, by=p.alice, department=five.marketing, reason="Not ours")
    result = kpis.refresh([OCTOBER], now=now)
    assert result["removed"] == 2  # FB_ACK_SLA and FB_CLOSED_LOOP of MARKETING
    assert not stored.filter(department__code="MARKETING").exists()


def test_nobody_may_upload_rows_with_the_reserved_source_or_for_the_system_metrics(p, hierarchy):
    rows = [
        {
            "metric": "AHT",
            "period_start": "2026-10-01",
            "department": "SERVICE",
            "source": "feedback",
            "value": 1,
            "sample_size": 1,
        },
        {
            "metric": "FB_ACK_SLA",
            "period_start": "2026-10-01",
            "department": "SERVICE",
            "source": "manual",
            "value": 100,
            "sample_size": 1,
        },
    ]
    result = measurement_ingest.measurements_ingest(rows=rows, by=p.alice, csv_mode=False)
    assert [(e["row"], e["field"]) for e in result.errors] == [(0, "source"), (1, "source")]
    assert "computed by the portal" in result.errors[1]["message"]
    assert not Measurement.objects.exists()
