"""Driver evidence for one parent and its incoming links, exactly per DESIGN §4 item 13.

Pure: plain values in, plain values out; numpy for the least squares and scipy for the
Student-t quantile, never Django (``tests/metrics/evidence/test_isolation.py``).

The steps, in the order §4 item 13 gives them:

1. Children measured less often than monthly (quarterly, yearly) are left out, verdict
   ``not_monthly``; k counts the others. With k = 0 there is nothing to fit.
2. Departments are pooled only when p and every included child have the same aggregation
   kind, all ``mean`` or all ``sum``; otherwise the organisation's months are used directly.
3. Pooled: the cells are the (department, month) pairs, over closed months only (before the
   month containing ``today``), where p and every included child have an actual at that
   department's scope. A department with a single cell is left out first (no variation
   within itself). Fewer than k + 6 cells left, or fewer than 2 departments: the
   organisation's months instead. Organisation months: the months where p and every
   included child have an organisation actual; still fewer than k + 6: ``not_enough_data``.
4. Fixed effects: within each group (a department; the organisation is one group) the
   group's mean is subtracted from p and from each child; then OLS without intercept.
   With n cells and G groups: σ² = RSS / (n − k − G), se(bᵢ) = sqrt(σ² [(X̃ᵀX̃)⁻¹]ᵢᵢ), the 95 %
   interval bᵢ ± t(0.975, n − k − G) se(bᵢ), R² = 1 − RSS / Σ p̃² (none when Σ p̃² = 0).
5. n − k − G < 1, or X̃ᵀX̃ singular (smallest singular value ≤ 1e-9 × largest: a child that
   does not move, children that move together): ``cannot_separate`` for every included
   link, with no retry on the organisation's months.
6. Verdict of each link: ``supported`` when the stated impact lies in the interval (bounds
   included), ``inconclusive`` instead when the interval also contains 0; ``opposite`` when
   the whole interval lies strictly on the other side of 0 from a non-zero stated impact;
   ``contradicted`` otherwise.

Interpretations (where the text leaves room):

- A group whose values of a series are all equal has that value as its mean exactly, so
  its demeaned values are exactly 0. Floating-point means of equal values can be off by an
  ulp, which would make "a child that does not move" look like a tiny movement and
  "Σ p̃² = 0" unreachable; this keeps both cases as §4 means them.
- ``not_monthly`` rows carry no figures and no scope kind (they were not fitted).
  ``not_enough_data`` rows carry the number of organisation months found (n < k + 6), the
  groups they form (1, or 0 when none) and scope kind ``organisation``. ``cannot_separate``
  rows carry the n, G and scope kind of the attempted fit and no estimate.
- "Measured less often than monthly" means frequency quarterly or yearly; daily, weekly and
  monthly metrics all have monthly actuals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import stats

ORG = None  # the organisation's scope key in the actuals mapping

SUPPORTED = "supported"
INCONCLUSIVE = "inconclusive"
CONTRADICTED = "contradicted"
OPPOSITE = "opposite"
NOT_MONTHLY = "not_monthly"
NOT_ENOUGH_DATA = "not_enough_data"
CANNOT_SEPARATE = "cannot_separate"
VERDICTS = (SUPPORTED, INCONCLUSIVE, CONTRADICTED, OPPOSITE, NOT_MONTHLY, NOT_ENOUGH_DATA, CANNOT_SEPARATE)

DEPARTMENT = "department"
ORGANISATION = "organisation"

LESS_THAN_MONTHLY = frozenset({"quarterly", "yearly"})
POOLABLE_KINDS = frozenset({"mean", "sum"})
SINGULAR_RATIO = 1e-9
EXTRA_CELLS = 6  # at least k + 6 observations

# Actuals of one metric: {(scope, month): value}; scope is a department key, or ORG (None)
# for the organisation; month is the first day of a calendar month.
Series = Mapping[tuple, float]


@dataclass(frozen=True)
class Node:
    code: str
    aggregation: str
    frequency: str


@dataclass(frozen=True)
class Child(Node):
    impact: float  # the link's stated impact (parent units per +1 unit of the child)


@dataclass(frozen=True)
class LinkEvidence:
    child: str
    verdict: str
    observations: int = 0
    groups: int = 0
    scope_kind: str | None = None
    estimate: float | None = None
    std_error: float | None = None
    interval_low: float | None = None
    interval_high: float | None = None
    r_squared: float | None = None


def driver_evidence(
    parent: Node, children: Sequence[Child], actuals: Mapping[str, Series], today: date
) -> list[LinkEvidence]:
    """One :class:`LinkEvidence` per child, in the order given.

    ``actuals[code]`` holds the monthly actuals of a metric at organisation (scope ORG) and
    department scopes; months at or after the month containing ``today`` are ignored."""
    first_open = date(today.year, today.month, 1)
    monthly = [c for c in children if c.frequency not in LESS_THAN_MONTHLY]
    fitted = _fit(parent, monthly, actuals, first_open) if monthly else {}
    return [fitted.get(c.code) or LinkEvidence(child=c.code, verdict=NOT_MONTHLY) for c in children]


def _fit(parent: Node, children: Sequence[Child], actuals: Mapping[str, Series], first_open: date) -> dict:
    k = len(children)
    codes = [parent.code, *(c.code for c in children)]
    series = [actuals.get(code, {}) for code in codes]

    cells = None
    scope_kind = ORGANISATION
    kinds = {parent.aggregation, *(c.aggregation for c in children)}
    if len(kinds) == 1 and kinds <= POOLABLE_KINDS:
        cells = _department_cells(series, first_open)
        departments = {scope for scope, _month in cells}
        if len(cells) >= k + EXTRA_CELLS and len(departments) >= 2:
            scope_kind = DEPARTMENT
        else:
            cells = None
    if cells is None:
        cells = _common_cells(series, first_open, lambda scope: scope is ORG)

    n = len(cells)
    groups = len({scope for scope, _month in cells})
    if n < k + EXTRA_CELLS:
        return {
            c.code: LinkEvidence(
                child=c.code, verdict=NOT_ENOUGH_DATA, observations=n, groups=groups, scope_kind=ORGANISATION
            )
            for c in children
        }

    def cannot_separate() -> dict:
        return {
            c.code: LinkEvidence(
                child=c.code, verdict=CANNOT_SEPARATE, observations=n, groups=groups, scope_kind=scope_kind
            )
            for c in children
        }

    df = n - k - groups
    if df < 1:
        return cannot_separate()

    # Rows: cells; columns: p, c1…ck, each demeaned within its group.
    raw = np.array([[s[cell] for s in series] for cell in cells], dtype=float)
    demeaned = _demean(raw, [scope for scope, _month in cells])
    p, x = demeaned[:, 0], demeaned[:, 1:]

    xtx = x.T @ x
    singular_values = np.linalg.svd(xtx, compute_uv=False)
    if singular_values.min() <= SINGULAR_RATIO * singular_values.max():
        return cannot_separate()

    xtx_inv = np.linalg.inv(xtx)
    b = np.linalg.solve(xtx, x.T @ p)
    residuals = p - x @ b
    rss = float(residuals @ residuals)
    tss = float(p @ p)
    sigma2 = rss / df
    se = np.sqrt(sigma2 * np.diag(xtx_inv))
    t = float(stats.t.ppf(0.975, df))
    r_squared = None if tss == 0 else 1 - rss / tss

    out = {}
    for i, c in enumerate(children):
        low, high = float(b[i] - t * se[i]), float(b[i] + t * se[i])
        out[c.code] = LinkEvidence(
            child=c.code,
            verdict=verdict(c.impact, low, high),
            observations=n,
            groups=groups,
            scope_kind=scope_kind,
            estimate=float(b[i]),
            std_error=float(se[i]),
            interval_low=low,
            interval_high=high,
            r_squared=r_squared,
        )
    return out


def verdict(impact: float, low: float, high: float) -> str:
    """§4 item 13's verdict of a stated impact against a 95 % interval [low, high]."""
    if low <= impact <= high:
        return INCONCLUSIVE if low <= 0 <= high else SUPPORTED
    if (impact > 0 and high < 0) or (impact < 0 and low > 0):
        return OPPOSITE
    return CONTRADICTED


