"""Reads of plans for pages and the API, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.core.ids import parse_id
from apps.metrics.engine.plans import PlanFigures, plan_benefit, plan_figures, rank_plans
from apps.metrics.engine.plans import over_promised as engine_over_promised
from apps.metrics.models import Metric
from apps.metrics.selectors import last_closed_gaps, money_weights
from apps.organization.selectors import department_codes_from

from .models import ActionPlan, ExpectedImpact, Milestone


def plans_annotated():
    """Plans with `progress` (weighted milestone completion, %) and `overdue_flag`."""
    today = timezone.localdate()
    done_weight = Sum("milestones__weight", filter=Q(milestones__done_at__isnull=False))
    return (
        ActionPlan.objects.select_related("owner", "owner_department")
        .prefetch_related("contributing_departments")
        .annotate(
            total_weight=Coalesce(Sum("milestones__weight"), Value(0.0), output_field=FloatField()),
            done_weight=Coalesce(done_weight, Value(0.0), output_field=FloatField()),
        )
        .annotate(
            progress=Case(
                When(total_weight__gt=0, then=100.0 * F("done_weight") / F("total_weight")),
                default=Value(None),
                output_field=FloatField(),
            ),
            overdue_flag=Case(
                When(Q(due__lt=today) & ~Q(status__in=ActionPlan.CLOSED), then=Value(True)),
                default=Value(False),
            ),
        )
    )


def filter_plans(qs, params):
    if params.get("status") in ActionPlan.Status.values:
        qs = qs.filter(status=params["status"])
    if (codes := department_codes_from(params)) is not None:
        qs = qs.filter(owner_department__code__in=codes)
    if params.get("contributor"):
        qs = qs.filter(contributing_departments__code=params["contributor"])
    if params.get("metric"):
        qs = qs.filter(
            Exists(ExpectedImpact.objects.filter(plan=OuterRef("pk"), metric__code=params["metric"]))
        )
    if params.get("overdue") == "1":
        qs = qs.filter(due__lt=timezone.localdate()).exclude(status__in=ActionPlan.CLOSED)
    if params.get("milestones_overdue") == "1":
        # Open plans with a milestone past due and not done (the scoreboard's count).
        qs = qs.exclude(status__in=ActionPlan.CLOSED).filter(
            Exists(
                Milestone.objects.filter(
                    plan=OuterRef("pk"), due__lt=timezone.localdate(), done_at__isnull=True
                )
            )
        )
    if params.get("committee"):
        # An id no key can hold matches no plan (and must not reach SQLite: OverflowError).
        committee = parse_id(params["committee"])
        qs = qs.filter(sponsoring_committee_id=committee) if committee else qs.none()
    return qs.distinct()


def roi_ranking(plans=None, *, weights: dict[str, float] | None = None, gaps=None):
    """Plans ranked per DESIGN §4 item 10, with their figures: [(plan, PlanFigures)].
    Done and cancelled plans are not ranked; each plan's benefit is split into the part
    that closes its metrics' gaps (organisation, last closed period) and the part beyond."""
    weights = money_weights() if weights is None else weights
    plans = list(
        plans
        if plans is not None
        else ActionPlan.objects.exclude(status__in=ActionPlan.CLOSED)
        .select_related("owner_department")
        .prefetch_related("impacts__metric")
    )
    gaps = last_closed_gaps() if gaps is None else gaps
    by_pk = {plan.pk: plan for plan in plans}
    figures = [
        plan_figures(
            plan.pk,
            effort=plan.effort,
            cost=plan.cost_estimate,
            expected_changes=[(i.metric.code, i.expected_change) for i in plan.impacts.all()],
            money_weights=weights,
            gaps=gaps,
        )
        for plan in plans
    ]
    return [(by_pk[f.key], f) for f in rank_plans(figures)]


@dataclass(frozen=True)
class ImpactBenefit:
    """One expected impact of a plan and the annual benefit it brings (§4 item 10)."""

    impact: ExpectedImpact
    annual_benefit: float


