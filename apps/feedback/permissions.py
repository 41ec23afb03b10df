"""Who may do what with feedback (DESIGN §6 "triage feedback"): everyone signed in reads;
the CX leader triages everything (routes by hand, marks handled, closes, reopens); a
department head triages the items routed to their department (acknowledges or declines for
it, closes, reopens, resolves duplicates, tells the customers); the CX leader edits the
routing rules; the CX leader and integrations ingest."""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from rest_framework.permissions import BasePermission

from apps.core import roles
from apps.core.permissions import require

from .ingest import can_ingest
from .models import FeedbackItem, Routing, RoutingRule

__all__ = ["can_ingest", "require"]


def can_read(user) -> bool:
    return user.is_authenticated and not roles.is_system_account(user)


def routed_department_ids(item: FeedbackItem) -> set[int]:
    cached = getattr(item, "_routed_ids", None)
    if cached is None:
        cached = set(
            Routing.objects.filter(item=item, ended_at__isnull=True).values_list("department_id", flat=True)
        )
        item._routed_ids = cached
    return cached


def can_triage(user, item: FeedbackItem) -> bool:
    if roles.is_cx_leader(user):
        return True
    return bool(roles.headed_department_ids(user) & routed_department_ids(item))


def can_route(user) -> bool:
    return roles.is_cx_leader(user)


def can_mark_handled(user) -> bool:
    return roles.is_cx_leader(user)


def can_edit_rules(user) -> bool:
    return roles.is_cx_leader(user)


def answerable_department_ids(user, item: FeedbackItem) -> set[int]:
    """Routed departments without an answer yet that `user` may answer for."""
    if item.is_closed:
        return set()
    pending = set(
        Routing.objects.filter(item=item, ended_at__isnull=True, acknowledgement__isnull=True).values_list(
            "department_id", flat=True
        )
    )
    if roles.is_cx_leader(user):
        return pending
    return pending & roles.headed_department_ids(user)


def triageable(user, qs=None):
    """The items `user` may triage."""
    qs = FeedbackItem.objects.all() if qs is None else qs
    if roles.is_cx_leader(user):
        return qs
    return qs.filter(
        Q(routings__department_id__in=roles.headed_department_ids(user), routings__ended_at__isnull=True)
    ).distinct()


def get_item_for_read(user, pk) -> FeedbackItem:
    require(can_read(user))
    return get_object_or_404(FeedbackItem.objects.select_related("channel"), pk=pk)


def get_item_for_triage(user, pk) -> FeedbackItem:
    item = get_object_or_404(FeedbackItem, pk=pk)
    require(can_triage(user, item), "You may triage only feedback routed to your department.")
    return item


def get_rule_for_edit(user, pk) -> RoutingRule:
    require(can_edit_rules(user))
    return get_object_or_404(RoutingRule, pk=pk)


class FeedbackApiPermission(BasePermission):
    """Reads for signed-in people; creating (one or a batch) for the CX leader and integrations."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can_read(request.user)
        return can_ingest(request.user)
