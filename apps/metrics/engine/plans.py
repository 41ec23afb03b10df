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
) -> PlanFigures:
    """Benefit and ROI of one plan."""
    benefit = plan_benefit(expected_changes, money_weights)
    return PlanFigures(key, effort, benefit, cost, plan_roi(benefit, cost))


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
