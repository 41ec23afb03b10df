"""The closed-loop KPIs as ordinary measurements (source "feedback", reserved), by the
month an item was received, written through the measurement ingest service so the roll-up,
the hierarchy, the overview, the scoreboards and the bonus plans read them like any KPI.

- FB_ACK_SLA  acknowledged within the service level (%, mean): over the (item, routed
  department) pairs whose acknowledgement is due or done, the share done by its due time;
  a row per department and an organisation total row in which each pair counts once.
- FB_ACK_HOURS hours to acknowledge (mean; sample size = acknowledged pairs).
- FB_CLOSED_LOOP closed-loop rate (%, mean): items closed within 7 days of receipt over the
  items received at least 7 days ago; an organisation total row (each item once) and a row
  per routed department.
- FB_ITEMS feedback items (sum) per channel, and an organisation total row.

Declined routings are not pairs (the department was taken off)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from .models import FeedbackItem, Routing, close_days

SOURCE = "feedback"
ACK_SLA = "FB_ACK_SLA"
ACK_HOURS = "FB_ACK_HOURS"
CLOSED_LOOP = "FB_CLOSED_LOOP"
ITEMS = "FB_ITEMS"
CODES = (ACK_SLA, ACK_HOURS, CLOSED_LOOP, ITEMS)

_suspended = False


@contextlib.contextmanager
def suspended():
    """Bulk loads (the demo) refresh once at the end instead of after every change."""
    global _suspended
    previous, _suspended = _suspended, True
    try:
        yield
    finally:
        _suspended = previous


def queue_refresh(months) -> None:
    """Recompute these months' KPIs after the caller's transaction commits."""
    if _suspended:
        return
    wanted = sorted({m.isoformat() for m in months})
    if not wanted:
        return
    from .tasks import refresh_kpis

    transaction.on_commit(lambda: refresh_kpis.delay(wanted))


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(month, time(0, 0)), tz),
        timezone.make_aware(datetime.combine(nxt, time(0, 0)), tz),
    )


def month_rows(month: date, *, now=None) -> dict[tuple[str, str | None, str | None], tuple[float, float]]:
    """{(metric code, department code, channel code): (value, sample size)} for one month."""
    now = now or timezone.now()
    start, end = _month_bounds(month)
    items = list(
        FeedbackItem.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
            "pk", "received_at", "closed_at", "status", "channel__code", "channel__archived"
        )
    )
    routings = list(
        Routing.objects.filter(
            item__received_at__gte=start,
            item__received_at__lt=end,
            ended_at__isnull=True,
            department__archived=False,
        ).values_list("item_id", "department__code", "routed_at", "due_at", "acknowledgement__at")
    )
    rows: dict[tuple, tuple[float, float]] = {}

    def share(key, hits, total):
        if total:
            rows[key] = (100.0 * hits / total, float(total))

    # Acknowledged within the service level, and hours to acknowledge.
    sla: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    hours: dict[str | None, list[float]] = defaultdict(list)
    for _item, dept, routed_at, due_at, acked_at in routings:
        if acked_at is None and due_at > now:
            continue  # neither due nor done yet
        in_time = acked_at is not None and acked_at <= due_at
        for scope in (dept, None):
            sla[scope][0] += in_time
            sla[scope][1] += 1
            if acked_at is not None:
                hours[scope].append((acked_at - routed_at).total_seconds() / 3600.0)
    for scope, (hits, total) in sla.items():
        share((ACK_SLA, scope, None), hits, total)
    for scope, values in hours.items():
        rows[(ACK_HOURS, scope, None)] = (sum(values) / len(values), float(len(values)))

    # Closed-loop rate: each item once at organisation scope and once per routed department.
    window = timedelta(days=close_days())
    closed_in_time = {}
    for pk, received_at, closed_at, status, _c, _a in items:
        if received_at <= now - window:
            closed_in_time[pk] = (
                status == FeedbackItem.Status.CLOSED
                and closed_at is not None
                and closed_at - received_at <= window
            )
    share((CLOSED_LOOP, None, None), sum(closed_in_time.values()), len(closed_in_time))
    per_dept: dict[str, set[int]] = defaultdict(set)
    for item_id, dept, *_rest in routings:
        if item_id in closed_in_time:
            per_dept[dept].add(item_id)
    for dept, ids in per_dept.items():
        share((CLOSED_LOOP, dept, None), sum(closed_in_time[i] for i in ids), len(ids))

    # Items per channel, and the organisation's total (items without a channel count there).
    if items:
        rows[(ITEMS, None, None)] = (float(len(items)), 1.0)
    per_channel: dict[str, int] = defaultdict(int)
    for _pk, _r, _c, _s, channel, archived in items:
        if channel and not archived:
            per_channel[channel] += 1
    for channel, count in per_channel.items():
        rows[(ITEMS, None, channel)] = (float(count), 1.0)
    return rows


def refresh(months, *, now=None) -> dict:
    """Write the months' KPI rows that changed through the ingest service and retract the
    rows no longer produced (marking their periods dirty, like any ingest)."""
    from apps.metrics import dirty
    from apps.metrics.ingest import measurements_ingest
    from apps.metrics.models import Measurement, Metric

    metrics = {m.code: m for m in Metric.objects.filter(code__in=CODES, archived=False)}
    if not metrics:
        return {"written": 0, "removed": 0}
    written = removed = 0
    for month in sorted(set(months)):
        wanted = {k: v for k, v in month_rows(month, now=now).items() if k[0] in metrics}
        stored = {
            (code, dept, chan): (value, sample, pk)
            for code, dept, chan, value, sample, pk in Measurement.objects.filter(
                metric__code__in=list(metrics), source=SOURCE, period_start=month
            ).values_list("metric__code", "department__code", "channel__code", "value", "sample_size", "pk")
        }
        changed = [
            {
                "metric": code,
                "period_start": month.isoformat(),
                "department": dept,
                "channel": chan,
                "source": SOURCE,
                "value": value,
                "sample_size": sample,
            }
            for (code, dept, chan), (value, sample) in sorted(wanted.items(), key=str)
            if stored.get((code, dept, chan), (None, None))[:2] != (value, sample)
        ]
        stale = [(key, row) for key, row in stored.items() if key not in wanted]
        with transaction.atomic():
            if changed:
                result = measurements_ingest(rows=changed, by=None, csv_mode=False, system_source=SOURCE)
                if not result.ok:  # the rows are ours; a refusal is a bug, not bad input
                    raise RuntimeError(f"feedback KPI rows refused: {result.errors[:3]}")
                written += len(changed)
            if stale:
                Measurement.objects.filter(pk__in=[row[2] for _k, row in stale]).delete()
                dirty.mark(
                    {
                        (metrics[code].pk, dirty.finest_period("monthly", month))
                        for (code, _d, _c), _r in stale
                    }
                )
                removed += len(stale)
    return {"written": written, "removed": removed}


def months_to_refresh(today: date | None = None, back: int = 3) -> list[date]:
    """The nightly refresh: this month and the `back` before it (pairs fall due with time)."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    months = [month]
    for _ in range(back):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return months
