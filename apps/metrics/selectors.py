"""Reads of the computed layer. Pages and the API read snapshots, never measurements."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.registry import METRIC_DETAIL, registry
from apps.organization.models import Channel, Department

from .adapters import link_defs, metric_def, target_def
from .engine import graph
from .engine.consistency import channel_consistency
from .engine.periods import Period, own_period_kind, period_kind_shown
from .engine.scoring import gap_value
from .engine.types import MetricDef
from .evidence.services import warnings as evidence_warnings
from .models import Metric, MetricLink, RollupSnapshot
from .scopes import ORG_SCOPE, ScopeRef, parse_period, parse_scope  # noqa: F401  (read here by the API)


def scope_labels() -> dict[tuple[str, int], str]:
    labels = {("org", 0): "org"}
    labels.update({("dept", pk): f"dept:{code}" for pk, code in Department.objects.values_list("pk", "code")})
    labels.update(
        {("channel", pk): f"channel:{code}" for pk, code in Channel.objects.values_list("pk", "code")}
    )
    return labels


def period_label(kind: str, start) -> str:
    return str(Period(kind, start))


def snapshots(*, metric: str | None = None, period: Period | None = None, scope: ScopeRef | None = None):
    qs = RollupSnapshot.objects.select_related("metric").order_by(
        "metric__code", "period_kind", "period_start", "scope_kind", "scope_id"
    )
    if metric:
        qs = qs.filter(metric__code=metric)
    if period is not None:
        qs = qs.filter(period_kind=period.kind, period_start=period.start)
    if scope is not None:
        qs = qs.filter(scope_kind=scope.kind, scope_id=scope.id)
    return qs


class GraphFigures:
    """The engine's figures of one metric graph (money weights and tops, path impacts,
    what lies beneath the tops), each computed on first use."""

    def __init__(self, defs, links):
        self.defs, self.links = list(defs), list(links)

    @cached_property
    def weights(self) -> dict[str, float]:
        return graph.money_weights(self.defs, self.links)

    @cached_property
    def tops(self) -> list[str]:
        return graph.money_tops(self.defs, self.links)

    @cached_property
    def impacts(self):
        return graph.path_impacts(self.links)

    @cached_property
    def money_codes(self) -> set[str]:
        return graph.descendants(self.tops, self.links)


#: Figures of the last few graphs, keyed on their exact content (every metric definition
#: and link, as frozen engine values): the graph changes only when a metric or link is
#: edited, yet every hierarchy, overview, metric and ranking page recomputed it (tens of
#: milliseconds on the large set's 2,000 metrics and 2,760 links, pages bench, issue 22).
#: The key is what was read in this request, so a changed graph is never served stale, and
#: no query is added. Callers must not mutate what they get.
_FIGURES: dict[tuple, GraphFigures] = {}
_FIGURES_KEPT = 4


def graph_figures(defs, links) -> GraphFigures:
    key = (tuple(defs), tuple(links))
    found = _FIGURES.get(key)
    if found is None:
        found = GraphFigures(defs, links)
        if len(_FIGURES) >= _FIGURES_KEPT:
            _FIGURES.pop(next(iter(_FIGURES)))
        _FIGURES[key] = found
    return found


class MetricGraph(tuple):
    """(metrics, defs, links) as :func:`metric_graph` returns them, with the engine's
    figures of the whole graph (:func:`graph_figures`): the metric detail page asked for
    the money weights four times and the money tops and path impacts six times each
    (a third of its time on the pages bench, issue 22)."""

    @cached_property
    def figures(self) -> GraphFigures:
        return graph_figures(self[1], self[2])

    @property
    def weights(self) -> dict[str, float]:
        return self.figures.weights

    @property
    def tops(self) -> list[str]:
        return self.figures.tops

    @property
    def impacts(self):
        return self.figures.impacts


def metric_graph() -> MetricGraph:
    """The active metrics, their engine definitions and the active links between them
    (two queries) — what every money computation starts from."""
    metrics = list(Metric.objects.filter(archived=False).select_related("owner_department"))
    codes = {m.code for m in metrics}
    links = [x for x in link_defs() if x.child in codes and x.parent in codes]
    return MetricGraph((metrics, [metric_def(m) for m in metrics], links))


def _graph(loaded) -> MetricGraph:
    if loaded is None:
        return metric_graph()
    return loaded if isinstance(loaded, MetricGraph) else MetricGraph(loaded)


def _definitions() -> tuple[dict[str, int], MetricGraph]:
    """{code: pk} and the graph as engine values only (two queries, no model instances):
    what the money weights and tops need. The overview and the ROI ranking read them and
    show no metric of the whole graph; building 2,000 metrics with their departments was
    most of what these reads cost on the large set (pages bench, issue 22)."""
    rows = Metric.objects.filter(archived=False).values_list(
        "pk", "code", "direction", "aggregation", "frequency", "is_monetary"
    )
    pks, defs = {}, []
    for pk, code, direction, aggregation, frequency, is_monetary in rows:
        pks[code] = pk
        defs.append(
            MetricDef(
                code=code,
                direction=direction,
                aggregation=aggregation,
                frequency=frequency,
                is_monetary=is_monetary,
            )
        )
    links = [x for x in link_defs() if x.child in pks and x.parent in pks]
    return pks, MetricGraph(([], defs, links))


def money_weights() -> dict[str, float]:
    """mw(n) of every active metric (DESIGN §4 item 7)."""
    return _definitions()[1].weights


def money_top_ids() -> list[int]:
    """Monetary metrics with no monetary ancestor (DESIGN §4 item 7)."""
    pks, loaded = _definitions()
    return [pks[code] for code in loaded.tops]


def summary(period: Period, scope: ScopeRef, *, top_ids: list[int] | None = None) -> dict:
    """Cost of not improving (= Σ the money tops' value at stake, which the engine keeps
    equal to Σ the leaves') and status counts by level, for one period and scope."""
    base = RollupSnapshot.objects.filter(
        period_kind=period.kind, period_start=period.start, scope_kind=scope.kind, scope_id=scope.id
    )
    tops = base.filter(metric_id__in=money_top_ids() if top_ids is None else top_ids)
    agg = tops.aggregate(
        total=Sum("value_at_stake"), counted=Count("pk", filter=Q(value_at_stake__isnull=False))
    )
    counts: dict[str, dict[str, int]] = {
        level: dict.fromkeys(RollupSnapshot.Status.values, 0) for level in Metric.Level.values
    }
    for level, status, n in base.values_list("metric__level", "status").annotate(n=Count("pk")):
        counts[level][status] = n
    return {
        "period": str(period),
        "scope": scope.label,
        "cost_of_not_improving": agg["total"] if agg["counted"] else None,
        "status_counts": counts,
    }


# --- the hierarchy report ----------------------------------------------------------------


@dataclass
class MetricRow:
    """One line of the hierarchy report or an overview table."""

    metric: Metric
    snapshot: RollupSnapshot | None
    previous: RollupSnapshot | None
    has_children: bool
    path_impact: float | None = None
    depth: int = 0
    # The path from the money top down to this row's metric (DESIGN §4 item 9), its value
    # at stake along that path, and the top itself; empty for rows outside the money tree.
    path: tuple[str, ...] = ()
    value_along_path: float | None = None
    top: Metric | None = None
    # Whether some path leads from the metric to a money top (else "not linked to money").
    linked: bool = False
    # The metric's own period ("2026-Q3") when it is measured less often than the period
    # shown: the row says "measured quarterly — see 2026-Q3" instead of an empty month.
    own_period: str | None = None
    # The driver evidence's verdict of the link from this row's metric into the row above
    # it, when the data contradict it or point the other way ("" otherwise).
    evidence_warning: str = ""

    @property
    def path_text(self) -> str:
        return ".".join(self.path)

    @property
    def value_text(self) -> str:
        """The unrounded value along the path, for data attributes ("" for none)."""
        return "" if self.value_along_path is None else repr(self.value_along_path)

    @property
    def linked_to_money(self) -> bool:
        return self.linked or bool(self.path)

    @property
    def status(self) -> str:
        return self.snapshot.status if self.snapshot else "grey"

    @property
    def score(self) -> float | None:
        return self.snapshot.score if self.snapshot else None

    @property
    def score_is_driven(self) -> bool:
        return self.snapshot is not None and self.snapshot.score_is_driven

    @property
    def trend(self) -> str | None:
        """'better', 'worse' or 'same' against the previous period (direction aware)."""
        if (
            not self.snapshot
            or not self.previous
            or self.snapshot.actual is None
            or self.previous.actual is None
        ):
            return None
        delta = self.snapshot.actual - self.previous.actual
        if abs(delta) <= 1e-9 * max(1.0, abs(self.previous.actual)):
            return "same"
        better = delta > 0 if self.metric.direction == Metric.Direction.HIGHER else delta < 0
        return "better" if better else "worse"

    @property
    def delta(self) -> float | None:
        if (
            not self.snapshot
            or not self.previous
            or self.snapshot.actual is None
            or self.previous.actual is None
        ):
            return None
        return self.snapshot.actual - self.previous.actual


SNAPSHOT_COLUMNS = [f.attname for f in RollupSnapshot._meta.concrete_fields]


class LazySnapshots:
    """One period's snapshots at one scope, by metric code, read as plain rows; a model
    instance is built only for a row that is shown. The hierarchy reads every metric's
    value at stake (2,000 on the large set) but a collapsed page shows only the money tops:
    building and joining 2 × 2,000 instances was most of its time (pages bench, issue 22).
    Snapshots of metrics not in ``metrics`` (archived) are left out, as the rows are."""

    def __init__(self, rows, metrics: dict[int, Metric]):
        at = SNAPSHOT_COLUMNS.index("metric_id")
        self._metrics = metrics
        self._rows = {metrics[r[at]].code: r for r in rows if r[at] in metrics}
        self._built: dict[str, RollupSnapshot] = {}

    def get(self, code: str) -> RollupSnapshot | None:
        snap = self._built.get(code)
        if snap is None and code in self._rows:
            row = self._rows[code]
            snap = RollupSnapshot.from_db(None, SNAPSHOT_COLUMNS, row)
            snap.metric = self._metrics[snap.metric_id]  # no query for the metric
            self._built[code] = snap
        return snap

    def __contains__(self, code: str) -> bool:
        return code in self._rows

    def __len__(self) -> int:
        return len(self._rows)

    def values_at_stake(self) -> dict[str, float | None]:
        at = SNAPSHOT_COLUMNS.index("value_at_stake")
        return {code: row[at] for code, row in self._rows.items()}


class Hierarchy:
    """The metric graph with one period's snapshots at one scope, in a fixed number of
    queries whatever the number of metrics (metrics, links, two snapshot sets).

    Each row below a money top stands for one path from the top down (DESIGN §4 item 9):
    its value at stake along that path comes from the engine (``graph.path_values`` over
    the stored value at stake), so the rows beneath any row add up to it."""

    def __init__(self, period: Period, scope: ScopeRef):
        self.period = period
        self.scope = scope
        loaded = metric_graph()
        metrics, defs, self.links = loaded
        self.metrics = {m.code: m for m in metrics}
        self.children = graph.children_of(self.links)
        self.parents = graph.parents_of(self.links)
        self.snapshots = self._snapshots(period)
        self.previous = self._snapshots(period.previous())
        self._impacts = None
        self._warnings = None
        figures = loaded.figures
        self.tops = sorted(figures.tops, key=lambda c: self.metrics[c].name)
        self.weights = figures.weights
        self.signs = {d.code: d.sign for d in defs}
        values = self.snapshots.values_at_stake()
        self.mass = graph.mass_from_values(values, self.weights, self.links)
        self.money_codes = figures.money_codes
        self._figures = figures
        # Plain arithmetic on the metrics already loaded: no query per row.
        self._own_periods = {
            code: str(own) for code, m in self.metrics.items() if (own := measured_less_often(m, period))
        }

    def _snapshots(self, period: Period) -> LazySnapshots:
        qs = RollupSnapshot.objects.filter(
            period_kind=period.kind,
            period_start=period.start,
            scope_kind=self.scope.kind,
            scope_id=self.scope.id,
        ).values_list(*SNAPSHOT_COLUMNS)
        return LazySnapshots(qs, {m.pk: m for m in self.metrics.values()})

    @property
    def impacts(self):
        if self._impacts is None:
            self._impacts = self._figures.impacts
        return self._impacts

    @property
    def warnings(self) -> dict[tuple[str, str], str]:
        """{(child, parent): verdict} of contradicted or opposite links: one query, made
        only when rows beneath a parent are shown."""
        if self._warnings is None:
            self._warnings = evidence_warnings()
        return self._warnings

    def row(self, code: str, *, path_impact: float | None = None, depth: int = 0) -> MetricRow:
        return MetricRow(
            metric=self.metrics[code],
            snapshot=self.snapshots.get(code),
            previous=self.previous.get(code),
            has_children=bool(self.children.get(code)),
            path_impact=path_impact,
            depth=depth,
            linked=code in self.money_codes,
            own_period=self._own_periods.get(code),
        )

    def valid_path(self, path: tuple[str, ...]) -> bool:
        """A path from a money top down through existing links."""
        if not path or path[0] not in self.tops:
            return False
        return all(
            any(x.child == child for x in self.children.get(parent, []))
            for parent, child in zip(path, path[1:], strict=False)
        )

    def path_row(self, path: tuple[str, ...]) -> MetricRow:
        """The row of one path (top first): value along the path and product of impacts."""
        impact = 1.0
        for parent, child in zip(path, path[1:], strict=False):
            impact *= next(x.impact for x in self.children[parent] if x.child == child)
        mass = self.mass.get(path[-1])
        row = self.row(path[-1], path_impact=impact if len(path) > 1 else None, depth=len(path) - 1)
        row.path = path
        row.top = self.metrics[path[0]]
        row.value_along_path = None if mass is None else mass * impact * self.signs[path[0]]
        if len(path) > 1:
            row.evidence_warning = self.warnings.get((path[-1], path[-2]), "")
        return row

    def top_rows(self) -> list[MetricRow]:
        return [self.path_row((code,)) for code in self.tops]

    def unlinked_roots(self) -> list[MetricRow]:
        """Metrics with no parent that are not money tops (not yet tied to money)."""
        roots = [c for c in self.metrics if not self.parents.get(c) and c not in self.tops]
        return [self.row(c) for c in sorted(roots, key=lambda c: self.metrics[c].name)]

    def child_rows(self, code: str, root: str, depth: int, path: tuple[str, ...] = ()) -> list[MetricRow]:
        """The rows beneath one row: along ``path`` when it is a path from a money top to
        ``code``; else (outside the money tree) with the path impact to ``root``."""
        if path and path[-1] == code and self.valid_path(path):
            rows = [self.path_row((*path, link.child)) for link in self.children.get(code, [])]
            return sorted(rows, key=lambda r: (-abs(r.value_along_path or 0), r.metric.name))
        rows = []
        for link in self.children.get(code, []):
            impact = graph.path_impact(self.impacts, link.child, root)
            row = self.row(link.child, path_impact=impact, depth=depth)
            row.evidence_warning = self.warnings.get((link.child, code), "")
            rows.append(row)
        return sorted(rows, key=lambda r: -(r.snapshot.value_at_stake or 0) if r.snapshot else 0)

    def path_rows(self) -> list[MetricRow]:
        """Every path from every money top, depth first (the hierarchy API and CSV)."""
        from .engine import graph

        found = graph.path_values(self.tops, self.links, self.signs, self.mass)
        return [self.path_row(p.path) for p in found]

    def flat_rows(self) -> list[MetricRow]:
        """Every metric once, money tops first, then by level and name (CSV export)."""
        order = {"financial": 0, "experience": 1, "operational": 2}
        codes = sorted(
            self.metrics, key=lambda c: (order.get(self.metrics[c].level, 3), self.metrics[c].name)
        )
        return [self.row(c) for c in codes]


def hierarchy_rows(period: Period, scope: ScopeRef) -> list[dict]:
    """One plain row per path (the hierarchy API): the engine's figures, as on the page."""
    tree = Hierarchy(period, scope)
    return [
        {
            "path": list(row.path),
            "metric": row.metric.code,
            "top": row.path[0],
            "value_at_stake_along_path": row.value_along_path,
            "impact_on_top": 1.0 if row.path_impact is None else row.path_impact,
            "actual": row.snapshot.actual if row.snapshot else None,
            "target": row.snapshot.target if row.snapshot else None,
            "status": row.status,
        }
        for row in tree.path_rows()
    ]


def cost_trend(
    scope: ScopeRef, until: Period, months: int = 12, *, top_ids: list[int] | None = None
) -> list[tuple[Period, float | None]]:
    """The cost of not improving per month, the last `months` months up to `until`
    (one query: the money tops' value at stake grouped by month)."""
    last = Period.containing("month", until.end)
    first = last
    for _step in range(months - 1):
        first = first.previous()
    tops = money_top_ids() if top_ids is None else top_ids
    rows = (
        RollupSnapshot.objects.filter(
            metric_id__in=tops,
            period_kind="month",
            period_start__gte=first.start,
            period_start__lte=last.start,
            scope_kind=scope.kind,
            scope_id=scope.id,
            value_at_stake__isnull=False,
        )
        .values_list("period_start")
        .annotate(total=Sum("value_at_stake"))
    )
    totals = dict(rows)
    out = []
    period = first
    while period.start <= last.start:
        out.append((period, totals.get(period.start)))
        period = period.next()
    return out


def scope_names() -> dict[tuple[str, int], str]:
    names = {("org", 0): gettext_lazy("Organisation")}
    names.update({("dept", pk): name for pk, name in Department.objects.values_list("pk", "name")})
    names.update({("channel", pk): name for pk, name in Channel.objects.values_list("pk", "name")})
    return names


@dataclass(frozen=True)
class MoneyExplanation:
    """How a metric's value at stake is computed (the engine's numbers, not recomputed)."""

    money_weight: float
    is_leaf: bool
    paths: list[tuple[Metric, str, float]]  # (money top, its direction, path impact)
    months: list[tuple[Period, float | None, float | None]]  # (month, gap, gap × mw) for a leaf


def money_explanation(metric: Metric, period: Period, *, loaded=None) -> MoneyExplanation:
    """How the metric's value at stake is computed: its money weight, the paths to each
    money top, and (for a leaf) the monthly gaps × money weight at organisation scope.
    ``loaded``: a :func:`metric_graph` result already read."""
    loaded = _graph(loaded)
    metrics, defs, links = loaded
    by_code = {m.code: m for m in metrics}
    weights, impacts, tops = loaded.weights, loaded.impacts, loaded.tops
    weight = weights.get(metric.code, 0.0)
    is_leaf = not any(x.parent == metric.code for x in links)
    months = []
    if is_leaf:
        kind = own_period_kind(metric.frequency)
        own = {
            s.period_start: s
            for s in RollupSnapshot.objects.filter(
                metric=metric,
                period_kind=kind,
                scope_kind="org",
                period_start__gte=Period.containing(kind, period.start).start,
                period_start__lte=period.end,
            )
        }
        for month in period.months():
            snap = own.get(Period.containing(kind, month.start).start)
            gap = snap.gap if snap else None
            months.append((month, gap, gap_value(gap, weight)))
    return MoneyExplanation(
        money_weight=weight,
        is_leaf=is_leaf,
        paths=[
            (by_code[t], by_code[t].direction, graph.path_impact(impacts, metric.code, t))
            for t in tops
            if graph.path_impact(impacts, metric.code, t) != 0 or t == metric.code
        ],
        months=months,
    )


# --- the metric detail page ----------------------------------------------------------------


@dataclass(frozen=True)
class MetricPage:
    """Everything the metric detail page shows, read from snapshots."""

    trend: list[tuple[Period, RollupSnapshot | None]]
    current: RollupSnapshot | None
    by_dept: list[tuple[str, RollupSnapshot]]
    by_channel: list[tuple[str, RollupSnapshot]]
    consistency: float | None  # DESIGN §4 item 11, from the engine
    money: MoneyExplanation
    # DESIGN §4 item 9: the value at stake split by money top, and the breakdowns reconciled.
    by_top: list = None
    reconciled: dict = None

    @property
    def chart(self) -> dict:
        return {
            "labels": [str(period) for period, _snap in self.trend],
            "actual": [snap.actual if snap else None for _period, snap in self.trend],
            "target": [snap.target if snap else None for _period, snap in self.trend],
        }


def metric_trend(
    metric: Metric, period: Period, scope: ScopeRef
) -> list[tuple[Period, RollupSnapshot | None]]:
    """The last 13 months, 8 quarters or 5 years up to `period` (in the metric's own kind
    when it has no actuals of the asked kind: a quarterly metric in a month view)."""
    kind = period_kind_shown(metric.frequency, period.kind)
    last = Period.containing(kind, period.start)
    periods = [last]
    for _step in range(12 if kind == "month" else (7 if kind == "quarter" else 4)):
        periods.insert(0, periods[0].previous())
    snaps = {
        s.period_start: s
        for s in RollupSnapshot.objects.filter(
            metric=metric,
            period_kind=kind,
            period_start__in=[p.start for p in periods],
            scope_kind=scope.kind,
            scope_id=scope.id,
        )
    }
    return [(p, snaps.get(p.start)) for p in periods]


def metric_page(metric: Metric, period: Period, scope: ScopeRef) -> MetricPage:
    trend = metric_trend(metric, period, scope)
    breakdown = list(
        RollupSnapshot.objects.filter(
            metric=metric,
            period_kind=period.kind,
            period_start=period.start,
            scope_kind__in=["dept", "channel"],
        ).order_by("scope_kind", "scope_id")
    )
    names = scope_names()
    by_dept = [(names.get(("dept", s.scope_id), s.scope_id), s) for s in breakdown if s.scope_kind == "dept"]
    by_channel = [
        (names.get(("channel", s.scope_id), s.scope_id), s) for s in breakdown if s.scope_kind == "channel"
    ]
    loaded = metric_graph()
    current = next((s for p, s in trend if p == period), None)
    kinds = [kind for kind, rows in (("dept", by_dept), ("channel", by_channel)) if rows]
    return MetricPage(
        trend=trend,
        current=current,
        by_dept=by_dept,
        by_channel=by_channel,
        consistency=channel_consistency([s.actual for _name, s in by_channel]),
        money=money_explanation(metric, period, loaded=loaded),
        by_top=value_by_top(metric, current, loaded=loaded),
        reconciled=reconciliations(metric, period, kinds if scope.kind == "org" else [], loaded=loaded),
    )


def metric_detail_sections(request, metric: Metric) -> list[dict]:
    """What other apps add to the metric detail page (e.g. the plans expected to move it)."""
    return registry.sections(METRIC_DETAIL, request, metric)


def value_by_top(
    metric: Metric, snapshot: RollupSnapshot | None, *, loaded=None
) -> list[tuple[Metric, float | None]]:
    """The metric's value at stake split by the money top it reaches (DESIGN §4 item 9):
    mass × PI(metric → T) × dir(T) for each top; the parts add up to its value at stake."""
    loaded = _graph(loaded)
    metrics, defs, links = loaded
    by_code = {m.code: m for m in metrics}
    tops, weights, impacts = loaded.tops, loaded.weights, loaded.impacts
    signs = {d.code: d.sign for d in defs}
    value = snapshot.value_at_stake if snapshot else None
    weight = weights.get(metric.code, 0.0)
    mass = None if value is None or weight == 0 else value / weight
    result = []
    for top in sorted(tops, key=lambda c: by_code[c].name):
        pi = graph.path_impact(impacts, metric.code, top)
        if pi == 0 and top != metric.code:
            continue
        result.append((by_code[top], None if mass is None else mass * pi * signs[top]))
    return result


def reconciliations(metric: Metric, period: Period, kinds, *, loaded=None) -> dict:
    """The breakdowns of a leaf by department and/or channel reconciled with the
    organisation (DESIGN §4 item 9): the engine evaluates that one leaf for that period (its
    cells only, one evaluation for every kind) and splits each difference into netting,
    target differences and the rest. {} for a metric with drivers or not linked to money."""
    from .engine.evaluate import Evaluation, cell_periods_for
    from .python_actuals import python_actuals
    from .sql_actuals import pg_actuals

    kinds = list(kinds)
    if not kinds:
        return {}
    loaded = _graph(loaded)
    _metrics, defs, links = loaded
    if any(x.parent == metric.code for x in links):
        return {}
    if not loaded.weights.get(metric.code):
        return {}
    periods = cell_periods_for({period})
    if connection.vendor == "postgresql":
        # Stage 1 in SQL needs no department tree; the scopes with cells are all the
        # reconciliation reads (a scope without a cell has no share).
        departments: dict = {}
        actuals = pg_actuals(metric_ids=[metric.pk], periods=periods)
    else:
        departments = dict(Department.objects.values_list("code", "parent__code"))
        world = _LeafWorld(metric_defs=defs, departments=departments, metrics={metric.code: metric})
        actuals = python_actuals(world, {metric.code}, periods)
    evaluation = Evaluation(
        actuals,
        metrics=defs,
        links=links,
        targets=[target_def(t, metric_code=metric.code) for t in metric.targets.all()],
        departments=departments,
        channels=[],
        today=timezone.localdate(),
    )
    return {kind: evaluation.reconciliation(metric.code, period, kind) for kind in kinds}


@dataclass
class _LeafWorld:
    """What the Python stage 1 reads (a `world.World` without the rest)."""

    metric_defs: list
    departments: dict
    metrics: dict


def measured_less_often(metric: Metric, period: Period) -> Period | None:
    """The metric's own period when the page shows a shorter one ("measured quarterly —
    see 2026-Q3"), else None."""
    kind = {"quarterly": "quarter", "yearly": "year"}.get(metric.frequency)
    if kind is None or (period.kind == kind or (kind == "quarter" and period.kind == "year")):
        return None
    return Period.containing(kind, period.start)


def last_closed_gaps(codes=None, *, today=None) -> dict[str, float | None]:
    """Each metric's organisation gap in its last closed period at its own frequency (the
    month, quarter or year before the one containing today; DESIGN §4 item 10), in one
    query. Metrics without a snapshot there are missing (no split)."""
    today = today or timezone.localdate()
    metrics = Metric.objects.filter(archived=False)
    if codes is not None:
        metrics = metrics.filter(code__in=codes)
    wanted = {}
    for code, frequency in metrics.values_list("code", "frequency"):
        kind = own_period_kind(frequency)
        wanted[code] = Period.containing(kind, today).previous()
    if not wanted:
        return {}
    condition = Q()
    for period in set(wanted.values()):
        condition |= Q(period_kind=period.kind, period_start=period.start)
    rows = RollupSnapshot.objects.filter(
        condition, metric__code__in=list(wanted), scope_kind="org", scope_id=0
    ).values_list("metric__code", "period_kind", "period_start", "gap", "own_score")
    result: dict[str, float | None] = {}
    for code, kind, start, gap, own in rows:
        if wanted[code] == Period(kind, start):
            result[code] = gap if own is not None else None
    return result


def upload_codes() -> dict:
    """The codes a measurement file may name, for the upload page: metrics (not those the
    portal computes itself), departments and channels."""
    from apps.organization.models import Channel, Department

    from .ingest import reserved_metric_codes

    reserved = reserved_metric_codes()
    return {
        "metrics": [
            m
            for m in Metric.objects.filter(archived=False)
            .order_by("code")
            .only("code", "name", "frequency", "aggregation", "unit")
            if m.code not in reserved
        ],
        "departments": list(Department.objects.filter(archived=False).order_by("code").only("code", "name")),
        "channels": list(Channel.objects.filter(archived=False).order_by("code").only("code", "name")),
    }


# --- the departments scoreboard ------------------------------------------------------------


def leaf_metric_ids() -> set[int]:
    """Active metrics with no active child: the leaves whose value at stake adds up to the
    cost of not improving (DESIGN §4 item 9)."""
    parents = MetricLink.objects.filter(archived=False).values("parent_id")
    return set(Metric.objects.filter(archived=False).exclude(pk__in=parents).values_list("pk", flat=True))


def department_metric_figures(period: Period) -> dict[int, dict]:
    """Per owner department, for `period` and the previous period of the same kind, at
    organisation scope: its active metrics by status (a metric without a snapshot counts
    as no data) and the value at stake of the leaves it owns (None when it owns no leaf
    with a value at stake). Three queries whatever the number of departments."""
    previous = period.previous()
    owned = dict(
        Metric.objects.filter(archived=False, owner_department__isnull=False).values_list(
            "pk", "owner_department_id"
        )
    )
    leaves = leaf_metric_ids()
    rows = RollupSnapshot.objects.filter(
        Q(period_start=period.start) | Q(period_start=previous.start),
        metric_id__in=list(owned),
        period_kind=period.kind,
        scope_kind="org",
        scope_id=0,
    ).values_list("metric_id", "period_start", "status", "value_at_stake")
    found: dict[tuple[int, object], tuple[str, float | None]] = {
        (metric_id, start): (status, vas) for metric_id, start, status, vas in rows
    }

    def blank() -> dict:
        return {"status": dict.fromkeys(RollupSnapshot.Status.values, 0), "value_at_stake": None}

    result: dict[int, dict] = {}
    for metric_id, department_id in owned.items():
        entry = result.setdefault(department_id, {"now": blank(), "before": blank()})
        for key, start in (("now", period.start), ("before", previous.start)):
            status, vas = found.get((metric_id, start), (RollupSnapshot.Status.GREY, None))
            entry[key]["status"][status] += 1
            if metric_id in leaves and vas is not None:
                entry[key]["value_at_stake"] = (entry[key]["value_at_stake"] or 0.0) + vas
    return result


def department_value_trend(last: Period, months: int = 12) -> tuple[list[Period], dict[int, list]]:
    """The value at stake of the leaves each department owns (organisation scope), month
    by month for the `months` months up to `last` (a month): (the months, {department id:
    [value or None, ...]}). Three queries whatever the number of departments."""
    first = last
    for _step in range(months - 1):
        first = first.previous()
    periods = []
    period = first
    while period.start <= last.start:
        periods.append(period)
        period = period.next()
    owned = dict(
        Metric.objects.filter(archived=False, owner_department__isnull=False)
        .filter(pk__in=leaf_metric_ids())
        .values_list("pk", "owner_department_id")
    )
    index = {p.start: i for i, p in enumerate(periods)}
    result: dict[int, list] = {d: [None] * len(periods) for d in set(owned.values())}
    rows = (
        RollupSnapshot.objects.filter(
            metric_id__in=list(owned),
            period_kind="month",
            period_start__gte=first.start,
            period_start__lte=last.start,
            scope_kind="org",
            scope_id=0,
            value_at_stake__isnull=False,
        )
        .order_by()
        .values_list("metric__owner_department_id", "period_start")
        .annotate(total=Sum("value_at_stake"))
    )
    for department_id, start, total in rows:
        result[department_id][index[start]] = total
    return periods, result
