"""Small builders so each engine test states only what matters to it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from apps.metrics.engine import (
    LinkDef,
    MeasurementRow,
    MetricDef,
    Period,
    Scope,
    SnapshotResult,
    TargetDef,
)

RECORDED = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)


def metric(
    code: str,
    *,
    direction: str = "higher_is_better",
    aggregation: str = "mean",
    frequency: str = "monthly",
    monetary: bool = False,
) -> MetricDef:
    return MetricDef(code, direction, aggregation, frequency, monetary)


def link(child: str, parent: str, *, weight: float = 1.0, impact: float = 0.0) -> LinkDef:
    return LinkDef(child, parent, weight, impact)


def row(
    code: str,
    day: str,
    value: float,
    *,
    dept: str | None = None,
    channel: str | None = None,
    n: float | None = 1,
    source: str = "ops",
    recorded: datetime = RECORDED,
) -> MeasurementRow:
    return MeasurementRow(code, date.fromisoformat(day), dept, channel, source, value, n, recorded)


def target(
    code: str,
    value: float,
    *,
    since: str = "2023-01-01",
    until: str | None = None,
    dept: str | None = None,
    channel: str | None = None,
    baseline: float | None = None,
    amber: float = 90.0,
) -> TargetDef:
    return TargetDef(
        metric=code,
        valid_from=date.fromisoformat(since),
        valid_to=date.fromisoformat(until) if until else None,
        department=dept,
        channel=channel,
        value=value,
        baseline=baseline,
        amber_threshold=amber,
    )


def index(results: list[SnapshotResult]) -> dict[tuple[str, str, str], SnapshotResult]:
    """Results by (metric, "2024-01", "dept:CS") for readable look-ups."""
    return {(r.metric, str(r.period), str(r.scope)): r for r in results}


def P(text: str) -> Period:
    return Period.parse(text)


def S(text: str) -> Scope:
    return Scope.parse(text)
