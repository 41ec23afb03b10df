from django.db.models import Count, Min, Prefetch, Q

from apps.actions.models import ActionPlan

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
