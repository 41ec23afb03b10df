"""The metric engine: the pure arithmetic of DESIGN §4, in plain Python (no Django, no ORM).

The roll-up job hands it plain rows and stores what it returns. Two stages, so that on
PostgreSQL stage 1 can be set-based SQL feeding the same stage 2:

1. :func:`aggregate` (``actuals.py``): measurement rows -> one :class:`Cell` per (metric,
   period, scope): the actual (§4 items 1–2), the sum of sample_size of the rows used, and
   the latest period_start among them.
2. :func:`evaluate` (``evaluate.py``): cells + metrics, links, targets, departments,
   channels and ``today`` -> :class:`SnapshotResult` for every snapshot that exists
   (§4 items 3–9). It can evaluate a subset of periods and metrics; ``evaluate.py`` states
   exactly which inputs a subset needs to equal a full run. :class:`Evaluation` is the same
   with its memo kept, to also ask for the cost of not improving.

:func:`compute_snapshots` runs both. The building blocks are public and unit-tested:
``scoring`` (own score, driven score, status, gap), ``graph`` (path impacts, money tops and
weights, cycles), ``targets`` (resolution, pro-rating, validation), ``consistency`` (§4 item
11), ``plans`` (§4 item 10), ``incentives`` (§4 item 12), ``periods`` and ``types``.

Interpretations
---------------
Where DESIGN §4 leaves room, the engine chooses as follows (each is repeated in the
docstring of the function that applies it):

1. Pro-rating of the target and baseline in the period that contains today applies to `sum`
   metrics only: it is stated under the `sum` rule, and a mean/min/max/last target does not
   scale with elapsed days.
2. Pro-rating share = days from P's start to the end of the frequency period containing the
   latest period_start among the rows the scope uses in P (clipped to P's end: a week may run
   into the next month), divided by P's days. With no data in P for that scope there is
   nothing to pro-rate by and the target is shown whole.
3. A target of a `sum` metric set for a channel is refused by validation and ignored by the
   evaluation: it neither applies nor makes a snapshot exist. A target naming both a
   department and a channel is refused.
4. The metric's "earliest measurement" is the earliest period_start among all its rows (any
   scope or source). A metric with no measurement of its own (only ever driven by its
   children) starts at the earliest measurement beneath it, so it still gets driven scores;
   read literally it would never have a snapshot. A metric with neither has no snapshots,
   even with targets. Periods after the one containing ``today`` are never produced, even
   if future-dated rows exist.
5. A leaf measured less often than monthly uses, for each month of its own period, that
   period's gap *and* that period's department/channel share (its rows all sit in the
   period's first month).
6. Value at stake counts only months up to the month containing ``today``: later months have
   no snapshots, and a quarterly or yearly leaf's gap is not counted for months that have not
   begun.
7. Department and channel shares divide by the sum over every department (or channel) cell
   of the leaf in that month, whether or not those scopes have a gap.
8. The organisation's rows: a department is left out at a date when any ancestor department
   has a no-channel total that date; an ancestor with only channel breakdowns covers nothing,
   so its sub-departments still count.
9. A money top's dir(T) equals its money weight (nothing monetary lies above it), so value at
   stake is computed with one formula, ``Σ_months Σ_o gap(o) × share × PI(o → n) × mw(n)``,
   evaluated by flowing ``gap × share`` up the DAG (Σ impact × flow of each child), which
   equals the sum over all paths. A leaf with a gap but no path to money adds a term 0.
10. The amber threshold for a status decided on the driven score is that of the target that
    applies (own or organisation fallback) when there is one, else 90.
11. A zero denominator gives no score instead of an error: target = baseline, or a zero
    target without baseline for a higher-is-better metric (both refused by validation),
    or children whose weights sum to 0.
12. If overlapping targets slip past validation, the one with the latest valid_from wins;
    two rows with the same key, recorded_at and source (impossible under the upsert key)
    resolve to the larger value. Neither ever depends on input order.
13. A cell's sample_size is the sum over all rows used at every date in the period (shares
    are only used for `mean` leaves); sample_size must be positive, and a `mean` row without
    one is an error.
14. Validation beyond §4's wording: the amber threshold lies in [0, 100]; link weight > 0
    and one link per (child, parent); component weight > 0 and payout percentages
    0 ≤ threshold % ≤ target % ≤ maximum % (so payout never falls as the actual improves).
15. Channel consistency leaves out channels without an actual. Plans with equal ROI rank by
    key; a plan's metric with no money weight contributes 0 benefit; a participant with no
    attainment (no components) earns 0.
16. Links naming a metric the evaluation was not given are an error, because money weights
    need every path to the money tops.
17. All sums use ``math.fsum`` and every iteration is in sorted order, so the results are
    bit-identical whatever the order of the input rows, links or targets.
18. The cost of not improving is computed by the engine (:class:`Evaluation`), per month from
    the leaves' terms, not read back from leaf snapshots: a quarterly leaf has no month
    snapshot, yet its quarter gap counts in each month of the money tops' value at stake, and
    the cost must add up to those. For every period a leaf feeds it equals the sum of the
    leaves' value at stake at organisation scope.
19. The driven score is clamped to the range of its children's scores, so float rounding can
    never put it an ulp outside [0, 150].
20. A snapshot that exists only because of a target (no actual, no child with a score) has
    status grey; one that exists only because a child has a snapshot may be grey too.
21. Month to date: in the month containing today a non-`sum` leaf's term is multiplied by
    the share of the month's days up to the end of the frequency period of the latest
    period_start the scope uses that month (a monthly leaf: the whole month; a daily leaf
    with data up to the 2nd of a 31-day month: 2/31); no data that month: nothing to count.
22. Value at stake along a path: ``mass(n) × Π impacts × dir(T)`` (``graph.path_values``).
    Pages recover mass(n) from stored value at stake as VaS(n) / mw(n), or from the
    children where mw(n) = 0 (paths that cancel); a leaf with mw 0 shows none.
23. Reconciliation (``Evaluation.reconciliation``): the split is summed over the months
    where the organisation has a gap; a month where it is on target leaves its difference
    in the rest; non-`mean` leaves show the difference unsplit.
"""

