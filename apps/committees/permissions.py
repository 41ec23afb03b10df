"""Who may do what with committees (DESIGN §6): everyone signed in reads; the CX leader
creates and edits committees; the CX leader, the chair and the secretary run a review
(agenda, notes, decisions, attendance, close); a decision's owner updates its status
and done date, also after close; the CX leader confirms or rejects target proposals.
A closed review is read-only for everyone."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles

from .models import AgendaItem, Committee, Decision, Review, TargetChangeProposal


def can_edit_committees(user) -> bool:
    return roles.is_cx_leader(user)


def runs(user, committee: Committee) -> bool:
    """The CX leader, the chair and the secretary run a committee's reviews."""
    return roles.is_cx_leader(user) or user.pk in (committee.chair_id, committee.secretary_id)


def can_run_review(user, review: Review) -> bool:
    return not review.is_closed and runs(user, review.committee)


def can_update_decision_status(user, decision: Decision) -> bool:
    return decision.owner_id == user.pk or runs(user, decision.item.review.committee)


def can_decide_proposals(user) -> bool:
    return roles.is_cx_leader(user)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def get_committee_for_edit(user, pk) -> Committee:
    committee = get_object_or_404(Committee, pk=pk)
    require(can_edit_committees(user))
    return committee


def get_review_to_run(user, pk) -> Review:
    review = get_object_or_404(Review.objects.select_related("committee"), pk=pk)
    require(can_run_review(user, review))
    return review


def get_item_to_run(user, pk) -> AgendaItem:
    item = get_object_or_404(AgendaItem.objects.select_related("review__committee"), pk=pk)
    require(can_run_review(user, item.review))
    return item


def get_decision_for_status(user, pk) -> Decision:
    decision = get_object_or_404(Decision.objects.select_related("item__review__committee"), pk=pk)
    require(can_update_decision_status(user, decision))
    return decision


def get_proposal_to_decide(user, pk) -> TargetChangeProposal:
    proposal = get_object_or_404(TargetChangeProposal.objects.select_related("metric"), pk=pk)
    require(can_decide_proposals(user))
    return proposal


class ReadOnlyApi(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS
