"""Who may do what with action plans (DESIGN §6).

Everyone signed in reads. The CX leader creates and edits any plan; a department head
those of their department (as owner department). Done and cancelled plans are read-only
except for the CX leader, who may reopen them. Milestones are updated by the CX leader,
the head of the plan's department, and the milestone's owner."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles

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


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_plan_for_edit(user, pk) -> ActionPlan:
    plan = get_object_or_404(ActionPlan, pk=pk)
    require(can_edit_plan(user, plan))
    return plan


def get_milestone_for_update(user, pk) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.select_related("plan"), pk=pk)
    require(can_update_milestone(user, milestone))
    return milestone


class PlanApiPermission(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_create_plan(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_edit_plan(request.user, obj)
