"""Targets: which one applies to a period and scope, pro-rating, validation (DESIGN §4 item 3)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .periods import Frequency, Period, frequency_period_end
from .types import ORG, MetricDef, Scope, TargetDef


@dataclass(frozen=True)
class ResolvedTarget:
    """The target, baseline and amber threshold that apply to one (metric, period, scope)."""

    value: float
    baseline: float | None
    amber_threshold: float


class TargetIndex:
    """Targets grouped by (metric, scope) for the look-ups of §4 item 3."""

    def __init__(self, targets: Iterable[TargetDef]) -> None:
        grouped: dict[tuple[str, Scope], list[TargetDef]] = defaultdict(list)
        for target in targets:
            grouped[(target.metric, target.scope)].append(target)
        # Latest start first, so that if overlapping targets ever slipped past validation the
        # one that started last wins, whatever the input order.
        self._by_scope = {key: _latest_first(ts) for key, ts in grouped.items()}

    def set_for(self, metric: str, scope: Scope) -> list[TargetDef]:
        """The targets set for exactly this metric and scope."""
        return self._by_scope.get((metric, scope), [])

    def valid_on(self, metric: str, scope: Scope, day: date) -> TargetDef | None:
        """The target set for this very scope valid on ``day`` (bounds inclusive), if any."""
        for target in self.set_for(metric, scope):
            if target.is_valid_on(day):
                return target
        return None

    def any_in(self, metric: str, scope: Scope, period: Period) -> bool:
        """Whether a target set for this very scope is valid at some time in ``period``."""
        return any(period.overlaps(t.valid_from, t.valid_to) for t in self.set_for(metric, scope))


def _latest_first(targets: list[TargetDef]) -> list[TargetDef]:
    return sorted(targets, key=_target_order, reverse=True)


def _target_order(target: TargetDef) -> tuple:
    return (
        target.valid_from,
        target.valid_to or date.max,
        target.value,
        -math.inf if target.baseline is None else target.baseline,
        target.amber_threshold,
    )


def target_scopes_apply(metric: MetricDef, scope: Scope) -> bool:
    """Whether targets set for ``scope`` count for ``metric`` at all.

    §4 item 3: a `sum` metric's channel scope never has a target.
    """
    return not (metric.aggregation == "sum" and scope.kind == "channel")


def _resolved(target: TargetDef) -> ResolvedTarget:
    return ResolvedTarget(target.value, target.baseline, target.amber_threshold)


def non_sum_target(
    index: TargetIndex,
    metric: MetricDef,
    period: Period,
    scope: Scope,
) -> ResolvedTarget | None:
    """§4 item 3, non-`sum` metrics: the target set for the scope valid at the end of P, else
    (department and channel scopes) the organisation's."""
    target = index.valid_on(metric.code, scope, period.end)
    if target is None and scope != ORG:
        target = index.valid_on(metric.code, ORG, period.end)
    return _resolved(target) if target is not None else None


def sum_target(
    index: TargetIndex,
    metric: MetricDef,
    period: Period,
    scope: Scope,
) -> ResolvedTarget | None:
    """§4 item 3, `sum` metrics: targets are stated per month, with no fallback.

    A quarter's or year's target is the sum over its months of the target valid at each
    month's end, and none if any month has none; its baseline likewise, and none unless every
    month's target has one. The amber threshold is the one valid at P's end.
    """
    if not target_scopes_apply(metric, scope):
        return None
    monthly = [index.valid_on(metric.code, scope, month.end) for month in period.months()]
    if any(t is None for t in monthly):
        return None
    baselines = [t.baseline for t in monthly]
    return ResolvedTarget(
        value=math.fsum(t.value for t in monthly),
        baseline=None if any(b is None for b in baselines) else math.fsum(baselines),
        amber_threshold=monthly[-1].amber_threshold,
    )


def prorate_share(period: Period, frequency: Frequency, latest_start: date | None) -> float:
    """§4 item 3: the share of P's days up to the end of the latest frequency period with data.

    ``latest_start`` is the latest period_start among the rows the scope uses in P. The end of
    its frequency period is clipped to P's end (a week may run into the next month).

    Interpretation: with no data in P there is nothing to pro-rate by, so the share is 1.
    """
    if latest_start is None:
        return 1.0
    end = min(frequency_period_end(frequency, latest_start), period.end)
    return ((end - period.start).days + 1) / period.days