@dataclass(frozen=True)
class PlanPage:
    """What the plan detail page shows: the plan (milestones, updates, impacts fetched),
    each impact's benefit and the plan's figures, all from the engine."""

    plan: ActionPlan
    impacts: list[ImpactBenefit]
    figures: PlanFigures


def plan_page(pk: int) -> PlanPage:
    """Raises ActionPlan.DoesNotExist."""
    plan = plan_detail(pk)
    weights = money_weights()
    impacts = [
        ImpactBenefit(i, plan_benefit([(i.metric.code, i.expected_change)], weights))
        for i in plan.impacts.all()
    ]
    ((_plan, figures),) = roi_ranking([plan], weights=weights, gaps=last_closed_gaps())
    return PlanPage(plan=plan, impacts=impacts, figures=figures)


def over_promised(ranked, gaps=None) -> list[tuple[Metric, float, float]]:
    """Metrics on which the ranked (open) plans together expect more than the gap:
    [(metric, Σ expected change, gap)] (DESIGN §4 item 10)."""
    gaps = last_closed_gaps() if gaps is None else gaps
    changes, metrics = [], {}
    for plan, _fig in ranked:
        for impact in plan.impacts.all():
            changes.append((impact.metric.code, impact.expected_change))
            metrics[impact.metric.code] = impact.metric
    found = engine_over_promised(changes, gaps)
    return [(metrics[code], total, gaps[code]) for code, total in found.items()]


def plan_detail(pk: int) -> ActionPlan:
    return (
        plans_annotated()
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.select_related("owner")
                .prefetch_related("comments__author")
                .order_by("due", "pk"),
            ),
            "updates__author",
            "impacts__metric",
        )
        .get(pk=pk)
    )


def plans_for_metric(metric: Metric):
    return plans_annotated().filter(impacts__metric=metric).order_by("due", "pk")


def at_risk_plans(limit: int = 10):
    today = timezone.localdate()
    return (
        plans_annotated()
        .filter(
            Q(status__in=[ActionPlan.Status.AT_RISK, ActionPlan.Status.BLOCKED])
            | (Q(due__lt=today) & ~Q(status__in=ActionPlan.CLOSED))
        )
        .order_by("due", "pk")[:limit]
    )


def department_plans(department):
    return (
        plans_annotated()
        .filter(Q(owner_department=department) | Q(contributing_departments=department))
        .distinct()
        .order_by("-overdue_flag", "due", "pk")
    )


def open_milestones(**filters):
    """Milestones not done, on open plans, with `overdue_flag`, overdue first."""
    today = timezone.localdate()
    return (
        Milestone.objects.filter(done_at__isnull=True, **filters)
        .exclude(plan__status__in=ActionPlan.CLOSED)
        .select_related("plan", "owner")
        .annotate(overdue_flag=Case(When(due__lt=today, then=Value(True)), default=Value(False)))
        .order_by("-overdue_flag", "due", "pk")
    )


def department_milestones(department):
    return open_milestones(plan__owner_department=department)


