"""Who may do what with committees (DESIGN §6): everyone signed in reads; the CX leader
creates and edits committees; the CX leader, the chair and the secretary run a review
(agenda, notes, decisions, attendance, close); a decision's owner updates its status
and done date, also after close; the CX leader confirms or rejects target proposals.
A closed review is read-only for everyone."""

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles
from apps.core.permissions import get_allowed

from .models import AgendaItem, Committee, Decision, Review, TargetChangeProposal


def _runs_message() -> str:
    return _("A review is run by the CX leader and the committee's chair and secretary, until it is closed.")


def can_edit_committees(user) -> bool:
    return roles.is_cx_leader(user)


def runs(user, committee: Committee) -> bool:
    """The CX leader, the chair and the secretary run a committee's reviews."""
    return roles.is_cx_leader(user) or user.pk in (committee.chair_id, committee.secretary_id)


def can_run_review(user, review: Review) -> bool:
    return not review.is_closed and runs(user, review.committee)


def can_update_decision_status(user, decision: Decision) -> bool:
    if decision.owner_id == user.pk:
        return True
    # After close only the owner may (DESIGN §3): the review is read-only for its runners.
    review = decision.item.review
    return review.status != Review.Status.CLOSED and runs(user, review.committee)


def can_decide_proposals(user) -> bool:
    return roles.is_cx_leader(user)


def get_committee_for_edit(user, pk) -> Committee:
    return get_allowed(
        Committee,
        lambda _committee: can_edit_committees(user),
        _("Only the CX leader creates and edits committees."),
        pk=pk,
    )


def get_review_to_run(user, pk) -> Review:
    reviews = Review.objects.select_related("committee")
    return get_allowed(reviews, lambda review: can_run_review(user, review), _runs_message(), pk=pk)


def get_item_to_run(user, pk) -> AgendaItem:
    items = AgendaItem.objects.select_related("review__committee")
    return get_allowed(items, lambda item: can_run_review(user, item.review), _runs_message(), pk=pk)


def get_decision_for_status(user, pk) -> Decision:
    decisions = Decision.objects.select_related("item__review__committee")
    return get_allowed(
        decisions,
        lambda decision: can_update_decision_status(user, decision),
        _("A decision's status is changed by its owner, and before close by those who run the review."),
        pk=pk,
    )


def get_proposal_to_decide(user, pk) -> TargetChangeProposal:
    proposals = TargetChangeProposal.objects.select_related("metric")
    return get_allowed(
        proposals,
        lambda _proposal: can_decide_proposals(user),
        _("Only the CX leader confirms or rejects target proposals."),
        pk=pk,
    )


class ReadOnlyApi(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS


class DecisionApiPermission(BasePermission):
    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_update_decision_status(request.user, obj)
