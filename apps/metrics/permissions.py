"""Who may do what with metrics (DESIGN §6): everyone signed in reads; the CX leader
edits metrics, links and targets and triggers roll-ups; measurements are recorded by the
CX leader, system accounts, and department heads for their department's rows or the
metrics their department owns (checked per row by the ingest)."""

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.core import roles
from apps.core.permissions import get_allowed

from .models import Metric, MetricLink, Target


def _only_leader() -> str:
    return _("Only the CX leader edits metrics, driver links and targets.")


def can_edit_metrics(user) -> bool:
    return roles.is_cx_leader(user)


def can_ingest(user) -> bool:
    return (
        roles.is_cx_leader(user) or roles.is_system_account(user) or bool(roles.headed_department_ids(user))
    )


def measurement_rows_allowed(user):
    """DESIGN §6 per row: the CX leader and system accounts record any row; a department
    head the rows of metrics their department owns and the rows whose department is
    theirs. Returns a check `(metric owner department id, row department id) -> bool`,
    decided once per batch so a million rows cost a set lookup each."""
    if roles.is_cx_leader(user) or roles.is_system_account(user):
        return lambda owner_department_id, department_id: True
    headed = frozenset(roles.headed_department_ids(user))
    return lambda owner_department_id, department_id: owner_department_id in headed or department_id in headed


def can_adopt_evidence(user) -> bool:
    """Only the CX leader turns a driver-evidence estimate into a link's impact."""
    return roles.is_cx_leader(user)


def get_link_for_adopting_evidence(user, pk) -> MetricLink:
    links = MetricLink.objects.select_related("child", "parent")
    return get_allowed(
        links,
        lambda _link: can_adopt_evidence(user),
        _("Only the CX leader adopts an estimate from driver evidence as a link's impact."),
        pk=pk,
    )


def can_run_rollup(user) -> bool:
    return roles.is_cx_leader(user)


def get_metric_for_edit(user, code) -> Metric:
    return get_allowed(Metric, lambda _metric: can_edit_metrics(user), _only_leader(), code=code)


def get_link_for_edit(user, pk) -> MetricLink:
    links = MetricLink.objects.select_related("child", "parent")
    return get_allowed(links, lambda _link: can_edit_metrics(user), _only_leader(), pk=pk)


def get_target_for_edit(user, pk) -> Target:
    targets = Target.objects.select_related("metric", "department", "channel")
    return get_allowed(targets, lambda _target: can_edit_metrics(user), _only_leader(), pk=pk)


class MetricsApiPermission(BasePermission):
    """Read for everyone signed in; write for the CX leader."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_edit_metrics(request.user)


class IngestApiPermission(BasePermission):
    message = "Only the CX leader, department heads and system accounts record measurements."

    def has_permission(self, request, view):
        return can_ingest(request.user)


class RollupApiPermission(BasePermission):
    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or can_run_rollup(request.user)
