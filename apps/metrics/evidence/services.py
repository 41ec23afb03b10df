"""Driver evidence, stored: read the monthly actuals of the parents and their children from
the snapshots in bulk, run the pure arithmetic (``arithmetic.driver_evidence``) and upsert
one ``DriverEvidence`` row per active link. A fixed number of queries whatever the number of
parents: the links, the monthly actuals, one upsert and one clean-up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from ..models import DriverEvidence, Metric, MetricLink, RollupSnapshot, ScopeKind
from . import arithmetic

FIGURES = (
    "observations",
    "groups",
    "scope_kind",
    "estimate",
    "std_error",
    "interval_low",
    "interval_high",
    "r_squared",
    "verdict",
)


def active_links(parent_ids: Iterable[int] | None = None) -> list[MetricLink]:
    """Active links between active metrics, into these parents (all when None)."""
    links = MetricLink.objects.active().filter(child__archived=False, parent__archived=False)
    if parent_ids is not None:
        links = links.filter(parent_id__in=list(parent_ids))
    return list(links.select_related("child", "parent").order_by("parent_id", "child_id"))


def parents_affected(metric_ids: Iterable[int] | None) -> list[int] | None:
    """The parents whose evidence a roll-up of these metrics can change: parents among
    them and parents of them (None: every parent)."""
    if metric_ids is None:
        return None
    ids = list(metric_ids)
    if not ids:
        return []
    rows = MetricLink.objects.active().filter(child_id__in=ids).values_list("parent_id", flat=True)
    parents = set(rows) | set(
        MetricLink.objects.active().filter(parent_id__in=ids).values_list("parent_id", flat=True)
    )
    return sorted(parents)


def monthly_actuals(metric_ids: Iterable[int], first_open: date) -> dict[int, dict]:
    """{metric id: {(department id or ORG, month): actual}} over closed months, from the
    organisation and department snapshots (one query)."""
    rows = RollupSnapshot.objects.filter(
        metric_id__in=list(metric_ids),
        period_kind="month",
        period_start__lt=first_open,
        scope_kind__in=(ScopeKind.ORG, ScopeKind.DEPT),
        actual__isnull=False,
    ).values_list("metric_id", "scope_kind", "scope_id", "period_start", "actual")
    out: dict[int, dict] = defaultdict(dict)
    for metric_id, kind, scope_id, month, actual in rows.iterator(chunk_size=5000):
        scope = arithmetic.ORG if kind == ScopeKind.ORG else scope_id
        out[metric_id][(scope, month)] = actual
    return out


def _node(metric: Metric) -> arithmetic.Node:
    return arithmetic.Node(metric.code, metric.aggregation, metric.frequency)


def evidence_for(links: list[MetricLink], actuals: dict[int, dict], today: date) -> dict[int, object]:
    """{link id: arithmetic.LinkEvidence} for these links, grouped by parent."""
    by_parent: dict[int, list[MetricLink]] = defaultdict(list)
    for link in links:
        by_parent[link.parent_id].append(link)
    out = {}
    for group in by_parent.values():
        parent = group[0].parent
        children = [
            arithmetic.Child(x.child.code, x.child.aggregation, x.child.frequency, x.impact) for x in group
        ]
        series = {m.code: actuals.get(m.pk, {}) for m in (parent, *(x.child for x in group))}
        results = arithmetic.driver_evidence(_node(parent), children, series, today)
        for link, result in zip(group, results, strict=True):
            out[link.pk] = result
    return out


@transaction.atomic
def compute(parent_ids: Iterable[int] | None = None, *, today: date | None = None) -> int:
    """Recompute and store the evidence of every active link into these parents (every
    parent when None). Idempotent: the same inputs give the same rows (computed_at aside)."""
    today = today or timezone.localdate()
    parent_ids = None if parent_ids is None else sorted(set(parent_ids))
    links = active_links(parent_ids)
    metric_ids = {x.parent_id for x in links} | {x.child_id for x in links}
    actuals = monthly_actuals(metric_ids, date(today.year, today.month, 1)) if links else {}
    results = evidence_for(links, actuals, today)
    now = timezone.now()
    rows = [
        DriverEvidence(
            link_id=link_id,
            computed_at=now,
            **{name: getattr(result, name) for name in FIGURES if name != "scope_kind"},
            scope_kind=result.scope_kind or "",
        )
        for link_id, result in results.items()
    ]
    if rows:
        DriverEvidence.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["link"], update_fields=[*FIGURES, "computed_at"]
        )
    # Links no longer active (archived, or into a parent that lost its links) keep no row.
    stale = DriverEvidence.objects.exclude(link_id__in=[x.pk for x in links])
    if parent_ids is not None:
        stale = stale.filter(link__parent_id__in=parent_ids)
    stale.delete()
    return len(rows)


def stored_for_parent(parent: Metric) -> list[tuple[MetricLink, DriverEvidence | None]]:
    """The active incoming links of a parent with their stored evidence (one query)."""
    links = (
        MetricLink.objects.active()
        .filter(parent=parent, child__archived=False)
        .select_related("child", "parent", "evidence")
        .order_by("child__code")
    )
    return [(link, getattr(link, "evidence", None)) for link in links]


def warnings() -> dict[tuple[str, str], str]:
    """{(child code, parent code): verdict} of the links whose evidence contradicts their
    stated impact or points the other way (one query, for the hierarchy)."""
    rows = DriverEvidence.objects.filter(
        verdict__in=(DriverEvidence.Verdict.CONTRADICTED, DriverEvidence.Verdict.OPPOSITE),
        link__archived=False,
    ).values_list("link__child__code", "link__parent__code", "verdict")
    return {(c, p): v for c, p, v in rows}


def evidence_row(link: MetricLink, row: DriverEvidence | None) -> dict:
    """The plain row the API and the pages show for one link."""
    figures = dict.fromkeys(FIGURES) if row is None else {n: getattr(row, n) for n in FIGURES}
    figures["observations"] = figures["observations"] or 0
    figures["groups"] = figures["groups"] or 0
    figures["scope_kind"] = figures["scope_kind"] or None
    return {"child": link.child.code, "parent": link.parent.code, "stated_impact": link.impact, **figures}


def parent_evidence(parent: Metric, *, today: date | None = None) -> list[dict]:
    """The evidence of each incoming link of a parent, with the within-group points of the
    scatter (two queries): [{link, evidence, row, points: [{x, y}], slope}]."""
    today = today or timezone.localdate()
    pairs = stored_for_parent(parent)
    if not pairs:
        return []
    links = [link for link, _row in pairs]
    actuals = monthly_actuals({parent.pk, *(x.child_id for x in links)}, date(today.year, today.month, 1))
    kinds = {row.scope_kind for _link, row in pairs if row is not None and row.scope_kind}
    scope_kind = kinds.pop() if len(kinds) == 1 else arithmetic.ORGANISATION
    children = [
        arithmetic.Child(x.child.code, x.child.aggregation, x.child.frequency, x.impact) for x in links
    ]
    series = {m.code: actuals.get(m.pk, {}) for m in (parent, *(x.child for x in links))}
    points = arithmetic.within_group_points(_node(parent), children, series, today, scope_kind)
    out = []
    for number, (link, row) in enumerate(pairs, start=1):
        has_fit = row is not None and row.estimate is not None
        cells = [{"x": x, "y": y} for x, y in points.get(link.child.code, [])] if has_fit else []
        out.append(
            {
                "link": link,
                "evidence": row,
                "row": evidence_row(link, row),
                "points": cells,
                "slope": row.estimate if has_fit else None,
                # The chart's data (static/js/charts.js draws it; no inline script).
                "scatter_id": f"evidence-data-{number}",
                "scatter": {
                    "points": cells,
                    "slope": row.estimate if has_fit else None,
                    "x_label": link.child.code,
                    "y_label": parent.code,
                },
            }
        )
    return out
