"""Where metrics show up on other apps' pages: the department page's "Metrics owned"
section, and the search box. The department page knows nothing of metrics: `MetricsConfig.ready()` adds this
to `apps.core.registry` (DEPARTMENT_PAGE)."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Metric, RollupSnapshot
from .scopes import ORG_SCOPE, period_scope
from .selectors import measured_less_often


def department_metrics(request, department) -> dict:
    """The metrics a department owns with their organisation figures for the page's period
    (the same period switch as the overview and hierarchy: it opens on the last closed
    month, says so when ?period= is not understood, labels a period still running "month to
    date (…)"). Two queries whatever the number of metrics."""
    ps = period_scope(request)
    metrics = list(
        Metric.objects.filter(owner_department=department, archived=False)
        .only("code", "name", "frequency", "unit", "is_monetary")
        .order_by("name")
    )
    snaps = {
        s.metric_id: s
        for s in RollupSnapshot.objects.filter(
            metric__in=metrics,
            period_kind=ps.period.kind,
            period_start=ps.period.start,
            scope_kind=ORG_SCOPE.kind,
            scope_id=ORG_SCOPE.id,
        )
    }
    return {
        "template": "metrics/_department_metrics.html",
        "ps": ps,
        "rows": [(m, snaps.get(m.pk), _own_period(m, ps)) for m in metrics],
    }


def _own_period(metric: Metric, ps) -> str | None:
    own = measured_less_often(metric, ps.period)
    return None if own is None else str(own)


def search_metrics(user, query):
    """The search box's metrics: code or name."""
    metrics = Metric.objects.filter(
        Q(code__icontains=query) | Q(name__icontains=query), archived=False
    ).order_by("name")[:10]
    return (
        _("Metrics"),
        [(f"{m.name} ({m.code})", reverse("metrics:metric-detail", args=[m.code])) for m in metrics],
    )
