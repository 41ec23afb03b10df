"""Stage 2: snapshots from stage 1 cells (DESIGN §4 items 3–9, "Which snapshots exist").

Inputs needed for a correct subset (``periods`` and/or ``metric_codes`` given)
---------------------------------------------------------------------------
A result for (metric m, period P, scope s) depends on m and everything beneath m. Pass:

- ``metrics`` and ``links``: all of them. Money weights need every path up to the money
  tops, so a link naming a metric that was not passed is refused;
- ``targets``: every target of the wanted metrics and their descendants that is valid at
  some time in P (passing all their targets is simplest);
- ``actuals.cells``: for the wanted metrics and their descendants, every cell, in every
  scope, whose period overlaps P: P itself, its months (value at stake is computed per
  month), and for quarterly or yearly leaves the quarter or year containing each month
  (:func:`cell_periods_for` lists them). Department and channel shares divide by the sum
  over *every* department or channel, so no scope may be left out;
- ``actuals.first_measurement``: for the same metrics, the earliest period_start over *all*
  their rows, not only the rows of the subset;
- the same ``departments``, ``channels`` and ``today`` as a full run.

The result then holds, for each wanted (metric, period), exactly the snapshots a full run
would produce, in every scope, so the caller may delete the stored snapshots of those pairs
that are not returned. :meth:`Evaluation.cost_of_not_improving` needs the cells of every leaf.

An incremental roll-up after an ingest passes the dirty metrics plus their ancestors as
``metric_codes`` and the month, quarter and year containing each dirty period_start as
``periods``. One case reaches further: a row earlier than a metric's earliest measurement
moves the start of its snapshots (and of ancestors without rows of their own), so the periods
between the new and the old start must be recomputed too.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .actuals import aggregate
from .graph import (
    PathValue,
    children_of,
    descendants,
    leaves,
    linked_to_money,
    money_tops,
    money_weights,
    path_values,
    topological_order,
)
from .periods import (
    PERIOD_KINDS,
    Period,
    is_less_often_than_monthly,
    own_period_kind,
    period_kinds_for,
    periods_between,
)
from .reconcile import Reconciliation, ScopePart, month_terms, reconcile
from .scoring import driven_score, gap, headline_score, own_score, status
from .targets import ResolvedTarget, TargetIndex, has_own_target, prorate_share, resolve_target
from .types import (
    ORG,
    Actuals,
    Cell,
    Departments,
    LinkDef,
    MeasurementRow,
    MetricDef,
    Scope,
    SnapshotResult,
    TargetDef,
)


@dataclass(frozen=True)
class _Core:
    """Everything about one (metric, period, scope) except value at stake."""

    exists: bool
    actual: float | None
    target: ResolvedTarget | None
    own: float | None
    driven: float | None
    gap: float | None

    @property
    def score(self) -> float | None:
        """A child's score for its parent's driven score: own score, else driven score."""
        return headline_score(self.own, self.driven)


@functools.lru_cache(maxsize=4096)
def _months(period: Period) -> list[Period]:
    return period.months()


# What a (metric, period, scope) outside the metric's candidate scopes computes to.
_ABSENT = _Core(exists=False, actual=None, target=None, own=None, driven=None, gap=None)


class Evaluation:
    """Stage 2 over one set of inputs, memoised, so snapshots and costs share the work.

    The API is :meth:`snapshots` and :meth:`cost_of_not_improving`; the other methods each
    implement one rule of §4 and are public for tests and for reading.
    """

    def __init__(
        self,
        actuals: Actuals,
        *,
        metrics: Iterable[MetricDef],
        links: Iterable[LinkDef],
        targets: Iterable[TargetDef],
        departments: Departments,
        channels: Iterable[str],
        today: date,
    ) -> None:
        self.metrics = {m.code: m for m in metrics}
        self.links = list(links)
        for link in self.links:
            # Money weights need every path to the money tops: a partial graph would be
            # silently wrong, so refuse it.
            if link.child not in self.metrics or link.parent not in self.metrics:
                raise ValueError(f"link {link.child} -> {link.parent} names an unknown metric")
        self.children = children_of(self.links)
        self.order = topological_order(self.metrics, self.links)
        self.money_weight = money_weights(self.metrics.values(), self.links)
        self.linked = linked_to_money(self.metrics.values(), self.links)
        self.leaf_codes = leaves(self.metrics.values(), self.links)
        targets = list(targets)
        self.targets = TargetIndex(targets)
        self._target_scopes: dict[str, set[Scope]] = defaultdict(set)
        for target in targets:
            self._target_scopes[target.metric].add(target.scope)
        self.cells = actuals.cells
        self.first = actuals.first_measurement
        self.today = today
        self.scopes = self._scopes(departments, channels)
        self._sample_totals = self._sum_samples_by_kind()
        self._core: dict[tuple[str, Period, Scope], _Core | None] = {}
        self._flow: dict[tuple[str, Period, Scope], float | None] = {}
        self._first_date: dict[str, date | None] = {}
        self._cell_scopes: dict[str, set[Scope]] = defaultdict(set)
        for metric, _period, scope in self.cells:
            self._cell_scopes[metric].add(scope)
        self._candidates: dict[str, list[Scope]] = {}
        self._candidate_sets: dict[str, frozenset[Scope]] = {}
        self._range: dict[str, dict] = {}
        self._last_month = Period.containing("month", today).start

    # -- inputs -----------------------------------------------------------------------------

    def _scopes(self, departments: Departments, channels: Iterable[str]) -> list[Scope]:
        """org, every department and channel given, and any other scope that has a cell."""
        scopes = {ORG}
        scopes.update(Scope("dept", code) for code in departments)
        scopes.update(Scope("channel", code) for code in channels)
        scopes.update(scope for _, _, scope in self.cells)
        return sorted(scopes, key=lambda s: (("org", "dept", "channel").index(s.kind), s.code))

    def _sum_samples_by_kind(self) -> dict[tuple[str, Period, str], float]:
        """Σ sample_size over every department (or every channel) cell of a metric and period."""
        parts: dict[tuple[str, Period, str], list[float]] = defaultdict(list)
        for (metric, period, scope), cell in self.cells.items():
            if scope.kind != "org":
                parts[(metric, period, scope.kind)].append(cell.sample_size)
        return {key: math.fsum(values) for key, values in parts.items()}

    def cell(self, metric: str, period: Period, scope: Scope) -> Cell | None:
        return self.cells.get((metric, period, scope))

    # -- which snapshots exist ----------------------------------------------------------------

    def candidate_scopes(self, metric: str) -> list[Scope]:
        """The scopes where the metric can have a snapshot: where it has a cell or a target
        of its own, or where a child can have one (the existence rule, read as a superset).
        Evaluating only these, not every scope, changes no result and saves most of the work
        on a large organisation (a metric lives in a handful of its ~100 scopes)."""
        if metric not in self._candidates:
            scopes = set(self._cell_scopes.get(metric, ())) | self._target_scopes.get(metric, set())
            for link in self.children.get(metric, []):
                scopes.update(self.candidate_scopes(link.child))
            order = {s: i for i, s in enumerate(self.scopes)}
            self._candidates[metric] = sorted(scopes, key=lambda s: order.get(s, len(order)))
        return self._candidates[metric]

    def first_date(self, metric: str) -> date | None:
        """The metric's earliest measurement, which starts its snapshots.

        Interpretation: a metric with no measurement of its own (one that is only ever
        driven by its children) starts at the earliest measurement beneath it, so that it
        still gets driven scores; otherwise it would never have a snapshot at all.
        """
        if metric not in self._first_date:
            own = self.first.get(metric)
            if own is None:
                beneath = descendants([metric], self.links)
                below = [self.first[code] for code in beneath if code in self.first]
                own = min(below, default=None)
            self._first_date[metric] = own
        return self._first_date[metric]

    def periods_of(self, metric: str) -> list[Period]:
        """Periods from the metric's earliest measurement up to the period containing today,
        of every kind not shorter than its frequency."""
        first = self.first_date(metric)
        if first is None:
            return []
        result: list[Period] = []
        for kind in period_kinds_for(self.metrics[metric].frequency):
            result.extend(periods_between(kind, first, self.today))
        return result

    def in_range(self, metric: str, period: Period) -> bool:
        """Whether ``period`` lies in :meth:`periods_of` for the metric."""
        bounds = self._range.get(metric)
        if bounds is None:
            # Per metric once: the first and last period start of each kind it feeds.
            first = self.first_date(metric)
            kinds = period_kinds_for(self.metrics[metric].frequency) if first is not None else ()
            bounds = self._range[metric] = {
                kind: (Period.containing(kind, first).start, Period.containing(kind, self.today).start)
                for kind in kinds
            }
        span = bounds.get(period.kind)
        return span is not None and span[0] <= period.start <= span[1]

    # -- items 3-6 and 8 -------------------------------------------------------------------------

    def core(self, metric: str, period: Period, scope: Scope) -> _Core | None:
        """Actual, target, scores and gap of one (metric, period, scope); None out of range."""
        key = (metric, period, scope)
        if key not in self._core:
            self._core[key] = self._compute_core(metric, period, scope)
        return self._core[key]

    def _compute_core(self, metric: str, period: Period, scope: Scope) -> _Core | None:
        if not self.in_range(metric, period):
            return None
        candidates = self._candidate_sets.get(metric)
        if candidates is None:
            candidates = self._candidate_sets[metric] = frozenset(self.candidate_scopes(metric))
        if scope not in candidates:
            # No cell, no target of its own, no child that can exist here: no snapshot, and
            # nothing a parent's driven score or a money flow could read. Parents ask for
            # every child in each of their scopes; most of those asks end here.
            return _ABSENT
        definition = self.metrics[metric]
        cell = self.cell(metric, period, scope)
        actual = cell.actual if cell is not None else None
        target = resolve_target(
            self.targets,
            definition,
            period,
            scope,
            today=self.today,
            latest_start=cell.latest_start if cell is not None else None,
        )
        own = own_score(
            actual,
            target.value if target else None,
            definition.direction,
            target.baseline if target else None,
        )
        links = self.children.get(metric, [])
        children = [(link, self.core(link.child, period, scope)) for link in links]
        children = [(link, c) for link, c in children if c is not None and c.exists]
        driven = driven_score((link.weight, c.score) for link, c in children) if children else None
        has_target = has_own_target(self.targets, definition, period, scope)
        exists = actual is not None or has_target or bool(children)
        return _Core(
            exists=exists,
            actual=actual,
            target=target,
            own=own,
            driven=driven,
            gap=gap(actual, target.value if target else None, own),
        )

    # -- item 9 ---------------------------------------------------------------------------------

    def share(self, metric: str, period: Period, scope: Scope) -> float | None:
        """§4 item 9: a leaf's share of the value at stake in ``scope``.

        1 at organisation scope; in a department or channel scope, for `mean` metrics the
        sample_size of the rows the scope uses divided by the same summed over every scope of
        its kind; for `sum` metrics 1; `last`, `min` and `max` leaves: None (value at stake at
        organisation scope only).
        """
        if scope == ORG:
            return 1.0
        aggregation = self.metrics[metric].aggregation
        if aggregation == "sum":
            return 1.0
        if aggregation != "mean":
            return None
        cell = self.cell(metric, period, scope)
        total = self._sample_totals.get((metric, period, scope.kind))
        if cell is None or not total:
            return None
        return cell.sample_size / total

    def leaf_term(self, leaf: str, month: Period, scope: Scope) -> float | None:
        """``gap(o) × share`` of a leaf in one month; None when the leaf has no gap there.

        A leaf measured less often than monthly uses its own period's gap (and, by our
        interpretation, its own period's share) for each month in it.
        """
        definition = self.metrics[leaf]
        own_period = month
        if is_less_often_than_monthly(definition.frequency):
            own_period = Period.containing(own_period_kind(definition.frequency), month.start)
        core = self.core(leaf, own_period, scope)
        if core is None or core.gap is None:
            return None
        share = self.share(leaf, own_period, scope)
        if share is None:
            return None
        return core.gap * share * self.elapsed_share(leaf, month, scope)

    def elapsed_share(self, leaf: str, month: Period, scope: Scope) -> float:
        """§4 item 9: in the month that contains today, the share of the month's days up to
        the end of the latest frequency period that has data (the money lost so far); 1 in
        any other month, and 1 for `sum` leaves, whose gap is already against the pro-rated
        target (item 3).

        Interpretation: a leaf measured less often than monthly takes the latest period_start
        of its own period's cell; its frequency period (the quarter or year) runs past the
        month's end, so the share is 1: its rows sit in the period's first month and stand
        for the whole period.
        """
        definition = self.metrics[leaf]
        if definition.aggregation == "sum" or not month.contains(self.today):
            return 1.0
        own_period = month
        if is_less_often_than_monthly(definition.frequency):
            own_period = Period.containing(period_kinds_for(definition.frequency)[0], month.start)
        cell = self.cell(leaf, own_period, scope)
        return prorate_share(month, definition.frequency, cell.latest_start if cell else None)

    def flow(self, metric: str, month: Period, scope: Scope) -> float | None:
        """``Σ_o gap(o) × share × PI(o → metric)`` over the leaves o beneath, in one month.

        Computed through the DAG: a leaf's flow is its own term; any other metric's is
        Σ impact × flow(child) over its children, which expands to the sum over all paths.
        None when no leaf beneath has a gap that month ("nothing added").
        """
        key = (metric, month, scope)
        if key in self._flow:
            return self._flow[key]
        links = self.children.get(metric, [])
        if not links:
            value = self.leaf_term(metric, month, scope)
        else:
            terms = []
            for link in links:
                child_flow = self.flow(link.child, month, scope)
                if child_flow is not None:
                    terms.append(link.impact * child_flow)
            value = math.fsum(terms) if terms else None
        self._flow[key] = value
        return value

    def value_at_stake(self, metric: str, period: Period, scope: Scope) -> float | None:
        """§4 item 9: per month, summed over the months of P, times mw(metric).

        For a leaf this is ``gap × mw × share``; for any other metric the money flowing
        through it from the leaves beneath, times dir(n) for a money top (equal to its mw,
        since nothing monetary lies above a top) or mw(n) otherwise. None when nothing was
        added, and none for a metric with no path to a money top (item 7: "not linked to
        money", never 0). Interpretation: months after the month containing today add nothing.
        """
        if metric not in self.linked:
            return None
        mass = self.mass(metric, period, scope)
        return None if mass is None else mass * self.money_weight.get(metric, 0.0)

    def mass(self, metric: str, period: Period, scope: Scope) -> float | None:
        """``Σ_months Σ_o gap(o) × share × PI(o → metric)``: the gap, in the metric's own
        units, that flows into it over P (value at stake before × mw). None when nothing
        was added."""
        last_month = self._last_month
        flows = []
        for month in _months(period):
            flow = self.flow(metric, month, scope) if month.start <= last_month else None
            if flow is not None:
                flows.append(flow)
        return math.fsum(flows) if flows else None

    def path_values(self, period: Period, scope: Scope = ORG) -> list[PathValue]:
        """§4 item 9 "Value at stake along a path": one row per path from a money top down
        to every metric beneath it, from the exact flows (see :func:`graph.path_values`)."""
        tops = money_tops(self.metrics.values(), self.links)
        mass = {code: self.mass(code, period, scope) for code in self.metrics}
        signs = {code: m.sign for code, m in self.metrics.items()}
        return path_values(tops, self.links, signs, mass)

    def reconciliation(self, leaf: str, period: Period, kind: str) -> Reconciliation:
        """§4 item 9 "Reconciliation" of a leaf's breakdown by ``kind`` ("dept" or
        "channel") against the organisation, over the months of P.

        Interpretation: the split into netting and target differences is computed month by
        month for a `mean` leaf, over the months where the organisation has a gap; a month
        where the organisation is on target leaves its difference in the rest. For other
        aggregations the whole difference is shown, unsplit.
        """
        definition = self.metrics[leaf]
        scopes = [s for s in self.scopes if s.kind == kind]
        organisation = self.value_at_stake(leaf, period, ORG)
        parts = [self.value_at_stake(leaf, period, s) for s in scopes]
        weight = self.money_weight.get(leaf, 0.0)
        netting, targets, org_gap_months = [], [], 0
        for month in _months(period):
            if month.start > self._last_month:
                continue
            own_period = month
            if is_less_often_than_monthly(definition.frequency):
                own_period = Period.containing(period_kinds_for(definition.frequency)[0], month.start)
            org = self.core(leaf, own_period, ORG)
            if org is None or not org.gap or org.target is None:
                continue
            org_gap_months += 1
            if definition.aggregation != "mean":
                continue
            month_parts = []
            for scope in scopes:
                core = self.core(leaf, own_period, scope)
                share = self.share(leaf, own_period, scope)
                if core is None or core.actual is None or core.target is None or share is None:
                    continue
                month_parts.append(
                    ScopePart(
                        share=share,
                        actual=core.actual,
                        target=core.target.value,
                        gap=core.gap,
                        elapsed=self.elapsed_share(leaf, month, scope),
                    )
                )
            n, t = month_terms(org.target.value, month_parts, weight)
            netting.append(n)
            targets.append(t)
        split = definition.aggregation == "mean" and org_gap_months > 0
        return reconcile(
            organisation,
            parts,
            netting=math.fsum(netting) if split else None,
            target_differences=math.fsum(targets) if split else None,
            org_on_target=org_gap_months == 0,
        )

    # -- results --------------------------------------------------------------------------------

    def snapshot(self, metric: str, period: Period, scope: Scope) -> SnapshotResult | None:
        """The snapshot of one (metric, period, scope), or None when it does not exist."""
        core = self.core(metric, period, scope)
        if core is None or not core.exists:
            return None
        target = core.target
        return SnapshotResult(
            metric=metric,
            period=period,
            scope=scope,
            actual=core.actual,
            target=target.value if target else None,
            baseline=target.baseline if target else None,
            own_score=core.own,
            driven_score=core.driven,
            status=status(core.own, core.driven, target.amber_threshold if target else None),
            gap=core.gap,
            value_at_stake=self.value_at_stake(metric, period, scope),
        )

    def snapshots(
        self,
        periods: Collection[Period] | None = None,
        metric_codes: Collection[str] | None = None,
    ) -> list[SnapshotResult]:
        """Every snapshot that exists (§4 "Which snapshots exist"), with items 3–9.

        ``periods`` and ``metric_codes`` restrict which snapshots are returned; whatever
        those need beneath them is computed too. Sorted by metric, period, scope.
        """
        wanted = set(self.metrics) if metric_codes is None else set(metric_codes)
        unknown = wanted - set(self.metrics)
        if unknown:
            raise ValueError(f"unknown metrics: {', '.join(sorted(unknown))}")
        needed = descendants(wanted, self.links)
        period_filter = set(periods) if periods is not None else None
        results: list[SnapshotResult] = []
        # Children before parents keeps the memoised recursion shallow.
        for metric in (code for code in self.order if code in needed):
            for period in self.periods_of(metric):
                if period_filter is not None and period not in period_filter:
                    continue
                for scope in self.candidate_scopes(metric):
                    result = self.snapshot(metric, period, scope)
                    if result is not None and metric in wanted:
                        results.append(result)
        results.sort(key=_result_order)
        return results

    def cost_of_not_improving(self, period: Period, scope: Scope = ORG) -> float | None:
        """§4 item 9: the sum of the leaves' value at stake for P (organisation scope by
        default; another scope gives that scope's part of it).

        Interpretation: a leaf measured less often than P (a quarterly leaf in a month) has
        no snapshot for P, but still counts here with its own period's gap for each month, as
        it does in the money tops' value at stake, so the two always add up. None when no
        leaf adds anything. Needs the cells of every leaf (see the module docstring).
        """
        values = [
            value
            for leaf in self.leaf_codes
            if (value := self.value_at_stake(leaf, period, scope)) is not None
        ]
        return math.fsum(values) if values else None


def _result_order(result: SnapshotResult) -> tuple:
    return (result.metric, result.period.sort_key, result.scope.kind, result.scope.code or "")


def evaluate(
    actuals: Actuals,
    *,
    metrics: Iterable[MetricDef],
    links: Iterable[LinkDef],
    targets: Iterable[TargetDef],
    departments: Departments,
    channels: Iterable[str],
    today: date,
    periods: Collection[Period] | None = None,
    metric_codes: Collection[str] | None = None,
) -> list[SnapshotResult]:
    """Stage 2: every snapshot that exists (§4 "Which snapshots exist") with items 3–9.

    ``periods`` and ``metric_codes`` restrict which snapshots are returned; the engine
    computes whatever those need beneath them. See the module docstring for the inputs a
    subset needs to equal a full run. Results are sorted by metric, period, scope.
    """
    evaluation = Evaluation(
        actuals,
        metrics=metrics,
        links=links,
        targets=targets,
        departments=departments,
        channels=channels,
        today=today,
    )
    return evaluation.snapshots(periods, metric_codes)


def compute_snapshots(
    rows: Iterable[MeasurementRow],
    *,
    metrics: Iterable[MetricDef],
    links: Iterable[LinkDef],
    targets: Iterable[TargetDef],
    departments: Departments,
    channels: Iterable[str],
    today: date,
    periods: Collection[Period] | None = None,
    metric_codes: Collection[str] | None = None,
) -> list[SnapshotResult]:
    """Both stages: :func:`aggregate` the rows, then :func:`evaluate` the cells."""
    metrics = list(metrics)
    actuals = aggregate(rows, metrics, departments, periods=cell_periods_for(periods))
    return evaluate(
        actuals,
        metrics=metrics,
        links=links,
        targets=targets,
        departments=departments,
        channels=channels,
        today=today,
        periods=periods,
        metric_codes=metric_codes,
    )


def cell_periods_for(periods: Collection[Period] | None) -> set[Period] | None:
    """The periods whose cells evaluating ``periods`` needs: each period, its months, and the
    quarter and year containing each month (None: all)."""
    if periods is None:
        return None
    needed: set[Period] = set()
    for period in periods:
        needed.add(period)
        for month in period.months():
            needed.update(Period.containing(kind, month.start) for kind in PERIOD_KINDS)
    return needed


def snapshots_by_key(
    snapshots: Iterable[SnapshotResult],
) -> Mapping[tuple[str, Period, Scope], SnapshotResult]:
    """Index results by (metric, period, scope)."""
    return {s.key: s for s in snapshots}
