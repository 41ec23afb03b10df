"""Scores, status and gap (DESIGN §4 items 4, 5, 6 and 8)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .types import Direction, Status

MIN_SCORE = 0.0
MAX_SCORE = 150.0
DEFAULT_AMBER_THRESHOLD = 90.0


def clamp(value: float, low: float, high: float) -> float:
    """``value`` limited to ``[low, high]``."""
    return max(low, min(high, value))


def own_score(
    actual: float | None,
    target: float | None,
    direction: Direction,
    baseline: float | None = None,
) -> float | None:
    """§4 item 4: the own score, clamped to [0, 150]; None without an actual or a target.

    With a baseline: ``100 × (actual − baseline) / (target − baseline)`` (either direction:
    the baseline is the worse end). Without: ``100 × actual / target`` when higher is better;
    ``100 × target / actual`` when lower is better, and 150 when actual ≤ 0.

    Interpretation: a zero denominator (target = baseline, or a zero target without baseline
    — both refused by target validation) gives no score rather than an error.
    """
    if actual is None or target is None:
        return None
    if baseline is not None:
        if target == baseline:
            return None
        raw = 100.0 * (actual - baseline) / (target - baseline)
    elif direction == "higher_is_better":
        if target == 0:
            return None
        raw = 100.0 * actual / target
    else:
        if actual <= 0:
            return MAX_SCORE
        raw = 100.0 * target / actual
    return clamp(raw, MIN_SCORE, MAX_SCORE)


def driven_score(children: Iterable[tuple[float, float | None]]) -> float | None:
    """§4 item 5: ``Σ wᵢ·scoreᵢ / Σ wᵢ`` over the (weight, score) of the children that have
    a score.

    A child's score is its own score, else its driven score (the caller passes that). None
    when no child has a score.
    """
    scored = [(w, s) for w, s in children if s is not None]
    total = math.fsum(w for w, _ in scored)
    if not scored or total == 0:
        return None
    mean = math.fsum(w * s for w, s in scored) / total
    # A weighted mean lies between its extremes; rounding could step an ulp outside
    # (150.00000000000003), which would break the [0, 150] guarantee.
    return clamp(mean, min(s for _, s in scored), max(s for _, s in scored))


def headline_score(own: float | None, driven: float | None) -> float | None:
    """The score a metric is judged by: its own score, else its driven score (§4 items 5
    and 6). A parent's driven score, its status and every page use this one."""
    return own if own is not None else driven


def status(
    own: float | None,
    driven: float | None,
    amber_threshold: float | None = None,
) -> Status:
    """§4 item 6: from the own score, else the driven score.

    green ≥ 100; amber ≥ the amber threshold (the target's, else 90); red below; grey with no
    score. Decided on the unrounded score.
    """
    score = headline_score(own, driven)
    if score is None:
        return "grey"
    threshold = DEFAULT_AMBER_THRESHOLD if amber_threshold is None else amber_threshold
    if score >= 100:
        return "green"
    if score >= threshold:
        return "amber"
    return "red"


def gap_value(gap: float | None, money_weight: float, share: float = 1.0) -> float | None:
    """§4 item 9 for one leaf in one month: ``gap × share × mw`` (share 1 at organisation
    scope); None without a gap."""
    return None if gap is None else gap * share * money_weight


def gap(actual: float | None, target: float | None, own: float | None) -> float | None:
    """§4 item 8: ``target − actual`` (signed, in the metric's units) when the own score is
    below 100; 0 when it is ≥ 100; None without an own score."""
    if own is None or actual is None or target is None:
        return None
    if own >= 100:
        return 0.0
    return target - actual
