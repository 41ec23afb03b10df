"""Every list endpoint of the API runs the same number of queries for a few rows and for
many (no query per row), and the snapshot API in particular for 5 and 500 snapshots.

The endpoints come from the router itself: a list endpoint added without a data builder
here fails `test_every_list_endpoint_is_measured`."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.actions.models import ActionPlan, ExpectedImpact, Milestone, ProgressUpdate
from apps.committees.models import AgendaItem, Committee, Decision, Review, ReviewNote
from apps.metrics.models import Measurement, Metric, MetricLink, RollupRun, RollupSnapshot, Target
from apps.organization.models import Channel, Department
from config.api_router import router

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30


def _metrics(p, n: int) -> list[Metric]:
    return [
        Metric.objects.create(
            code=f"Q{i:03d}",
            name=f"Metric {i}",
            level="operational",
            direction="higher_is_better",
            aggregation="mean",
            frequency="monthly",
            owner=p.hugo,
            owner_department=p.service,
        )
        for i in range(n)
    ]


def build_departments(p, n):
    parent = p.service
    for i in range(n):
        parent = Department.objects.create(code=f"D{i:03d}", name=f"Dept {i}", parent=parent)


def build_channels(p, n):
    Channel.objects.bulk_create(Channel(code=f"C{i:03d}", name=f"Channel {i}") for i in range(n))


def build_metrics(p, n):
    metrics = _metrics(p, n + 1)
    for child, parent in zip(metrics, metrics[1:], strict=False):
        MetricLink.objects.create(child=child, parent=parent, weight=1, impact=0.5)


build_links = build_metrics


def build_targets(p, n):
    for i, metric in enumerate(_metrics(p, n)):
        Target.objects.create(metric=metric, valid_from=date(2025, 1, 1), value=50 + i, department=p.service)


def build_measurements(p, n):
    (metric,) = _metrics(p, 1)
    Measurement.objects.bulk_create(
        Measurement(
            metric=metric,
            period_start=date(2025, 1, 1),
            department=p.service if i % 2 else None,
            channel=p.phone if i % 3 else None,
            dept_key=p.service.pk if i % 2 else 0,
            chan_key=p.phone.pk if i % 3 else 0,
            source=f"s{i}",
            value=i,
            sample_size=1,
            recorded_at=timezone.now(),
        )
        for i in range(n)
    )


def build_snapshots(p, n):
    metrics = _metrics(p, 5)
    scopes = [("org", 0), ("dept", p.service.pk), ("dept", p.website.pk), ("channel", p.phone.pk)]
    rows = []
    for i in range(n):
        month, rest = divmod(i, len(metrics) * len(scopes))
        metric, scope = divmod(rest, len(scopes))
        start = date(2000 + month // 12, month % 12 + 1, 1)
        kind, scope_id = scopes[scope]
        rows.append(
            RollupSnapshot(
                metric=metrics[metric],
                period_kind="month",
                period_start=start,
                scope_kind=kind,
                scope_id=scope_id,
                actual=float(i),
                target=10.0,
                own_score=50.0,
                status="red",
                computed_at=timezone.now(),
            )
        )
    RollupSnapshot.objects.bulk_create(rows)


def build_rollups(p, n):
    RollupRun.objects.bulk_create(RollupRun(mode="full", requested_by=p.alice) for _ in range(n))


def build_plans(p, n):
    metric = _metrics(p, 1)[0]
    for i in range(n):
        plan = ActionPlan.objects.create(
            title=f"Plan {i}", owner=p.hugo, owner_department=p.service, due=date(2026, 1, 1)
        )
        plan.contributing_departments.add(p.website)
        Milestone.objects.create(plan=plan, title="m", owner=p.cora, due=date(2025, 6, 1))
        ProgressUpdate.objects.create(plan=plan, author=p.hugo, rag="green", percent=10)
        ExpectedImpact.objects.create(plan=plan, metric=metric, expected_change=1.0)


def _committee(p, i) -> Committee:
    committee = Committee.objects.create(name=f"Committee {i}", chair=p.chad, secretary=p.sue)
    committee.members.add(p.mia, p.hugo)
    committee.scope_departments.add(p.service)
    return committee


def build_committees(p, n):
    metric = _metrics(p, 1)[0]
    for i in range(n):
        _committee(p, i).scope_metrics.add(metric)


def build_reviews(p, n):
    metric = _metrics(p, 1)[0]
    committee = _committee(p, 0)
    for i in range(n):
        review = Review.objects.create(
            committee=committee, scheduled_for=date(2025, 1, 1) + timedelta(days=i)
        )
        review.attendees.add(p.chad, p.mia)
        item = AgendaItem.objects.create(review=review, kind="metric", title="m", metric=metric)
        ReviewNote.objects.create(item=item, author=p.sue, text="note")
        Decision.objects.create(item=item, kind="note", text="d", owner=p.hugo, owner_department=p.service)


def _bonus_plan(p, i, metric):
    from apps.incentives.models import IncentivePlan, Participant, PlanComponent

    plan = IncentivePlan.objects.create(name=f"Bonus {i}", period="2025", author=p.alice)
    component = PlanComponent.objects.create(plan=plan, metric=metric, threshold=1, target=2, maximum=3)
    return plan, component, Participant


def build_incentive_plans(p, n):
    metric = _metrics(p, 1)[0]
    for i in range(n):
        plan, _component, participant = _bonus_plan(p, i, metric)
        participant.objects.create(
            plan=plan,
            person=p.hugo,
            department=p.service,
            target_bonus=1000,
            cx_share=10,
            from_date=date(2025, 1, 1),
            to_date=date(2025, 12, 31),
        )


def build_incentive_results(p, n):
    from apps.incentives.models import ComponentResult, PayoutResult
    from apps.organization.models import User

    metric = _metrics(p, 1)[0]
    plan, component, participant = _bonus_plan(p, 0, metric)
    for i in range(n):
        person = User.objects.create_user(f"bonus{i}@example.com", None, display_name=f"B{i}")
        row = participant.objects.create(
            plan=plan,
            person=person,
            department=p.service,
            target_bonus=1000,
            cx_share=10,
            from_date=date(2025, 1, 1),
            to_date=date(2025, 12, 31),
        )
        result = PayoutResult.objects.create(
            plan=plan, participant=row, attainment=50, cx_bonus=50, computed_at=timezone.now()
        )
        ComponentResult.objects.create(
            result=result,
            component=component,
            actual=1.5,
            threshold=1,
            target=2,
            maximum=3,
            payout_percent=50,
            weight=1,
        )


def build_feedback(p, n):
    from apps.feedback.models import FeedbackItem, Routing

    for i in range(n):
        item = FeedbackItem.objects.create(
            source="s", external_id=f"x{i}", received_at=timezone.now(), text="t", topic="a", channel=p.phone
        )
        Routing.objects.create(item=item, department=p.service, due_at=timezone.now())


BUILDERS = {
    "department": build_departments,
    "channel": build_channels,
    "metric": build_metrics,
    "link": build_links,
    "target": build_targets,
    "measurement": build_measurements,
    "snapshot": build_snapshots,
    "rollup": build_rollups,
    "plan": build_plans,
    "committee": build_committees,
    "review": build_reviews,
    "incentive-plan": build_incentive_plans,
    "incentive-result": build_incentive_results,
    "feedback": build_feedback,
}


def list_endpoints() -> dict[str, str]:
    """basename → URL of every router endpoint that lists."""
    return {
        basename: f"/api/v1/{prefix}/"
        for prefix, viewset, basename in router.registry
        if hasattr(viewset, "list")
    }


def test_every_list_endpoint_is_measured():
    assert sorted(list_endpoints()) == sorted(BUILDERS)


def measure(api, p, basename: str, size: int) -> tuple[int, int]:
    """(queries, rows listed) for GET of the list with `size` objects built, as the CX
    leader; the objects are rolled back afterwards."""
    url = list_endpoints()[basename]
    client = api(p.alice_token)
    with transaction.atomic():
        BUILDERS[basename](p, size)
        client.get(url)  # warm per-process caches (content types) outside the count
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        transaction.set_rollback(True)
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("basename", sorted(BUILDERS))
def test_a_list_endpoint_runs_as_many_queries_for_many_rows_as_for_few(api, p, basename):
    few, few_rows = measure(api, p, basename, SMALL)
    many, many_rows = measure(api, p, basename, LARGE)
    assert many_rows > few_rows >= SMALL, (few_rows, many_rows)
    assert many == few, f"{basename}: {few} queries for {few_rows} rows, {many} for {many_rows}"


def test_the_snapshot_api_runs_the_same_queries_for_5_and_500_snapshots(api, p):
    # It used to build the scope labels once per row: 2 more queries for each snapshot.
    few, few_rows = measure(api, p, "snapshot", 5)
    many, many_rows = measure(api, p, "snapshot", 500)
    assert (few_rows, many_rows) == (5, 500)
    assert many == few
