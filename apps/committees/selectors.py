from django.db.models import Count, Min, Prefetch, Q
from django.utils import timezone

from apps.actions.models import ActionPlan
from apps.core.ids import parse_id
from apps.organization.selectors import department_codes_from

from .models import AgendaItem, Committee, Decision, Review, ReviewNote


def committees_listed():
    return (
        Committee.objects.filter(archived=False)
        .select_related("chair", "secretary")
        .annotate(
            member_count=Count("members", distinct=True),
            next_review=Min(
                "reviews__scheduled_for", filter=Q(reviews__status__in=["scheduled", "in_session"])
            ),
        )
    )


def review_workspace(pk: int) -> Review:
    return (
        Review.objects.select_related("committee__chair", "committee__secretary", "closed_by")
        .prefetch_related(
            "attendees",
            "committee__members",
            Prefetch(
                "items",
                queryset=AgendaItem.objects.select_related("metric", "plan", "follow_up__item")
                .prefetch_related(
                    Prefetch("notes", queryset=ReviewNote.objects.select_related("author")),
                    Prefetch(
                        "decisions",
                        queryset=Decision.objects.select_related(
                            "owner", "owner_department", "linked_plan", "proposal"
                        ),
                    ),
                )
                .order_by("order", "pk"),
            ),
        )
        .get(pk=pk)
    )


def open_decisions_for_department(department):
    return (
        Decision.objects.filter(owner_department=department, status=Decision.Status.OPEN)
        .select_related("owner", "item__review__committee")
        .order_by("due", "pk")
    )


def sponsored_plans(committee):
    return ActionPlan.objects.filter(sponsoring_committee=committee).select_related("owner_department")


def my_open_decisions(user):
    return (
        Decision.objects.filter(owner=user, status=Decision.Status.OPEN)
        .select_related("owner", "item__review__committee")
        .order_by("due", "pk")
    )


def department_decision_figures() -> dict[int, dict]:
    """Per owner department, today: its open decisions and those past their due date
    (one query whatever the number of departments)."""
    today = timezone.localdate()
    rows = (
        Decision.objects.filter(status=Decision.Status.OPEN, owner_department__isnull=False)
        .order_by()
        .values("owner_department_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due__lt=today)))
    )
    return {r["owner_department_id"]: {"open": r["open"], "overdue": r["overdue"]} for r in rows}


def filter_decisions(qs, params):
    """The decisions list's filters: ?department=<code>, ?status=, ?overdue=1, ?committee=<id>."""
    if (codes := department_codes_from(params)) is not None:
        qs = qs.filter(owner_department__code__in=codes)
    if params.get("status") in Decision.Status.values:
        qs = qs.filter(status=params["status"])
    if params.get("overdue") == "1":
        qs = qs.filter(status=Decision.Status.OPEN, due__lt=timezone.localdate())
    if params.get("committee"):
        committee = parse_id(params["committee"])
        qs = qs.filter(item__review__committee_id=committee) if committee else qs.none()
    return qs


def decisions_listed():
    return Decision.objects.select_related("owner", "owner_department", "item__review__committee")
