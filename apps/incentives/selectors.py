"""Reads for the incentive pages and API, filtered by what the user may see
(permissions.*_visible_to): a head or contributor never gets another person's figures,
nor a total, average or count of them."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce

from apps.metrics.models import RollupSnapshot

from . import permissions
from .models import ComponentResult, IncentivePlan, Participant, PayoutResult, PlanComponent


def plan_rows(user):
    """The plans `user` may see; the CX leader and executives also get each plan's cost
    (Σ CX bonus) and participant count — nobody else does."""
    qs = permissions.plans_visible_to(user).annotate(
        n_components=Subquery(
            PlanComponent.objects.filter(plan=OuterRef("pk"))
            .values("plan")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
    )
    if permissions.sees_all_payouts(user):
        qs = qs.annotate(
            n_participants=Subquery(
                Participant.objects.filter(plan=OuterRef("pk"))
                .values("plan")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            cost=Subquery(
                PayoutResult.objects.filter(plan=OuterRef("pk"))
                .values("plan")
                .annotate(total=Sum("cx_bonus"))
                .values("total")[:1]
            ),
        )
    return qs.select_related("approved_by")


def components_of(plan: IncentivePlan) -> list[PlanComponent]:
    return list(plan.components.select_related("metric").order_by("pk"))


def participants_for(user, plan: IncentivePlan):
    """Everyone's terms and results for those who see all payouts; otherwise only the
    user's own row (the page lists the others' names without figures)."""
    qs = (
        permissions.participants_visible_to(user)
        .filter(plan=plan)
        .select_related("person", "department", "result")
        .order_by("person__display_name", "pk")
    )
    return list(qs)


def participant_names(plan: IncentivePlan) -> list[tuple[str, str]]:
    """Who takes part (part of the plan's definition): names and departments only."""
    return list(
        plan.participants.order_by("person__display_name").values_list(
            "person__display_name", "department__name"
        )
    )


def plan_cost(plan: IncentivePlan) -> float:
    """Σ CX bonus at today's attainment (for those who see all payouts only)."""
    return PayoutResult.objects.filter(plan=plan).aggregate(total=Coalesce(Sum("cx_bonus"), 0.0))["total"]


def value_at_stake(plan: IncentivePlan, components: list[PlanComponent]) -> list[tuple]:
    """Each component metric's organisation value at stake in the plan's period."""
    period = plan.period_obj
    snaps = {
        s.metric_id: s
        for s in RollupSnapshot.objects.filter(
            metric_id__in={c.metric_id for c in components},
            period_kind=period.kind,
            period_start=period.start,
            scope_kind="org",
            scope_id=0,
        )
    }
    seen, rows = set(), []
    for component in components:
        if component.metric_id in seen:
            continue
        seen.add(component.metric_id)
        snap = snaps.get(component.metric_id)
        rows.append(
            (component.metric, snap.value_at_stake if snap else None, snap.status if snap else "grey")
        )
    return rows


def stored_result(participant: Participant) -> PayoutResult | None:
    return (
        PayoutResult.objects.filter(participant=participant)
        .prefetch_related(
            Prefetch(
                "components",
                queryset=ComponentResult.objects.select_related("component__metric").order_by("component_id"),
            )
        )
        .first()
    )


def results_for(user, plan_id: int | None = None):
    qs = permissions.results_visible_to(user).select_related(
        "plan", "participant__person", "participant__department"
    )
    if plan_id is not None:
        qs = qs.filter(plan_id=plan_id)
    return qs.prefetch_related(
        Prefetch(
            "components",
            queryset=ComponentResult.objects.select_related("component__metric").order_by("component_id"),
        )
    ).order_by("plan_id", "participant__person__display_name", "pk")


def department_attainment(user, period) -> tuple[list[IncentivePlan], dict[int, dict]]:
    """The approved or closed bonus plans covering `period` and, per department, the
    average CX attainment of its people's results in them (the participant's department,
    else the person's own). Only for those who see every payout (DESIGN §6: an average
    reveals individuals' figures); others get nothing. Two queries."""
    if not permissions.sees_all_payouts(user):
        return [], {}
    plans = [
        plan
        for plan in IncentivePlan.objects.exclude(status=IncentivePlan.Status.DRAFT)
        if plan.period_obj.start <= period.start <= plan.period_obj.end
    ]
    rows = (
        PayoutResult.objects.filter(plan__in=plans, attainment__isnull=False)
        .annotate(
            department_id=Coalesce("participant__department_id", "participant__person__primary_department_id")
        )
        .order_by()
        .values("department_id")
        .annotate(total=Sum("attainment"), n=Count("pk"))
    )
    return plans, {
        r["department_id"]: {"attainment_sum": r["total"], "attainment_count": r["n"]}
        for r in rows
        if r["department_id"] is not None
    }
