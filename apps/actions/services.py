"""Every change to plans, impacts, milestones and progress goes through here: validate,
write (version-checked), record history, notify the people concerned via the outbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import history, roles
from apps.core.services import versioned_update
from apps.core.validators import check_finite, is_finite_number
from apps.notifications.services import notify
from apps.organization.models import User

from . import permissions
from .models import ActionPlan, ExpectedImpact, Milestone, MilestoneComment, ProgressUpdate


def _heads_of(department_ids) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_grants__role=roles.DEPARTMENT_HEAD,
            role_grants__department_id__in=department_ids,
        ).distinct()
    )


def _plan_url(plan: ActionPlan) -> str:
    return reverse("actions:plan-detail", args=[plan.pk])


def _tell(users, *, by, kind: str, subject, plan: ActionPlan) -> None:
    """`subject`: a callable, run in each recipient's language (notify)."""
    seen = set()
    for user in users:
        if user is None or user.pk in seen or (by is not None and user.pk == getattr(by, "pk", None)):
            continue
        seen.add(user.pk)
        notify(recipient=user, kind=kind, subject=subject, url=_plan_url(plan))


def _validate_plan(fields: dict) -> None:
    errors = {}
    if "title" in fields and not str(fields["title"] or "").strip():
        errors["title"] = [_("A plan needs a title.")]
    start, due = fields.get("start"), fields.get("due")
    if start and due and due < start:
        errors["due"] = [_("The due date is before the start.")]
    cost = fields.get("cost_estimate")
    if cost is not None and (not is_finite_number(cost) or cost < 0):
        errors["cost_estimate"] = [_("Enter a cost of 0 or more.")]
    if "status" in fields and fields["status"] not in ActionPlan.Status.values:
        errors["status"] = [_("Unknown status.")]
    if "effort" in fields and fields["effort"] not in ActionPlan.Effort.values:
        errors["effort"] = [_("Effort is S, M or L.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *,
    by,
    title: str,
    owner_department,
    problem_statement: str = "",
    owner=None,
    contributing_departments=(),
    status: str = ActionPlan.Status.DRAFT,
    start=None,
    due=None,
    cost_estimate=None,
    effort: str = ActionPlan.Effort.M,
    sponsoring_committee=None,
) -> ActionPlan:
    """A new plan. A person creates plans only for a department they head (the CX leader:
    any); a committee's decision drafts one for the department it names, whoever runs the
    review (the committee's permissions decided that)."""
    if sponsoring_committee is None:
        permissions.require_plan_department(by, owner_department)
    fields = {
        "title": title,
        "start": start,
        "due": due,
        "cost_estimate": cost_estimate,
        "status": status,
        "effort": effort,
    }
    _validate_plan(fields)
    plan = ActionPlan.objects.create(
        title=title.strip(),
        problem_statement=problem_statement,
        owner=owner,
        owner_department=owner_department,
        status=status,
        start=start,
        due=due,
        cost_estimate=cost_estimate,
        effort=effort,
        sponsoring_committee=sponsoring_committee,
    )
    contributing = [d for d in contributing_departments if d.pk != owner_department.pk]
    plan.contributing_departments.set(contributing)
    history.record(plan, by=by)
    _tell(
        [owner],
        by=by,
        kind="plan_owner",
        plan=plan,
        subject=lambda: _("You own the action plan “%(title)s”") % {"title": plan.title},
    )
    _tell(
        _heads_of([owner_department.pk, *[d.pk for d in contributing]]),
        by=by,
        kind="plan_new",
        plan=plan,
        subject=lambda: (
            _("New action plan of %(department)s: %(title)s")
            % {"department": owner_department.name, "title": plan.title}
        ),
    )
    return plan


@transaction.atomic
def plan_update(
    *, plan: ActionPlan, by, version: int, contributing_departments=None, **changes
) -> ActionPlan:
    current = ActionPlan.objects.get(pk=plan.pk)
    if changes.get("owner_department") is not None:
        permissions.require_plan_department(by, changes["owner_department"], plan=current)
    merged = {"start": current.start, "due": current.due, **changes}
    _validate_plan(merged)
    old_owner = current.owner_id
    old_contributing = set(current.contributing_departments.values_list("pk", flat=True))
    m2m = None
    if contributing_departments is not None:
        owner_dept = changes.get("owner_department", current.owner_department)
        m2m = {"contributing_departments": [d for d in contributing_departments if d.pk != owner_dept.pk]}
    updated = versioned_update(plan, by=by, version=version, changes=changes, m2m=m2m)
    if updated.owner_id != old_owner and updated.owner is not None:
        _tell(
            [updated.owner],
            by=by,
            kind="plan_owner",
            plan=updated,
            subject=lambda: _("You now own the action plan “%(title)s”") % {"title": updated.title},
        )
    new_contributing = set(updated.contributing_departments.values_list("pk", flat=True)) - old_contributing
    if new_contributing:
        _tell(
            _heads_of(new_contributing),
            by=by,
            kind="plan_contributor",
            plan=updated,
            subject=lambda: (
                _("%(departments)s now contribute to “%(title)s”")
                % {
                    "departments": ", ".join(
                        updated.contributing_departments.filter(pk__in=new_contributing).values_list(
                            "name", flat=True
                        )
                    ),
                    "title": updated.title,
                }
            ),
        )
    if (
        changes.get("status") in (ActionPlan.Status.AT_RISK, ActionPlan.Status.BLOCKED)
        and current.status != changes["status"]
    ):
        _tell(
            _heads_of([updated.owner_department_id]) + [updated.owner],
            by=by,
            kind="plan_status",
            plan=updated,
            subject=lambda: (
                _("“%(title)s” is now %(status)s")
                % {"title": updated.title, "status": updated.get_status_display()}
            ),
        )
    return updated


@transaction.atomic
def impact_set(*, plan: ActionPlan, by, metric, expected_change: float) -> ExpectedImpact:
    check_finite(expected_change=expected_change, allow_none=False)
    existing = ExpectedImpact.objects.filter(plan=plan, metric=metric).first()
    before = f"{existing.metric.code} {existing.expected_change:+g}" if existing else None
    impact, _created = ExpectedImpact.objects.update_or_create(
        plan=plan, metric=metric, defaults={"expected_change": expected_change}
    )
    history.record_many(
        ActionPlan, {plan.pk: {"impacts": (before, f"{metric.code} {expected_change:+g}")}}, by=by
    )
    ActionPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return impact


@transaction.atomic
def impact_remove(*, impact: ExpectedImpact, by) -> None:
    history.record_many(
        ActionPlan,
        {impact.plan_id: {"impacts": (f"{impact.metric.code} {impact.expected_change:+g}", None)}},
        by=by,
    )
    impact.delete()


def _validate_milestone(fields: dict) -> None:
    if "title" in fields and not str(fields["title"] or "").strip():
        raise ValidationError({"title": [_("A milestone needs a title.")]})
    weight = fields.get("weight")
    if weight is not None and not weight > 0:
        raise ValidationError({"weight": [_("The weight must be greater than 0.")]})


@transaction.atomic
def milestone_create(
    *, plan: ActionPlan, by, title: str, owner=None, due=None, weight: float = 1.0
) -> Milestone:
    _validate_milestone({"title": title, "weight": weight})
    milestone = Milestone.objects.create(plan=plan, title=title.strip(), owner=owner, due=due, weight=weight)
    history.record(milestone, by=by)
    _tell(
        [owner],
        by=by,
        kind="milestone_owner",
        plan=plan,
        subject=lambda: _("You own the milestone “%(title)s”") % {"title": milestone.title},
    )
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, by, version: int, **changes) -> Milestone:
    _validate_milestone(changes)
    old_owner = milestone.owner_id
    updated = versioned_update(milestone, by=by, version=version, changes=changes)
    if updated.owner_id != old_owner and updated.owner is not None:
        _tell(
            [updated.owner],
            by=by,
            kind="milestone_owner",
            plan=updated.plan,
            subject=lambda: _("You own the milestone “%(title)s”") % {"title": updated.title},
        )
    return updated


def milestone_set_done(*, milestone: Milestone, by, version: int, done: bool) -> Milestone:
    return milestone_update(
        milestone=milestone, by=by, version=version, done_at=timezone.now() if done else None
    )


@transaction.atomic
def milestone_comment(*, milestone: Milestone, by, text: str) -> MilestoneComment:
    if not text.strip():
        raise ValidationError({"text": [_("Write a comment.")]})
    return MilestoneComment.objects.create(milestone=milestone, author=by, text=text.strip()[:5000])


@transaction.atomic
def progress_post(*, plan: ActionPlan, by, rag: str, percent: int, text: str = "") -> ProgressUpdate:
    errors = {}
    if rag not in ProgressUpdate.Rag.values:
        errors["rag"] = [_("Choose green, amber or red.")]
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        errors["percent"] = [_("A percentage from 0 to 100.")]
    if errors:
        raise ValidationError(errors)
    update = ProgressUpdate.objects.create(plan=plan, author=by, rag=rag, percent=percent, text=text.strip())
    ActionPlan.objects.filter(pk=plan.pk).update(updated_at=timezone.now())
    return update
