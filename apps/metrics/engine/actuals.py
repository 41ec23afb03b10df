"""Stage 1: actuals from measurement rows (DESIGN §4 items 1 and 2).

On PostgreSQL the roll-up computes the same cells with set-based SQL; this module is the
reference those queries are compared with.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import date

from .periods import Period, period_kinds_for
from .types import ORG, Actuals, Cell, CellKey, Departments, MeasurementRow, MetricDef, Scope

#: The rows of one (metric, date) after the source tie-break, by (department, channel).
DayRows = Mapping[tuple[str | None, str | None], MeasurementRow]


def _winner_key(row: MeasurementRow) -> tuple:
    # The value is a last resort so a (never expected) exact duplicate can't make the
    # result depend on input order.
    return (row.recorded_at, row.source, row.value)


def latest_rows(rows: Iterable[MeasurementRow]) -> dict[tuple, MeasurementRow]:
    """§4 item 1: of rows recording the same (metric, date, department, channel), keep one.

    The latest ``recorded_at`` wins; ties go to the source whose name sorts last.
    Returns {(metric, period_start, department, channel): row}.
    """
    winners: dict[tuple, MeasurementRow] = {}
    for row in rows:
        key = (row.metric, row.period_start, row.department, row.channel)
        current = winners.get(key)
        if current is None or _winner_key(row) > _winner_key(current):
            winners[key] = row
    return winners


def _sorted_rows(rows: Iterable[MeasurementRow]) -> list[MeasurementRow]:
    return sorted(rows, key=lambda r: (r.department or "", r.channel or ""))


def rows_used_for_department(day: DayRows, department: str) -> list[MeasurementRow]:
    """§4 item 1, department d: d's rows with no channel if any, else d's rows with a channel.

    Sub-departments are departments of their own, not part of d.
    """
    total = day.get((department, None))
    if total is not None:
        return [total]
    return _sorted_rows(r for (d, c), r in day.items() if d == department and c is not None)


def rows_used_for_channel(day: DayRows, channel: str) -> list[MeasurementRow]:
    """§4 item 1, channel c: c's rows with no department if any, else every row of c with one."""
    total = day.get((None, channel))
    if total is not None:
        return [total]
    return _sorted_rows(r for (d, c), r in day.items() if c == channel and d is not None)


def department_ancestors(departments: Departments, code: str) -> list[str]:
    """The parent, grandparent, ... of a department (a cycle in the mapping is cut)."""
    result: list[str] = []
    seen = {code}
    parent = departments.get(code)
    while parent is not None and parent not in seen:
        result.append(parent)
        seen.add(parent)
        parent = departments.get(parent)
    return result


def rows_used_for_org(day: DayRows, departments: Departments) -> list[MeasurementRow]:
    """§4 item 1, organisation.

    Its row with neither department nor channel if any; else, for each department that has
    rows that date and no ancestor department with a no-channel total that date, the rows its
    department scope uses; the rows with a channel and no department are used only when no
    row of that date names a department.
    """
    total = day.get((None, None))
    if total is not None:
        return [total]
    named = sorted({d for d, _ in day if d is not None})
    if not named:
        return _sorted_rows(r for (d, c), r in day.items() if d is None and c is not None)
    with_total = {d for d, c in day if d is not None and c is None}
    used: list[MeasurementRow] = []
    for department in named:
        if any(a in with_total for a in department_ancestors(departments, department)):
            continue
        used.extend(rows_used_for_department(day, department))
    return used


def rows_used(day: DayRows, departments: Departments) -> dict[Scope, list[MeasurementRow]]:
    """The rows each scope uses at one (metric, date): org, every department, every channel.

    Only scopes that use at least one row are returned.
    """
    result: dict[Scope, list[MeasurementRow]] = {}
    org_rows = rows_used_for_org(day, departments)
    if org_rows:
        result[ORG] = org_rows
    for department in sorted({d for d, _ in day if d is not None}):
        result[Scope("dept", department)] = rows_used_for_department(day, department)
    for channel in sorted({c for _, c in day if c is not None}):
        used = rows_used_for_channel(day, channel)
        if used:
            result[Scope("channel", channel)] = used
    return result


