"""Expected benefit, ROI and ranking of action plans (DESIGN §4 item 10)."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Effort = Literal["S", "M", "L"]


def plan_benefit(changes: Iterable[tuple[str, float]], money_weights: Mapping[str, float]) -> float:
    """§4 item 10: expected benefit per year, ``12 × Σ expected change × mw(metric)``.

    ``changes`` are the plan's expected impacts: (metric code, expected change in the
    metric's units). A metric with no money weight (no path to money) counts 0.
    """
    return 12.0 * math.fsum(change * money_weights.get(code, 0.0) for code, change in changes)


def plan_roi(benefit: float, cost: float | None) -> float | None:
    """§4 item 10: ``(benefit − cost) / cost``; None when the cost is 0 or missing."""
    if cost is None or cost == 0:
        return None
    return (benefit - cost) / cost


@dataclass(frozen=True)
class PlanFigures:
    """The money figures of one plan, as ranked by :func:`rank_plans`."""

    key: Hashable
    effort: Effort | None
    benefit: float
    cost: float | None
    roi: float | None
    # §4 item 10: the part that closes today's gap and the part beyond target (None: no split).
    within: float | None = None
    beyond: float | None = None

    @property
    def quick_win(self) -> bool:
        """Effort S and ROI ≥ 1."""
        return self.effort == "S" and self.roi is not None and self.roi >= 1


def plan_figures(
    key: Hashable,
    *,
    effort: Effort | None,
    cost: float | None,
    expected_changes: Iterable[tuple[str, float]],
    money_weights: Mapping[str, float],
    gaps: Mapping[str, float | None] | None = None,
) -> PlanFigures:
    """Benefit and ROI of one plan; with ``gaps`` (each metric's organisation gap in its
    last closed period) also the split within the gap / beyond target."""
    changes = list(expected_changes)
    benefit = plan_benefit(changes, money_weights)
    within = beyond = None
    if gaps is not None and changes:
        split = benefit_split(changes, money_weights, gaps)
        within, beyond = split.within, split.beyond
    return PlanFigures(key, effort, benefit, cost, plan_roi(benefit, cost), within, beyond)


def rank_plans(plans: Iterable[PlanFigures]) -> list[PlanFigures]:
    """§4 item 10: quick wins first, then the other plans with an ROI, then plans without;
    ROI descending inside each group.

    Interpretation: equal ROIs (and plans without ROI) are ordered by key, so the ranking
    never depends on input order.
    """

    def order(plan: PlanFigures) -> tuple:
        group = 0 if plan.quick_win else 1 if plan.roi is not None else 2
        roi = -plan.roi if plan.roi is not None else 0.0
        return (group, roi, str(plan.key))

    return sorted(plans, key=order)


def closing_change(change: float, gap: float | None) -> float | None:
    """§4 item 10: the part of an expected change Δ that closes the gap g,
    ``sign(Δ) × min(|Δ|, |g|)`` when Δ and g have the same sign, else 0; None without a gap
    (no own score: the split is not shown). g = 0 (on target) closes nothing."""
    if gap is None:
        return None
    if change == 0 or gap == 0 or (change > 0) != (gap > 0):
        return 0.0
    return math.copysign(min(abs(change), abs(gap)), change)


@dataclass(frozen=True)
class BenefitSplit:
    """A plan's yearly benefit split (§4 item 10); ``within`` and ``beyond`` are None when a
    metric it moves has no gap to split by."""

    benefit: float
    within: float | None
    beyond: float | None


def benefit_split(
    changes: Iterable[tuple[str, float]],
    money_weights: Mapping[str, float],
    gaps: Mapping[str, float | None],
) -> BenefitSplit:
    """§4 item 10: benefit within the gap = ``12 × Σ c × mw(metric)``, beyond = benefit −
    within, with g each metric's organisation gap in its last closed period at its own
    frequency.

    Interpretation: a plan moving a metric without an own score (g none) shows no split at
    all, since part of its benefit could not be placed; metrics with no money weight add 0
    to both parts."""
    changes = list(changes)
    benefit = plan_benefit(changes, money_weights)
    closing = []
    for code, change in changes:
        c = closing_change(change, gaps.get(code))
        if c is None:
            return BenefitSplit(benefit, None, None)
        closing.append(c * money_weights.get(code, 0.0))
    within = 12.0 * math.fsum(closing)
    return BenefitSplit(benefit, within, benefit - within)


def over_promised(changes: Iterable[tuple[str, float]], gaps: Mapping[str, float | None]) -> dict[str, float]:
    """§4 item 10: the metrics on which the open plans together expect more than the gap,
    as {metric: Σ expected change}: the sum goes the gap's way and is larger than it.

    Interpretation: on a metric already on target (g = 0) any expected change is more than
    the gap (there is nothing left to close); a metric without an own score is left out."""
    totals: dict[str, list[float]] = {}
    for code, change in changes:
        totals.setdefault(code, []).append(change)
    result = {}
    for code in sorted(totals):
        gap_value = gaps.get(code)
        if gap_value is None:
            continue
        total = math.fsum(totals[code])
        if gap_value == 0:
            if total != 0:
                result[code] = total
        elif (total > 0) == (gap_value > 0) and abs(total) > abs(gap_value):
            result[code] = total
    return result
