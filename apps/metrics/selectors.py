"""Reads of the computed layer. Pages and the API read snapshots, never measurements."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils import timezone

from apps.organization.models import Channel, Department

from .engine.periods import Period
from .models import Metric, RollupSnapshot


@dataclass(frozen=True)
class ScopeRef:
    """A scope as stored (kind, id) with its label (`org`, `dept:CS`, `channel:WEB`)."""

    kind: str
    id: int
    label: str
    name: str


ORG_SCOPE = ScopeRef("org", 0, "org", "Organisation")


def parse_period(text: str | None, *, field: str = "period") -> Period:
    if not text:
        return Period.containing("month", timezone.localdate())
    try:
        return Period.parse(text.strip())
    except ValueError as exc:
        raise ValidationError({field: [f"{text!r} is not a period: use 2025-03, 2025-Q1 or 2025"]}) from exc


def parse_scope(text: str | None, *, field: str = "scope") -> ScopeRef:
    if not text or text.strip() == "org":
        return ORG_SCOPE
    kind, sep, code = text.strip().partition(":")
    if not sep or kind not in ("dept", "channel") or not code:
        raise ValidationError({field: [f"{text!r} is not a scope: use org, dept:<code> or channel:<code>"]})
    model = Department if kind == "dept" else Channel
    found = model.objects.filter(code=code).values_list("pk", "name").first()
    if found is None:
        raise ValidationError({field: [f"unknown {'department' if kind == 'dept' else 'channel'} {code!r}"]})
    return ScopeRef(kind, found[0], f"{kind}:{code}", found[1])


def scope_labels() -> dict[tuple[str, int], str]:
    labels = {("org", 0): "org"}
    labels.update({("dept", pk): f"dept:{code}" for pk, code in Department.objects.values_list("pk", "code")})
    labels.update(
        {("channel", pk): f"channel:{code}" for pk, code in Channel.objects.values_list("pk", "code")}
    )
    return labels


def period_label(kind: str, start) -> str:
    return str(Period(kind, start))


def snapshots(*, metric: str | None = None, period: Period | None = None, scope: ScopeRef | None = None):
    qs = RollupSnapshot.objects.select_related("metric").order_by(
        "metric__code", "period_kind", "period_start", "scope_kind", "scope_id"
    )
    if metric:
        qs = qs.filter(metric__code=metric)
    if period is not None:
        qs = qs.filter(period_kind=period.kind, period_start=period.start)
    if scope is not None:
        qs = qs.filter(scope_kind=scope.kind, scope_id=scope.id)
    return qs


def money_top_ids() -> list[int]:
    """Monetary metrics with no monetary ancestor (DESIGN §4 item 7)."""
    from .adapters import link_defs
    from .engine import graph

    monetary = set(Metric.objects.filter(archived=False, is_monetary=True).values_list("code", flat=True))
    links = link_defs()
    tops = [code for code in monetary if not (graph.ancestors({code}, links) & monetary)]
    return list(Metric.objects.filter(code__in=tops).values_list("pk", flat=True))


def summary(period: Period, scope: ScopeRef) -> dict:
    """Cost of not improving (= Σ the money tops' value at stake, which the engine keeps
    equal to Σ the leaves') and status counts by level, for one period and scope."""
    base = RollupSnapshot.objects.filter(
        period_kind=period.kind, period_start=period.start, scope_kind=scope.kind, scope_id=scope.id
    )
    tops = base.filter(metric_id__in=money_top_ids())
    agg = tops.aggregate(
        total=Sum("value_at_stake"), counted=Count("pk", filter=Q(value_at_stake__isnull=False))
    )
    counts: dict[str, dict[str, int]] = {
        level: dict.fromkeys(RollupSnapshot.Status.values, 0) for level in Metric.Level.values
    }
    for level, status, n in base.values_list("metric__level", "status").annotate(n=Count("pk")):
        counts[level][status] = n
    return {
        "period": str(period),
        "scope": scope.label,
        "cost_of_not_improving": agg["total"] if agg["counted"] else None,
        "status_counts": counts,
    }
