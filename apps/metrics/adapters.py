"""ORM rows → the engine's plain values. The only place that knows both sides."""

from __future__ import annotations

from collections.abc import Iterable

from .engine.types import LinkDef, MetricDef, TargetDef
from .models import Metric, MetricLink, Target


def metric_def(metric: Metric) -> MetricDef:
    return MetricDef(
        code=metric.code,
        direction=metric.direction,
        aggregation=metric.aggregation,
        frequency=metric.frequency,
        is_monetary=metric.is_monetary,
    )


def link_defs(links: Iterable[MetricLink] | None = None) -> list[LinkDef]:
    """Active links as engine values (all of them when `links` is None)."""
    if links is None:
        rows = MetricLink.objects.active().values_list("child__code", "parent__code", "weight", "impact")
        return [LinkDef(c, p, w, i) for c, p, w, i in rows]
    return [LinkDef(x.child.code, x.parent.code, x.weight, x.impact) for x in links]


def target_def(target: Target, *, metric_code: str | None = None) -> TargetDef:
    return TargetDef(
        metric=metric_code or target.metric.code,
        valid_from=target.valid_from,
        valid_to=target.valid_to,
        department=target.department.code if target.department_id else None,
        channel=target.channel.code if target.channel_id else None,
        value=target.value,
        baseline=target.baseline,
        amber_threshold=target.amber_threshold,
    )


def target_defs(targets: Iterable[Target] | None = None) -> list[TargetDef]:
    if targets is None:
        # Every target, read as plain values (no model instances): the roll-up loads them
        # all on every run, incremental ones included (0.45 s → 0.05 s for 7,000 targets).
        rows = Target.objects.values_list(
            "metric__code",
            "valid_from",
            "valid_to",
            "department__code",
            "channel__code",
            "value",
            "baseline",
            "amber_threshold",
        )
        return [TargetDef(*row) for row in rows]
    return [target_def(t) for t in targets]