from .actuals import aggregate, rows_used
from .consistency import channel_consistency
from .evaluate import (
    Evaluation,
    cell_periods_for,
    compute_snapshots,
    evaluate,
    snapshots_by_key,
)
from .graph import (
    PathValue,
    ancestors,
    descendants,
    find_cycle,
    leaves,
    mass_from_values,
    money_top_errors,
    money_tops,
    money_weights,
    path_impacts,
    path_values,
    topological_order,
    validate_link,
)
from .incentives import (
    ComponentDef,
    participant_bonus,
    payout_percent,
    plan_attainment,
    validate_component,
)
from .periods import (
    Period,
    frequency_period_end,
    frequency_period_start,
    is_aligned,
    period_kinds_for,
)
from .plans import (
    BenefitSplit,
    PlanFigures,
    benefit_split,
    closing_change,
    over_promised,
    plan_benefit,
    plan_figures,
    plan_roi,
    rank_plans,
)
from .reconcile import Reconciliation, ScopePart, reconcile
from .scoring import driven_score, gap, own_score, status
from .targets import ResolvedTarget, prorate_share, resolve_target, validate_target
from .types import (
    ORG,
    Actuals,
    Cell,
    LinkDef,
    MeasurementRow,
    MetricDef,
    Scope,
    SnapshotResult,
    TargetDef,
)

__all__ = [
    "reconcile",
    "path_values",
    "money_top_errors",
    "mass_from_values",
    "over_promised",
    "closing_change",
    "benefit_split",
    "ScopePart",
    "Reconciliation",
    "PathValue",
    "BenefitSplit",
    "ORG",
    "Actuals",
    "Cell",
    "ComponentDef",
    "Evaluation",
    "LinkDef",
    "MeasurementRow",
    "MetricDef",
    "Period",
    "PlanFigures",
    "ResolvedTarget",
    "Scope",
    "SnapshotResult",
    "TargetDef",
    "aggregate",
    "ancestors",
    "cell_periods_for",
    "channel_consistency",
    "compute_snapshots",
    "descendants",
    "driven_score",
    "evaluate",
    "find_cycle",
    "frequency_period_end",
    "frequency_period_start",
    "gap",
    "is_aligned",
    "leaves",
    "money_tops",
    "money_weights",
    "own_score",
    "path_impacts",
    "participant_bonus",
    "payout_percent",
    "period_kinds_for",
    "plan_attainment",
    "plan_benefit",
    "plan_figures",
    "plan_roi",
    "prorate_share",
    "rank_plans",
    "resolve_target",
    "rows_used",
    "snapshots_by_key",
    "status",
    "topological_order",
    "validate_component",
    "validate_link",
    "validate_target",
]
