"""Payout of incentive components, plan attainment and CX bonus (DESIGN §4 item 12)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .types import Direction

DEFAULT_THRESHOLD_PERCENT = 50.0
DEFAULT_TARGET_PERCENT = 100.0
DEFAULT_MAXIMUM_PERCENT = 150.0


@dataclass(frozen=True)
class ComponentDef:
    """A bonus-plan component: values in the metric's units, payout % at each."""

    metric: str
    direction: Direction
    weight: float
    threshold: float
    target: float
    maximum: float
    threshold_percent: float = DEFAULT_THRESHOLD_PERCENT
    target_percent: float = DEFAULT_TARGET_PERCENT
    maximum_percent: float = DEFAULT_MAXIMUM_PERCENT

    @property
    def sign(self) -> int:
        return 1 if self.direction == "higher_is_better" else -1


def validate_component(component: ComponentDef) -> list[str]:
    """Errors that refuse a component (empty when valid).

    §4 item 12: s·threshold < s·target < s·maximum, with s = +1 (higher is better) or −1.
    Interpretation: the weight must be > 0 and the percentages 0 ≤ threshold % ≤ target % ≤
    maximum %, so that the payout never falls as the actual improves.
    """
    s = component.sign
    errors = []
    if not s * component.threshold < s * component.target < s * component.maximum:
        word = "below" if s > 0 else "above"
        errors.append(f"the threshold must be {word} the target, and the target {word} the maximum")
    if not component.weight > 0:
        errors.append("weight must be greater than 0")
    percents = (component.threshold_percent, component.target_percent, component.maximum_percent)
    if not 0 <= percents[0] <= percents[1] <= percents[2]:
        errors.append("payout percentages must satisfy 0 ≤ threshold ≤ target ≤ maximum")
    return errors


def _interpolate(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def payout_percent(actual: float | None, component: ComponentDef) -> float:
    """§4 item 12: the payout % of one component.

    0 % when s·actual < s·threshold; at the threshold the threshold %; linear to the target %
    at the target, then to the maximum % at the maximum; capped there (continuous except the
    step at the threshold). No actual: 0 % (the scorecard flags it: ``actual is None``).
    """
    if actual is None:
        return 0.0
    s = component.sign
    x, low, mid, high = (
        s * actual,
        s * component.threshold,
        s * component.target,
        s * component.maximum,
    )
    if x < low:
        return 0.0
    if x <= mid:
        return _interpolate(x, low, mid, component.threshold_percent, component.target_percent)
    if x <= high:
        return _interpolate(x, mid, high, component.target_percent, component.maximum_percent)
    return component.maximum_percent


def plan_attainment(weighted_payouts: Iterable[tuple[float, float]]) -> float | None:
    """§4 item 12: ``Σ weightᵢ·payoutᵢ / Σ weightᵢ`` over (weight, payout %).

    None without components.
    """
    pairs = list(weighted_payouts)
    total = math.fsum(w for w, _ in pairs)
    if not pairs or total == 0:
        return None
    return math.fsum(w * p for w, p in pairs) / total


def participant_bonus(
    target_bonus: float, cx_share_percent: float, attainment_percent: float | None
) -> float:
    """§4 item 12: target bonus × CX share/100 × attainment/100 (no attainment: 0)."""
    if attainment_percent is None:
        return 0.0
    return target_bonus * cx_share_percent / 100.0 * attainment_percent / 100.0


def participation_share(period_start: date, period_end: date, first: date, last: date) -> float:
    """§3 incentives: the share of the period's days (bounds inclusive) from ``first`` to
    ``last`` — a participant's target bonus is pro-rated by it. 0 when they do not meet."""
    start, end = max(period_start, first), min(period_end, last)
    if end < start:
        return 0.0
    return ((end - start).days + 1) / ((period_end - period_start).days + 1)