def _common_cells(series: Sequence[Series], first_open: date, scope_ok) -> list[tuple]:
    """The (scope, month) keys, closed months only, where every series has an actual."""
    keys = set.intersection(*(set(s) for s in series))
    return sorted(
        (key for key in keys if scope_ok(key[0]) and key[1] < first_open),
        key=lambda key: (str(key[0]), key[1]),
    )


def _department_cells(series: Sequence[Series], first_open: date) -> list[tuple]:
    cells = _common_cells(series, first_open, lambda scope: scope is not ORG)
    per_department: dict = defaultdict(int)
    for scope, _month in cells:
        per_department[scope] += 1
    # A department with a single cell carries no variation within itself: left out first.
    return [cell for cell in cells if per_department[cell[0]] > 1]


def _demean(raw: np.ndarray, scopes: Sequence) -> np.ndarray:
    out = np.empty_like(raw)
    rows_of: dict = defaultdict(list)
    for row, scope in enumerate(scopes):
        rows_of[scope].append(row)
    for rows in rows_of.values():
        block = raw[rows]
        means = block.mean(axis=0)
        # Equal values have exactly that mean (see the module's interpretations).
        constant = (block == block[0]).all(axis=0)
        means[constant] = block[0][constant]
        out[rows] = block - means
    return out


def within_group_points(
    parent: Node, children: Sequence[Child], actuals: Mapping[str, Series], today: date, scope_kind: str
) -> dict[str, list[tuple[float, float]]]:
    """For the scatter beside the evidence: the cells the fit used (``scope_kind`` as it
    found, department or organisation), each child and the parent demeaned within its group,
    as {child code: [(c̃, p̃), …]}. Children not monthly get no points."""
    first_open = date(today.year, today.month, 1)
    monthly = [c for c in children if c.frequency not in LESS_THAN_MONTHLY]
    if not monthly:
        return {}
    series = [actuals.get(code, {}) for code in (parent.code, *(c.code for c in monthly))]
    if scope_kind == DEPARTMENT:
        cells = _department_cells(series, first_open)
    else:
        cells = _common_cells(series, first_open, lambda scope: scope is ORG)
    if not cells:
        return {c.code: [] for c in monthly}
    raw = np.array([[s[cell] for s in series] for cell in cells], dtype=float)
    demeaned = _demean(raw, [scope for scope, _month in cells])
    return {
        c.code: [(float(x), float(y)) for x, y in zip(demeaned[:, i + 1], demeaned[:, 0], strict=True)]
        for i, c in enumerate(monthly)
    }