class MatrixSubjects:
    """The responsibility matrix's subjects — active metrics (by level and name), then open
    plans (by title) — as one sequence a Paginator can count and slice in SQL: 2,000
    metrics × 100 departments is not one page (pages bench, issue 22). ``department_id``:
    only subjects that department owns or contributes to."""

    def __init__(self, *, kind: str = "all", level: str | None = None, department_id: int | None = None):
        self.metrics = Metric.objects.none()
        self.plans = ActionPlan.objects.none()
        if kind in ("all", "metrics"):
            metrics = Metric.objects.filter(archived=False).order_by("level", "name", "pk")
            if level in Metric.Level.values:
                metrics = metrics.filter(level=level)
            if department_id is not None:
                moved = _open_impacts().filter(
                    Q(plan__owner_department_id=department_id)
                    | Q(plan__contributing_departments__id=department_id)
                )
                metrics = metrics.filter(
                    Q(owner_department_id=department_id) | Q(pk__in=moved.values("metric_id"))
                )
            self.metrics = metrics
        if kind in ("all", "plans"):
            plans = ActionPlan.objects.exclude(status__in=ActionPlan.CLOSED).order_by("title", "pk")
            if department_id is not None:
                contributing = ActionPlan.contributing_departments.through.objects.filter(
                    department_id=department_id
                ).values("actionplan_id")
                plans = plans.filter(Q(owner_department_id=department_id) | Q(pk__in=contributing))
            self.plans = plans
        self._metric_count: int | None = None

    def count(self) -> int:
        self._metric_count = self.metrics.count()
        return self._metric_count + self.plans.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("MatrixSubjects is read in slices")
        if self._metric_count is None:
            self._metric_count = self.metrics.count()
        start, stop = index.start or 0, index.stop
        n = self._metric_count
        metrics = list(self.metrics[start : min(stop, n)]) if start < n else []
        plans = list(self.plans[max(start - n, 0) : stop - n]) if stop is None or stop > n else []
        return responsibility_rows(metrics, plans)


def _open_impacts():
    return ExpectedImpact.objects.exclude(plan__status__in=ActionPlan.CLOSED)


def responsibility_rows(metrics, plans) -> list[tuple[str, object, dict[int, str]]]:
    """Rows of (kind, subject, {department_id: "owner" | "contributor"}) for these metrics
    and plans (two queries whatever their number).

    A department owns a metric it is the owner department of, and contributes to one when
    it owns or contributes to an open plan expected to move it; plans: owner department and
    contributing departments."""
    rows = []
    contributors: dict[int, set[int]] = {}
    if metrics:
        open_impacts = (
            _open_impacts()
            .filter(metric_id__in=[m.pk for m in metrics])
            .values_list("metric_id", "plan__owner_department_id", "plan__contributing_departments")
        )
        for metric_id, owner_dept, contributing in open_impacts:
            contributors.setdefault(metric_id, set()).update(d for d in (owner_dept, contributing) if d)
    for metric in metrics:
        cells = dict.fromkeys(contributors.get(metric.pk, set()), "contributor")
        if metric.owner_department_id:
            cells[metric.owner_department_id] = "owner"
        rows.append(("metric", metric, cells))
    if plans:
        prefetch_related_objects(plans, "contributing_departments")
    for plan in plans:
        cells = {d.pk: "contributor" for d in plan.contributing_departments.all()}
        cells[plan.owner_department_id] = "owner"
        rows.append(("plan", plan, cells))
    return rows


def responsibility_matrix(*, kind: str = "all", level: str | None = None, department_id: int | None = None):
    """Every row of the matrix (the CSV export): see :class:`MatrixSubjects`."""
    subjects = MatrixSubjects(kind=kind, level=level, department_id=department_id)
    return responsibility_rows(list(subjects.metrics), list(subjects.plans))


def overdue_milestones_by_owner(today) -> dict[int, list[Milestone]]:
    result: dict[int, list[Milestone]] = {}
    for milestone in (
        Milestone.objects.filter(due__lt=today, done_at__isnull=True, owner__isnull=False)
        .exclude(plan__status__in=ActionPlan.CLOSED)
        .select_related("plan")
        .order_by("due", "pk")
    ):
        result.setdefault(milestone.owner_id, []).append(milestone)
    return result


def status_counts():
    return dict(ActionPlan.objects.values_list("status").annotate(n=Count("pk")))


def my_plans(user):
    """The open plans `user` owns, overdue first."""
    return (
        plans_annotated()
        .filter(owner=user)
        .exclude(status__in=ActionPlan.CLOSED)
        .order_by("-overdue_flag", "due", "pk")
    )


def my_milestones(user):
    """The milestones `user` owns that are not done, on open plans, overdue first."""
    return open_milestones(owner=user)


