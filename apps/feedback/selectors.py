"""Reads that need care: the inbox with its filters, overdue work, the theme trend."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Aggregate, Count, Exists, ExpressionWrapper, F, FloatField, Min, OuterRef, Q
from django.db.models.functions import Extract
from django.utils import timezone

from apps.organization.selectors import department_codes_from

from .models import Acknowledgement, FeedbackItem, Routing, close_days
from .spikes import FACTOR, MINIMUM, WEEKS_BEFORE, week_start, weekly_counts


def _pending_routings():
    return Routing.objects.filter(item=OuterRef("pk"), ended_at__isnull=True, acknowledgement__isnull=True)


def items_annotated():
    now = timezone.now()
    return (
        FeedbackItem.objects.select_related("channel")
        .annotate(
            ack_due=Min(
                "routings__due_at",
                filter=Q(routings__ended_at__isnull=True, routings__acknowledgement__isnull=True),
            ),
            ack_overdue=Exists(_pending_routings().filter(due_at__lt=now)),
            department_count=Count("routings", filter=Q(routings__ended_at__isnull=True), distinct=True),
        )
        .prefetch_related("routings__department")
    )


def filter_items(qs, params, *, user=None):
    from apps.core import roles

    now = timezone.now()
    status = params.get("status")
    if status in FeedbackItem.Status.values:
        qs = qs.filter(status=status)
    if params.get("topic"):
        qs = qs.filter(topic=params["topic"].strip().lower())
    if params.get("channel"):
        qs = qs.filter(channel__code=params["channel"])
    codes = department_codes_from(params)
    if codes is not None:
        qs = qs.filter(routings__department__code__in=codes, routings__ended_at__isnull=True)
    if params.get("ack") in ("pending", "overdue") and codes is not None:
        # Waiting for that department's acknowledgement (the scoreboard's counts).
        pending = _pending_routings().filter(department__code__in=codes)
        if params["ack"] == "overdue":
            pending = pending.filter(due_at__lt=now)
        qs = qs.filter(Exists(pending)).exclude(status=FeedbackItem.Status.CLOSED)
    if params.get("triage") == "1":
        qs = qs.filter(needs_triage=True).exclude(status=FeedbackItem.Status.CLOSED)
    if params.get("mine") == "1" and user is not None:
        qs = qs.filter(
            Exists(_pending_routings().filter(department_id__in=roles.headed_department_ids(user)))
        )
    if params.get("overdue") == "1":
        qs = qs.exclude(status=FeedbackItem.Status.CLOSED).filter(
            Q(Exists(_pending_routings().filter(due_at__lt=now)))
            | Q(received_at__lt=now - timedelta(days=close_days()))
        )
    age = params.get("age")
    if age in ("1", "7", "30", "90"):
        qs = qs.filter(received_at__gte=now - timedelta(days=int(age)))
    if params.get("duplicates") == "1":
        qs = qs.filter(possible_duplicate_of__isnull=False).exclude(status=FeedbackItem.Status.CLOSED)
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(text__icontains=q) | Q(topic__icontains=q) | Q(external_id__iexact=q))
    return qs.distinct()


def to_acknowledge(department_ids, limit: int = 50):
    """Routings still waiting for one of these departments' answer, oldest due first."""
    return (
        Routing.objects.filter(
            department_id__in=list(department_ids), ended_at__isnull=True, acknowledgement__isnull=True
        )
        .exclude(item__status=FeedbackItem.Status.CLOSED)
        .select_related("item", "department")
        .order_by("due_at", "pk")[:limit]
    )


def overdue_by_head(now=None) -> dict:
    """{department id: [routing, ...]} of acknowledgements past due."""
    now = now or timezone.now()
    result: dict[int, list] = {}
    for routing in (
        Routing.objects.filter(ended_at__isnull=True, acknowledgement__isnull=True, due_at__lt=now)
        .exclude(item__status=FeedbackItem.Status.CLOSED)
        .select_related("department")
        .order_by("due_at", "pk")
    ):
        result.setdefault(routing.department_id, []).append(routing)
    return result


def theme_items(topic: str):
    return FeedbackItem.objects.filter(topic=topic)


def topics():
    return list(
        FeedbackItem.objects.exclude(topic="")
        .values("topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "topic")[:100]
    )


def theme_trend(topic: str, weeks: int = 16, today=None) -> list[dict]:
    """Weekly counts for the last `weeks` complete weeks, each with its spike threshold
    (2 × the mean of the 8 weeks before it; at least 5)."""
    today = today or timezone.localdate()
    last = week_start(today) - timedelta(weeks=1)
    first = last - timedelta(weeks=weeks - 1)
    counts = weekly_counts(topic, first - timedelta(weeks=WEEKS_BEFORE), weeks + WEEKS_BEFORE)
    rows = []
    for i in range(weeks):
        before = counts[i : i + WEEKS_BEFORE]
        count = counts[i + WEEKS_BEFORE]
        limit = FACTOR * sum(before) / WEEKS_BEFORE
        rows.append(
            {
                "week": first + timedelta(weeks=i),
                "count": count,
                "threshold": limit,
                "spike": count >= MINIMUM and count > limit,
            }
        )
    return rows


def acknowledgements_for(item):
    return Acknowledgement.objects.filter(item=item).select_related("department", "person", "plan")


class _Median(Aggregate):
    """PostgreSQL's exact median of a column."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def department_feedback_figures(period) -> dict[int, dict]:
    """Per routed department: feedback waiting for its acknowledgement now, those past
    the service level, and the median hours from routing to acknowledgement over the
    acknowledgements given in `period` (declines are not acknowledgements). Two queries
    whatever the number of departments."""
    now = timezone.now()
    result: dict[int, dict] = {}

    def entry(department_id):
        return result.setdefault(department_id, {"to_ack": 0, "ack_overdue": 0, "median_ack_hours": None})

    pending = (
        Routing.objects.filter(ended_at__isnull=True, acknowledgement__isnull=True)
        .exclude(item__status=FeedbackItem.Status.CLOSED)
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    )
    for row in pending:
        e = entry(row["department_id"])
        e["to_ack"], e["ack_overdue"] = row["n"], row["late"]
    start, end = period.start, period.end
    hours = ExpressionWrapper(
        Extract(F("at") - F("routing__routed_at"), "epoch") / 3600.0, output_field=FloatField()
    )
    acked = (
        Acknowledgement.objects.filter(declined=False, at__date__gte=start, at__date__lte=end)
        .order_by()
        .values("department_id")
        .annotate(median=_Median(hours))
    )
    for row in acked:
        entry(row["department_id"])["median_ack_hours"] = row["median"]
    return result