def resolve_target(
    index: TargetIndex,
    metric: MetricDef,
    period: Period,
    scope: Scope,
    *,
    today: date,
    latest_start: date | None,
) -> ResolvedTarget | None:
    """§4 item 3: the target of ``metric`` in ``period`` for ``scope``.

    Interpretation: pro-rating in the period that contains ``today`` applies to `sum`
    metrics only (it is stated under the `sum` rule; a mean, min, max or last target does not
    scale with elapsed days).
    """
    if metric.aggregation != "sum":
        return non_sum_target(index, metric, period, scope)
    target = sum_target(index, metric, period, scope)
    if target is None or not period.contains(today):
        return target
    share = prorate_share(period, metric.frequency, latest_start)
    return ResolvedTarget(
        value=target.value * share,
        baseline=None if target.baseline is None else target.baseline * share,
        amber_threshold=target.amber_threshold,
    )


def has_own_target(index: TargetIndex, metric: MetricDef, period: Period, scope: Scope) -> bool:
    """Whether a target is set for this very scope (not a fallback) valid at some time in P.

    A channel target of a `sum` metric never counts (§4 item 3: a channel scope never has one).
    """
    return target_scopes_apply(metric, scope) and index.any_in(metric.code, scope, period)


def _fmt_range(target: TargetDef) -> str:
    end = target.valid_to.isoformat() if target.valid_to else "open"
    return f"{target.valid_from.isoformat()} – {end}"


def ranges_overlap(a: TargetDef, b: TargetDef) -> bool:
    """Whether two inclusive validity ranges share a day (``valid_to=None`` = open)."""
    a_end = a.valid_to or date.max
    b_end = b.valid_to or date.max
    return a.valid_from <= b_end and b.valid_from <= a_end


def validate_target(
    target: TargetDef,
    metric: MetricDef,
    others: Iterable[TargetDef] = (),
) -> list[str]:
    """Errors that refuse ``target`` (empty when it may be saved). §4 item 3.

    - a target is set for the organisation, one department or one channel, not both;
    - a `sum` metric has no channel targets (a channel scope never has one);
    - valid_to, when set, is not before valid_from;
    - the baseline may not equal the target or be not worse than it (direction aware);
    - a target ≤ 0 requires a baseline;
    - the amber threshold lies in [0, 100] (interpretation: above 100 amber could never show);
    - validity may not overlap (inclusive bounds) another target of the same metric and
      scope. ``others`` are the metric's other targets; leave out the one being edited.
    """
    errors: list[str] = []
    if target.metric != metric.code:
        errors.append(f"the target is for {target.metric}, not {metric.code}")
    if target.department is not None and target.channel is not None:
        errors.append("a target is set for a department or a channel, not both")
    elif target.channel is not None and metric.aggregation == "sum":
        errors.append("a sum metric has no channel targets")
    if target.valid_to is not None and target.valid_to < target.valid_from:
        errors.append("valid to is before valid from")
    errors.extend(_baseline_errors(target, metric))
    if not 0 <= target.amber_threshold <= 100:
        errors.append("the amber threshold must lie between 0 and 100 score points")
    for other in sorted(others, key=_target_order):
        same_scope = other.metric == target.metric and other.scope == target.scope
        if same_scope and ranges_overlap(target, other):
            where = f"the {target.metric} target for {other.scope}"
            errors.append(f"overlaps {where} valid {_fmt_range(other)}")
    return errors


def _baseline_errors(target: TargetDef, metric: MetricDef) -> list[str]:
    if target.baseline is None:
        if target.value <= 0:
            return ["a target of 0 or less needs a baseline"]
        return []
    if target.baseline == target.value:
        return ["the baseline equals the target"]
    worse = (
        target.baseline < target.value
        if metric.direction == "higher_is_better"
        else target.baseline > target.value
    )
    if not worse:
        word = "below" if metric.direction == "higher_is_better" else "above"
        return [f"the baseline must be worse than the target ({word} it for this metric)"]
    return []
