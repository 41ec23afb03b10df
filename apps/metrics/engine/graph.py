"""The metric hierarchy: a DAG of driver links, path impacts and money weights (§4 item 7)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .types import LinkDef, MetricDef


def _by_parent(link: LinkDef) -> tuple:
    return (link.parent, link.weight, link.impact)


def _by_child(link: LinkDef) -> tuple:
    return (link.child, link.weight, link.impact)


def parents_of(links: Iterable[LinkDef]) -> dict[str, list[LinkDef]]:
    """Links leaving each child (child -> its parents), sorted by parent code."""
    result: dict[str, list[LinkDef]] = defaultdict(list)
    for link in links:
        result[link.child].append(link)
    return {code: sorted(ls, key=_by_parent) for code, ls in result.items()}


def children_of(links: Iterable[LinkDef]) -> dict[str, list[LinkDef]]:
    """Links entering each parent (parent -> its children), sorted by child code."""
    result: dict[str, list[LinkDef]] = defaultdict(list)
    for link in links:
        result[link.parent].append(link)
    return {code: sorted(ls, key=_by_child) for code, ls in result.items()}


def find_cycle(links: Iterable[LinkDef], new_link: LinkDef) -> list[str] | None:
    """The cycle that ``new_link`` would close, as metric codes, else None (§4 item 7).

    Adding child -> parent closes a cycle when parent already reaches child through existing
    links. The cycle is returned starting and ending at the new link's child, in link
    direction, e.g. ``["A", "B", "C", "A"]`` for a new link A -> B when B -> C -> A exists.
    A link from a metric to itself is the cycle ``[m, m]``.
    """
    if new_link.child == new_link.parent:
        return [new_link.child, new_link.child]
    ups = parents_of(links)
    # Depth-first search upwards from the new parent, looking for the new child.
    stack: list[tuple[str, list[str]]] = [(new_link.parent, [new_link.parent])]
    seen = {new_link.parent}
    while stack:
        code, path = stack.pop()
        if code == new_link.child:
            return [new_link.child, *path]
        for link in reversed(ups.get(code, [])):
            if link.parent not in seen:
                seen.add(link.parent)
                stack.append((link.parent, [*path, link.parent]))
    return None


def topological_order(codes: Iterable[str], links: Iterable[LinkDef]) -> list[str]:
    """``codes`` ordered children before parents (ties by code); raises on a cycle."""
    codes = sorted(set(codes))
    known = set(codes)
    links = [x for x in links if x.child in known and x.parent in known]
    pending_children = dict.fromkeys(codes, 0)
    for link in links:
        pending_children[link.parent] += 1
    ups = parents_of(links)
    ready = sorted(code for code, n in pending_children.items() if n == 0)
    order: list[str] = []
    while ready:
        code = ready.pop(0)
        order.append(code)
        for link in ups.get(code, []):
            pending_children[link.parent] -= 1
            if pending_children[link.parent] == 0:
                ready.append(link.parent)
        ready.sort()
    if len(order) != len(codes):
        stuck = sorted(set(codes) - set(order))
        raise ValueError(f"metric links form a cycle among {', '.join(stuck)}")
    return order


def descendants(codes: Iterable[str], links: Iterable[LinkDef]) -> set[str]:
    """``codes`` and every metric beneath them."""
    downs = children_of(links)
    result = set()
    stack = list(codes)
    while stack:
        code = stack.pop()
        if code in result:
            continue
        result.add(code)
        stack.extend(link.child for link in downs.get(code, []))
    return result


def ancestors(codes: Iterable[str], links: Iterable[LinkDef]) -> set[str]:
    """``codes`` and every metric above them (what an incremental roll-up must recompute)."""
    ups = parents_of(links)
    result = set()
    stack = list(codes)
    while stack:
        code = stack.pop()
        if code in result:
            continue
        result.add(code)
        stack.extend(link.parent for link in ups.get(code, []))
    return result


def path_impacts(links: Iterable[LinkDef]) -> dict[str, dict[str, float]]:
    """§4 item 7: PI(m → a) for every m and every a it reaches, as ``{m: {a: PI}}``.

    PI(m → a) is the sum over all paths m → a of the product of ``impact`` along the path;
    PI(m → m) = 1. Computed parents first: PI(m → ·) = [m ↦ 1] + Σ over links m → p of
    impact × PI(p → ·).
    """
    links = list(links)
    codes = {x.child for x in links} | {x.parent for x in links}
    ups = parents_of(links)
    result: dict[str, dict[str, float]] = {}
    for code in reversed(topological_order(codes, links)):
        impacts = {code: 1.0}
        for link in ups.get(code, []):
            for top, value in result[link.parent].items():
                impacts[top] = impacts.get(top, 0.0) + link.impact * value
        result[code] = impacts
    return result


def path_impact(impacts: Mapping[str, Mapping[str, float]], source: str, target: str) -> float:
    """PI(source → target) from :func:`path_impacts` output (1 for itself, 0 with no path)."""
    if source == target:
        return 1.0
    return impacts.get(source, {}).get(target, 0.0)


def money_tops(metrics: Iterable[MetricDef], links: Iterable[LinkDef]) -> list[str]:
    """§4 item 7: the monetary metrics with no monetary ancestor, sorted by code."""
    metrics = list(metrics)
    monetary = {m.code for m in metrics if m.is_monetary}
    result = []
    for code in sorted(monetary):
        above = ancestors([code], links) - {code}
        if not above & monetary:
            result.append(code)
    return result


def money_weights(metrics: Iterable[MetricDef], links: Iterable[LinkDef]) -> dict[str, float]:
    """§4 item 7: ``mw(n) = Σ dir(T) · PI(n → T)`` over the money tops T, for every metric.

    dir(T) = +1 when T is higher-is-better (revenue), −1 when lower-is-better (churned
    revenue), so gains and avoided losses add up. No path to a money top: 0. For a money top
    itself mw = dir(T), since no other top lies above it.
    """
    metrics = list(metrics)
    links = list(links)
    signs = {m.code: m.sign for m in metrics}
    tops = money_tops(metrics, links)
    impacts = path_impacts(links)
    weights = {}
    for m in metrics:
        weights[m.code] = math.fsum(signs[t] * path_impact(impacts, m.code, t) for t in tops)
    return weights


def linked_to_money(metrics: Iterable[MetricDef], links: Iterable[LinkDef]) -> set[str]:
    """§4 item 7: the metrics with a path to some money top (the tops included). The others
    have value at stake none ("not linked to money"), never 0 — a money weight of 0 from
    paths that cancel is still linked."""
    links = list(links)
    return descendants(money_tops(metrics, links), links)


def leaves(metrics: Iterable[MetricDef], links: Iterable[LinkDef]) -> list[str]:
    """Metrics with no children (the operational KPIs), sorted by code."""
    parents = {link.parent for link in links}
    return sorted(m.code for m in metrics if m.code not in parents)


def validate_link(links: Iterable[LinkDef], new_link: LinkDef) -> list[str]:
    """Errors that refuse ``new_link`` (empty when it may be added).

    Weight must be > 0 (§3); a second link between the same two metrics is refused; a link
    that would close a cycle is refused, naming it (§4 item 7).
    """
    links = list(links)
    errors = []
    if not new_link.weight > 0:
        errors.append("weight must be greater than 0")
    if any(x.child == new_link.child and x.parent == new_link.parent for x in links):
        errors.append(f"{new_link.child} already drives {new_link.parent}")
    cycle = find_cycle(links, new_link)
    if cycle is not None:
        errors.append("this link would close the cycle " + " → ".join(cycle))
    return errors


def money_top_errors(metrics: Iterable[MetricDef], links: Iterable[LinkDef]) -> list[str]:
    """§4 item 7: money tops are flows per month, so a monetary metric that is a top must be
    a `sum` metric. One error per offending top (empty when the graph is acceptable)."""
    metrics = list(metrics)
    by_code = {m.code: m for m in metrics}
    return [
        f"{code} would be a money top but is aggregated by {by_code[code].aggregation}: "
        "a money top must be a sum metric (money per month)"
        for code in money_tops(metrics, links)
        if by_code[code].aggregation != "sum"
    ]


@dataclass(frozen=True)
class PathValue:
    """One row of the hierarchy (§4 item 9 "Value at stake along a path").

    ``path`` runs from the money top down to the row's metric; ``impact`` is the product of
    the impacts along it (the top's units per unit of the metric, per month for a `sum`
    top); ``value`` the value at stake along the path (None when nothing was added)."""

    path: tuple[str, ...]
    impact: float
    value: float | None

    @property
    def metric(self) -> str:
        return self.path[-1]

    @property
    def top(self) -> str:
        return self.path[0]


def path_values(
    tops: Iterable[str],
    links: Iterable[LinkDef],
    signs: Mapping[str, int],
    mass: Mapping[str, float | None],
) -> list[PathValue]:
    """§4 item 9: for every path π from a money top T down to a metric n, the value at stake
    along it, ``mass(n) × Π(impacts along π) × dir(T)``, where mass(n) = Σ_o gap(o) × share
    × PI(o → n) over the leaves beneath n (summed over P's months).

    Because mass(n) = Σ_children impact × mass(child) for every metric with children, the
    rows that extend π by one child add up to π's row, and a top's row is VaS(T). Rows are
    listed depth first, children by code (the caller sorts for display).
    """
    downs = children_of(links)
    rows: list[PathValue] = []

    def walk(path: tuple[str, ...], impact: float, sign: int) -> None:
        m = mass.get(path[-1])
        rows.append(PathValue(path, impact, None if m is None else m * impact * sign))
        for link in downs.get(path[-1], []):
            walk((*path, link.child), impact * link.impact, sign)

    for top in sorted(tops):
        walk((top,), 1.0, signs[top])
    return rows


def mass_from_values(
    values: Mapping[str, float | None],
    weights: Mapping[str, float],
    links: Iterable[LinkDef],
) -> dict[str, float | None]:
    """mass(n) recovered from stored value at stake: VaS(n) = mass(n) × mw(n), so mass(n) =
    VaS(n) / mw(n). Where mw(n) is 0 (paths that cancel) it is rebuilt from the children,
    Σ impact × mass(child); a leaf with mw 0 has none. What the pages use, so that they
    read snapshots instead of recomputing; the engine's :meth:`Evaluation.mass` is exact."""
    links = list(links)
    downs = children_of(links)
    codes = set(values) | {x.child for x in links} | {x.parent for x in links}
    result: dict[str, float | None] = {}
    for code in topological_order(codes, links):
        value = values.get(code)
        weight = weights.get(code, 0.0)
        if value is not None and weight != 0:
            result[code] = value / weight
            continue
        parts = [
            link.impact * result[link.child]
            for link in downs.get(code, [])
            if result.get(link.child) is not None
        ]
        result[code] = math.fsum(parts) if parts and value is not None else None
    return result
