"""Marking (metric, period) pairs for the roll-up (DESIGN §5).

A dirty (metric, P) means: recompute every period that overlaps P — P itself, the
quarter and year containing a month, the months and quarters inside a year — for that
metric and, for scores and money, the metrics above it. Rows are written in the
caller's transaction and a roll-up is queued on commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from .engine.periods import Period, period_kinds_for
from .jobs import queue_after_commit
from .models import DirtyPeriod, Measurement, Metric


def finest_period(frequency: str, day: date) -> Period:
    """The shortest period a metric of this frequency feeds that contains `day`."""
    return Period.containing(period_kinds_for(frequency)[0], day)


def mark(pairs: Iterable[tuple[int, Period]]) -> int:
    rows = {(metric_id, p.kind, p.start) for metric_id, p in pairs}
    DirtyPeriod.objects.bulk_create(
        DirtyPeriod(metric_id=m, period_kind=k, period_start=s) for m, k, s in sorted(rows)
    )
    if rows:
        queue_rollup()
    return len(rows)


def mark_years(metric_ids: Iterable[int]) -> int:
    """Every year in which these metrics have measurements, up to this year."""
    metric_ids = list(metric_ids)
    if not metric_ids:
        return 0
    first = (
        Measurement.objects.filter(metric_id__in=metric_ids)
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    this_year = timezone.localdate().year
    start_year = first.year if first else this_year
    return mark(
        (metric_id, Period.containing("year", date(year, 1, 1)))
        for metric_id in metric_ids
        for year in range(start_year, this_year + 1)
    )


def mark_range(metric: Metric, first: date, last: date | None) -> int:
    """The periods that [first, last] touches, up to today (a target's validity)."""
    today = timezone.localdate()
    last = min(last or today, today)
    if last < first:
        return 0
    kind = period_kinds_for(metric.frequency)[0]
    period = Period.containing(kind, first)
    pairs = []
    while period.start <= last:
        pairs.append((metric.pk, period))
        period = period.next()
    return mark(pairs)


def mark_open_periods_dirty(today: date | None = None) -> int:
    """Nightly: today's date moves pro-rating and target validity in the open periods
    (the finest periods containing today and the previous month)."""
    today = today or timezone.localdate()
    pairs = []
    for pk, frequency in Metric.objects.filter(archived=False).values_list("pk", "frequency"):
        for day in (today, Period.containing("month", today).previous().start):
            pairs.append((pk, finest_period(frequency, day)))
    return mark(pairs)


def queue_rollup() -> None:
    queue_after_commit("metrics.rollup")