def department_figures() -> dict[int, dict]:
    """Per owner department, today: open plans by status (active, at risk, blocked), overdue
    plans, the sum and count of their progress (weighted milestone completion, plans with
    milestones only, so a parent row can average its subtree) and overdue milestones of its
    open plans. Two queries whatever the number of departments."""
    today = timezone.localdate()
    open_q = ~Q(status__in=ActionPlan.CLOSED)
    plans = (
        ActionPlan.objects.filter(open_q)
        .order_by()
        .values("owner_department_id")
        .annotate(
            active=Count("pk", filter=Q(status=ActionPlan.Status.ACTIVE)),
            at_risk=Count("pk", filter=Q(status=ActionPlan.Status.AT_RISK)),
            blocked=Count("pk", filter=Q(status=ActionPlan.Status.BLOCKED)),
            overdue=Count("pk", filter=Q(due__lt=today)),
        )
    )
    result: dict[int, dict] = {}
    for row in plans:
        result[row["owner_department_id"]] = {
            "active": row["active"],
            "at_risk": row["at_risk"],
            "blocked": row["blocked"],
            "overdue": row["overdue"],
            "progress_sum": 0.0,
            "progress_count": 0,
            "milestones_overdue": 0,
        }
    # Progress is an aggregate per plan, so it is summed in Python over one row per plan.
    for department_id, total, done in (
        ActionPlan.objects.filter(open_q)
        .annotate(
            total=Sum("milestones__weight"),
            done=Coalesce(Sum("milestones__weight", filter=Q(milestones__done_at__isnull=False)), Value(0.0)),
        )
        .filter(total__gt=0)
        .order_by()
        .values_list("owner_department_id", "total", "done")
    ):
        entry = result[department_id]
        entry["progress_sum"] += 100.0 * done / total
        entry["progress_count"] += 1
    for department_id, n in (
        Milestone.objects.filter(due__lt=today, done_at__isnull=True)
        .exclude(plan__status__in=ActionPlan.CLOSED)
        .order_by()
        .values_list("plan__owner_department_id")
        .annotate(n=Count("pk"))
    ):
        result[department_id]["milestones_overdue"] = n
    return result


def people_responsibility(*, kind: str = "all", person_id: int | None = None) -> list[dict]:
    """The responsibility matrix by person: each active metric's owner, each open plan's
    owner and each open milestone's owner, with their department (three queries)."""
    rows: list[dict] = []
    if kind in ("all", "metrics"):
        metrics = Metric.objects.filter(archived=False).select_related("owner", "owner_department")
        if person_id:
            metrics = metrics.filter(owner_id=person_id)
        for m in metrics.order_by("owner__display_name", "name"):
            rows.append(
                {
                    "kind": "metric",
                    "subject": m.name,
                    "person": m.owner,
                    "department": m.owner_department,
                    "target": ("metrics:metric-detail", m.code),
                    "due": None,
                }
            )
    if kind in ("all", "plans"):
        plans = ActionPlan.objects.exclude(status__in=ActionPlan.CLOSED).select_related(
            "owner", "owner_department"
        )
        if person_id:
            plans = plans.filter(owner_id=person_id)
        for plan in plans.order_by("owner__display_name", "title"):
            rows.append(
                {
                    "kind": "plan",
                    "subject": plan.title,
                    "person": plan.owner,
                    "department": plan.owner_department,
                    "target": ("actions:plan-detail", plan.pk),
                    "due": plan.due,
                }
            )
        milestones = (
            Milestone.objects.filter(done_at__isnull=True)
            .exclude(plan__status__in=ActionPlan.CLOSED)
            .select_related("owner", "plan__owner_department")
        )
        if person_id:
            milestones = milestones.filter(owner_id=person_id)
        for milestone in milestones.order_by("owner__display_name", "due", "pk"):
            rows.append(
                {
                    "kind": "milestone",
                    "subject": f"{milestone.plan.title} · {milestone.title}",
                    "person": milestone.owner,
                    "department": milestone.plan.owner_department,
                    "target": ("actions:plan-detail", milestone.plan_id),
                    "due": milestone.due,
                }
            )
    return rows
