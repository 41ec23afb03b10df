"""The executive overview's numbers, from snapshots only, in a fixed number of queries."""

from __future__ import annotations

from django.db.models import F

from apps.core.registry import OVERVIEW, registry
from apps.metrics import selectors as metric_selectors
from apps.metrics.engine.periods import Period
from apps.metrics.models import Metric, MetricLink, RollupSnapshot


def leaf_ids() -> set[int]:
    parents = set(MetricLink.objects.filter(archived=False).values_list("parent_id", flat=True))
    return set(Metric.objects.filter(archived=False).exclude(pk__in=parents).values_list("pk", flat=True))


def top_gaps(period: Period, scope, limit: int = 10) -> list[RollupSnapshot]:
    """The operational KPIs with the most money at stake."""
    return list(
        RollupSnapshot.objects.filter(
            period_kind=period.kind,
            period_start=period.start,
            scope_kind=scope.kind,
            scope_id=scope.id,
            metric_id__in=leaf_ids(),
            value_at_stake__gt=0,
        )
        .select_related("metric", "metric__owner_department")
        .order_by("-value_at_stake", "metric__code")[:limit]
    )


def newly_red(period: Period, scope, *, driven: bool = False) -> list[RollupSnapshot]:
    """Red this period on its own score, not red in the previous one (DESIGN §5 breaches:
    what is announced). ``driven=True``: those red only through their drivers' scores
    (no own score), shown as such and never announced."""
    previous = period.previous()
    was_red = RollupSnapshot.objects.filter(
        period_kind=previous.kind,
        period_start=previous.start,
        scope_kind=scope.kind,
        scope_id=scope.id,
        status="red",
    ).values("metric_id")
    return list(
        RollupSnapshot.objects.filter(
            period_kind=period.kind,
            period_start=period.start,
            scope_kind=scope.kind,
            scope_id=scope.id,
            status="red",
            own_score__isnull=driven,
        )
        .exclude(metric_id__in=was_red)
        .select_related("metric", "metric__owner_department")
        # A metric not linked to money has none: after those with money, not first.
        .order_by(F("value_at_stake").desc(nulls_last=True), "metric__code")
    )


def overview(period: Period, scope) -> dict:
    tops = metric_selectors.money_top_ids()  # once for the three reads below
    summary = metric_selectors.summary(period, scope, top_ids=tops)
    previous = metric_selectors.summary(period.previous(), scope, top_ids=tops)
    trend = metric_selectors.cost_trend(scope, period, top_ids=tops)
    return {
        "summary": summary,
        "previous_cost": previous["cost_of_not_improving"],
        "trend": trend,
        "top_gaps": top_gaps(period, scope),
        "newly_red": newly_red(period, scope),
        "driven_red": newly_red(period, scope, driven=True),
        "levels": [(label, summary["status_counts"].get(level, {})) for level, label in Metric.Level.choices],
    }


def overview_sections(request, period, scope) -> list[dict]:
    """What other apps add to the overview (plans at risk, ...)."""
    return registry.sections(OVERVIEW, request, period, scope)


def has_figures() -> bool:
    """Whether any roll-up has produced a figure yet (else the overview has only empty tables)."""
    return RollupSnapshot.objects.exists()