def row_weight(row: MeasurementRow, aggregation: str) -> float:
    """The sample_size of a row. `mean` metrics require it; other aggregations default it to 1."""
    if row.sample_size is None:
        if aggregation == "mean":
            where = f"{row.metric} {row.period_start}"
            raise ValueError(f"{where}: a mean metric needs sample_size on every row")
        return 1.0
    if not row.sample_size > 0:
        raise ValueError(f"{row.metric} {row.period_start}: sample_size must be positive")
    return float(row.sample_size)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Σ wᵢ·vᵢ / Σ wᵢ over (value, weight) pairs; None for no pairs.

    ``math.fsum`` makes the result independent of the order of the pairs.
    """
    pairs = list(pairs)
    total = math.fsum(w for _, w in pairs)
    if not pairs or total == 0:
        return None
    return math.fsum(v * w for v, w in pairs) / total


def actual_of(aggregation: str, dated_rows: list[tuple[date, MeasurementRow]]) -> float | None:
    """§4 item 2: the actual over the rows used at every date in the period.

    ``mean``: mean weighted by sample_size; ``sum``; ``min``; ``max``; ``last``: each
    (department, channel) key among the rows contributes its value at its own latest date in
    the period, and these are combined as a mean weighted by sample_size. No rows: None.
    """
    if not dated_rows:
        return None
    rows = [row for _, row in dated_rows]
    if aggregation == "mean":
        return weighted_mean((r.value, row_weight(r, aggregation)) for r in rows)
    if aggregation == "sum":
        return math.fsum(r.value for r in rows)
    if aggregation == "min":
        return min(r.value for r in rows)
    if aggregation == "max":
        return max(r.value for r in rows)
    if aggregation == "last":
        latest: dict[tuple, tuple[date, MeasurementRow]] = {}
        for day, row in dated_rows:
            key = (row.department, row.channel)
            if key not in latest or day > latest[key][0]:
                latest[key] = (day, row)
        return weighted_mean((r.value, row_weight(r, aggregation)) for _, r in latest.values())
    raise ValueError(f"unknown aggregation {aggregation!r}")


def cell_of(aggregation: str, dated_rows: list[tuple[date, MeasurementRow]]) -> Cell | None:
    """A stage 1 cell: actual, sum of sample_size of the rows used, latest period_start."""
    actual = actual_of(aggregation, dated_rows)
    if actual is None:
        return None
    return Cell(
        actual=actual,
        sample_size=math.fsum(row_weight(r, aggregation) for _, r in dated_rows),
        latest_start=max(day for day, _ in dated_rows),
    )


def first_measurements(rows: Iterable[MeasurementRow]) -> dict[str, date]:
    """The earliest period_start of each metric's rows."""
    first: dict[str, date] = {}
    for row in rows:
        if row.metric not in first or row.period_start < first[row.metric]:
            first[row.metric] = row.period_start
    return first


def aggregate(
    rows: Iterable[MeasurementRow],
    metrics: Iterable[MetricDef],
    departments: Departments,
    *,
    periods: Collection[Period] | None = None,
) -> Actuals:
    """Stage 1: the cell of every (metric, period, scope) that uses at least one row.

    Cells exist only for period kinds not shorter than the metric's frequency. With
    ``periods`` given, only cells of those periods are built (``first_measurement`` is still
    taken from every row passed). Rows of metrics not in ``metrics`` are an error.
    """
    by_code = {m.code: m for m in metrics}
    rows = list(rows)
    wanted = set(periods) if periods is not None else None

    by_day: dict[tuple[str, date], dict[tuple, MeasurementRow]] = defaultdict(dict)
    for (metric, day, department, channel), row in latest_rows(rows).items():
        if metric not in by_code:
            raise ValueError(f"measurement of unknown metric {metric!r}")
        by_day[(metric, day)][(department, channel)] = row

    used: dict[CellKey, list[tuple[date, MeasurementRow]]] = defaultdict(list)
    for (metric, day), day_rows in by_day.items():
        metric_periods = [
            Period.containing(kind, day) for kind in period_kinds_for(by_code[metric].frequency)
        ]
        metric_periods = [p for p in metric_periods if wanted is None or p in wanted]
        if not metric_periods:
            continue
        for scope, scope_rows in rows_used(day_rows, departments).items():
            for period in metric_periods:
                used[(metric, period, scope)].extend((day, r) for r in scope_rows)

    cells: dict[CellKey, Cell] = {}
    for key, dated_rows in used.items():
        cell = cell_of(by_code[key[0]].aggregation, dated_rows)
        if cell is not None:
            cells[key] = cell
    return Actuals(cells=cells, first_measurement=first_measurements(rows))
