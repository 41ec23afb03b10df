"""Who may do what with bonus plans (DESIGN §6 rows on incentive plans and payouts).

The CX leader edits; executives approve; both see every payout and every total. A
department head or contributor sees the definition of the plans they take part in and
only their own scorecard and statement — no total, average or count from which another
person's payout could be deduced. List querysets are filtered by the same rules."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles
from apps.core.permissions import require

from .models import IncentivePlan, Participant, PayoutResult


def sees_all_payouts(user) -> bool:
    return roles.is_cx_leader(user) or roles.is_executive(user)


def takes_part(user, plan: IncentivePlan) -> bool:
    return user.is_authenticated and plan.participants.filter(person_id=user.pk).exists()


def can_see_plan(user, plan: IncentivePlan) -> bool:
    return sees_all_payouts(user) or takes_part(user, plan)


def can_see_result(user, participant: Participant) -> bool:
    return sees_all_payouts(user) or participant.person_id == user.pk


def can_create_plan(user) -> bool:
    return roles.is_cx_leader(user)


def can_edit_plan(user, plan: IncentivePlan) -> bool:
    """The definition (name, period, components, participants' terms): drafts only."""
    return roles.is_cx_leader(user) and plan.status == IncentivePlan.Status.DRAFT


def can_amend_participants(user, plan: IncentivePlan) -> bool:
    """Join, leave, transfer: on drafts and approved plans, never closed ones."""
    return roles.is_cx_leader(user) and plan.status != IncentivePlan.Status.CLOSED


def can_submit(user, plan: IncentivePlan) -> bool:
    return can_edit_plan(user, plan) and plan.submitted_at is None


def can_decide(user, plan: IncentivePlan) -> bool:
    """Approve or send back: an executive, on a draft sent for approval."""
    return roles.is_executive(user) and plan.is_draft and plan.submitted_at is not None


def can_close(user, plan: IncentivePlan) -> bool:
    return roles.is_cx_leader(user) and plan.status == IncentivePlan.Status.APPROVED


def plans_visible_to(user):
    qs = IncentivePlan.objects.all()
    if sees_all_payouts(user):
        return qs
    return qs.filter(participants__person_id=user.pk).distinct()


def participants_visible_to(user):
    """Participants whose terms and results `user` may see: everyone's, or their own."""
    qs = Participant.objects.all()
    if sees_all_payouts(user):
        return qs
    return qs.filter(person_id=user.pk)


def results_visible_to(user):
    qs = PayoutResult.objects.all()
    if sees_all_payouts(user):
        return qs
    return qs.filter(participant__person_id=user.pk)


def get_plan_for_view(user, pk) -> IncentivePlan:
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(can_see_plan(user, plan), "You do not take part in this plan.")
    return plan


def get_plan_for_edit(user, pk) -> IncentivePlan:
    plan = get_object_or_404(IncentivePlan, pk=pk)
    require(can_edit_plan(user, plan), "Only the CX leader edits a draft plan.")
    return plan


def get_participant_for_view(user, pk) -> Participant:
    participant = get_object_or_404(Participant.objects.select_related("plan", "person", "department"), pk=pk)
    require(can_see_result(user, participant), "Only your own scorecard.")
    return participant


def get_participant_for_amend(user, pk) -> Participant:
    participant = get_object_or_404(Participant.objects.select_related("plan", "person"), pk=pk)
    require(can_amend_participants(user, participant.plan))
    return participant


class PlanApiPermission(BasePermission):
    """Reads: the plans visible to the user (queryset). Writes: the CX leader, on drafts."""

    # State changes check their own rule on the object (approve: an executive who did not
    # edit the plan; close: the CX leader).
    STATE_ACTIONS = {"submit", "approve", "send_back", "close"}

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS or getattr(view, "action", None) in self.STATE_ACTIONS:
            return True
        return can_create_plan(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or getattr(view, "action", None) in self.STATE_ACTIONS:
            return True
        return can_edit_plan(request.user, obj)
