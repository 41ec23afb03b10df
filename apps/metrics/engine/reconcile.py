"""Reconciliation of a breakdown with the organisation (DESIGN §4 item 9, "Reconciliation").

The value at stake of a leaf's departments (or channels) need not add up to the
organisation's: a scope on target has gap 0 and does not offset a scope below it, and a
department's own target may differ from the organisation's. Pages show the breakdown's sum
beside the organisation's value and split the difference into three terms; nothing is
netted silently.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ScopePart:
    """One department's (or channel's) figures for a `mean` leaf in one month.

    ``share`` is its §4 item 9 share, ``elapsed`` the month-to-date factor (1 in a closed
    month), ``gap`` None or 0 when it has no gap to count."""

    share: float
    actual: float
    target: float
    gap: float | None
    elapsed: float = 1.0


@dataclass(frozen=True)
class Reconciliation:
    """``organisation − parts_sum = difference = netting + target_differences + rest``.

    ``netting`` and ``target_differences`` are None where the split does not apply (not a
    `mean` leaf, or the organisation on target: then ``org_on_target`` and the difference
    is minus the parts' sum)."""

    organisation: float | None
    parts_sum: float | None
    difference: float
    netting: float | None
    target_differences: float | None
    rest: float
    org_on_target: bool


def month_terms(org_target: float, parts: Iterable[ScopePart], money_weight: float) -> tuple[float, float]:
    """(netting, target differences) of one month, §4 item 9:

    netting = ``Σ_d share_d × (T − a_d) × mw`` over the scopes with no gap;
    target differences = ``Σ_d share_d × (T − T_d) × mw`` over the scopes with a gap,
    T the organisation's target, T_d and a_d the scope's (each times its elapsed factor)."""
    netting, targets = [], []
    for part in parts:
        if part.gap is None or part.gap == 0:
            netting.append(part.share * (org_target - part.actual) * money_weight * part.elapsed)
        else:
            targets.append(part.share * (org_target - part.target) * money_weight * part.elapsed)
    return math.fsum(netting), math.fsum(targets)


def reconcile(
    organisation: float | None,
    parts: Iterable[float | None],
    *,
    netting: float | None,
    target_differences: float | None,
    org_on_target: bool,
) -> Reconciliation:
    """Put the three terms together; the rest is what netting and target differences do not
    explain (organisation totals, rows outside any department, month-to-date factors that
    differ between scopes). With the split not applicable the whole difference is rest."""
    values = [v for v in parts if v is not None]
    parts_sum = math.fsum(values) if values else None
    difference = (organisation or 0.0) - (parts_sum or 0.0)
    if org_on_target or netting is None or target_differences is None:
        return Reconciliation(organisation, parts_sum, difference, None, None, difference, org_on_target)
    rest = difference - netting - target_differences
    # Float noise of a sum that adds up exactly is not a "rest".
    if abs(rest) <= 1e-9 * max(1.0, abs(organisation or 0.0), abs(parts_sum or 0.0)):
        rest = 0.0
    return Reconciliation(organisation, parts_sum, difference, netting, target_differences, rest, False)
