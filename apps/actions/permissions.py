"""Who may do what with action plans (DESIGN §6).

Everyone signed in reads. The CX leader creates and edits any plan; a department head
those of their department (as owner department). Done and cancelled plans are read-only
except for the CX leader, who may reopen them. Milestones are updated by the CX leader,
the head of the plan's department, and the milestone's owner."""

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles
from apps.core.permissions import get_allowed, require

from .models import ActionPlan, Milestone


def can_create_plan(user, department_id: int | None = None) -> bool:
    if roles.is_cx_leader(user):
        return True
    heads = roles.headed_department_ids(user)
    return bool(heads) if department_id is None else department_id in heads


def can_edit_plan(user, plan: ActionPlan) -> bool:
    if roles.is_cx_leader(user):
        return True
    return not plan.is_closed and roles.is_head_of(user, plan.owner_department_id)


def can_update_milestone(user, milestone: Milestone) -> bool:
    plan = milestone.plan
    if roles.is_cx_leader(user):
        return True
    if plan.is_closed:
        return False
    return roles.is_head_of(user, plan.owner_department_id) or (
        milestone.owner_id is not None and milestone.owner_id == user.pk
    )


def require_plan_department(user, department, *, plan: ActionPlan | None = None) -> None:
    """A plan is created for, or moved to, only a department its author heads (the CX
    leader: any). Keeping a plan's own department needs no such check: editing it is
    `can_edit_plan`'s question."""
    if plan is not None and department.pk == plan.owner_department_id:
        return
    require(
        can_create_plan(user, department.pk),
        _("You may create plans only for your own department.")
        if plan is None
        else _("You may move plans only to your own department."),
    )


def get_plan_for_edit(user, pk) -> ActionPlan:
    return get_allowed(
        ActionPlan,
        lambda plan: can_edit_plan(user, plan),
        _(
            "Changing a plan is for the CX leader and the head of the plan's department; "
            "done and cancelled plans only the CX leader reopens."
        ),
        pk=pk,
    )


def get_milestone_for_update(user, pk) -> Milestone:
    milestones = Milestone.objects.select_related("plan")
    return get_allowed(
        milestones,
        lambda milestone: can_update_milestone(user, milestone),
        _("Updating a milestone is for the CX leader, the head of the plan's department and its owner."),
        pk=pk,
    )


class PlanApiPermission(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_create_plan(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_edit_plan(request.user, obj)


# A milestone's fields that tick it off; any other field re-plans it.
MILESTONE_TICK_FIELDS = {"done", "version"}


class MilestoneApiPermission(BasePermission):
    """Reads for everyone signed in; ticking off (`done`) for those who update a milestone,
    re-planning (any other field) for those who edit the plan."""

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        fields = set(request.data) if isinstance(request.data, dict) else set()
        if fields <= MILESTONE_TICK_FIELDS:
            return can_update_milestone(request.user, obj)
        return can_edit_plan(request.user, obj.plan)
