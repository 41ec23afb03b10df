"""Demo bonus plans (DESIGN §9): this year's CX bonus, approved, with CSAT (the
participant's department), NPS and first-contact resolution (the organisation), and
participants across five departments; last year's plan closed with frozen results.

Drafted by the CX leader, sent for approval and approved by the executive, through the
services (history, notifications). Idempotent: keyed on name and period; a second run
only recomputes the open plan's results."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from apps.metrics.models import Metric
from apps.organization.models import Department, User

from . import services
from .models import IncentivePlan

LEADER = "cx.leader@demo.cx"
APPROVER = "executive@demo.cx"

# metric, scope, weight, threshold, target, maximum
COMPONENTS = [
    ("CSAT", "department", 2.0, 3.9, 4.3, 4.6),
    ("NPS", "organisation", 1.0, 25.0, 35.0, 45.0),
    ("FCR", "organisation", 1.0, 70.0, 78.0, 85.0),
]
LAST_YEAR_COMPONENTS = [
    ("CSAT", "department", 2.0, 3.8, 4.2, 4.5),
    ("NPS", "organisation", 1.0, 20.0, 30.0, 40.0),
    ("FCR", "organisation", 1.0, 68.0, 76.0, 82.0),
]
# e-mail, department on the plan, target bonus, CX share %, joined (month, day) or None
PARTICIPANTS = [
    ("head.service@demo.cx", "CONTACT", 18_000.0, 30.0, None),
    ("contributor@demo.cx", "SERVICE", 4_000.0, 25.0, None),
    ("head.website@demo.cx", "WEBSITE", 16_000.0, 25.0, None),
    ("contributor.web@demo.cx", "WEBSITE", 3_500.0, 20.0, (7, 1)),  # joined on 1 July
    ("head.product@demo.cx", "PRODUCT", 15_000.0, 20.0, None),
    ("head.marketing@demo.cx", "SALES", 15_000.0, 15.0, None),
]
CURRENT_NAME = "CX bonus"
LAST_NAME = "CX bonus"


def _plan(name: str, year: int, components, participants, *, leader, approver, close: bool) -> IncentivePlan:
    period = str(year)
    existing = IncentivePlan.objects.filter(name=name, period=period).first()
    if existing is not None:
        if not existing.is_closed:
            services.results_recompute(plan=existing)
        return existing
    metrics = {m.code: m for m in Metric.objects.filter(code__in=[c[0] for c in components])}
    departments = {d.code: d for d in Department.objects.all()}
    people = {u.email: u for u in User.objects.filter(email__in=[p[0] for p in participants])}
    plan = services.plan_create(by=leader, name=name, period=period)
    for email, dept, bonus, share, joined in participants:
        if email not in people:
            continue
        services.participant_add(
            plan=plan,
            by=leader,
            person=people[email],
            department=departments.get(dept),
            target_bonus=bonus,
            cx_share=share,
            from_date=date(year, *joined) if joined else None,
            recompute=False,
        )
    for code, scope, weight, threshold, target, maximum in components:
        if code in metrics:
            services.component_add(
                plan=plan,
                by=leader,
                metric=metrics[code],
                scope=scope,
                weight=weight,
                threshold=threshold,
                target=target,
                maximum=maximum,
                recompute=False,
            )
    plan = services.plan_submit(plan=plan, by=leader)
    plan = services.plan_approve(plan=plan, by=approver)
    services.results_recompute(plan=plan)
    if close:
        plan = services.plan_close(plan=plan, by=leader)
    return plan


def load(stdout=None, *, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    leader = User.objects.get(email=LEADER)
    approver = User.objects.get(email=APPROVER)
    last = _plan(
        LAST_NAME,
        today.year - 1,
        LAST_YEAR_COMPONENTS,
        PARTICIPANTS[:5],
        leader=leader,
        approver=approver,
        close=True,
    )
    current = _plan(
        CURRENT_NAME, today.year, COMPONENTS, PARTICIPANTS, leader=leader, approver=approver, close=False
    )
    return {"bonus_plan": current, "bonus_plan_last_year": last}
