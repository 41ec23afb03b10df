"""Stage 1 of the roll-up (DESIGN §4 items 1–2) with the engine's Python reference: the
stored rows read as plain values and aggregated by `engine.actuals.aggregate`.

It runs on SQLite (the demo, `make demo`) and in the parity tests; PostgreSQL uses the
set-based `sql_actuals.pg_actuals`, which returns the same `Actuals` for the same rows
(`tests/metrics/test_sql_actuals.py` and the parity test compare the two)."""

from __future__ import annotations

from django.db.models import Min, Q

from .engine.actuals import aggregate
from .engine.periods import Period
from .engine.types import Actuals, MeasurementRow
from .models import Measurement
from .world import World


def python_actuals(world: World, metric_codes: set[str] | None, periods: set[Period] | None) -> Actuals:
    qs = Measurement.objects.filter(metric__archived=False)
    if metric_codes is not None:
        qs = qs.filter(metric__code__in=metric_codes)
    first = dict(
        qs.values("metric__code").annotate(first=Min("period_start")).values_list("metric__code", "first")
    )
    if periods is not None:
        # Only rows inside the periods whose cells are needed (first_measurement above
        # still looks at every row).
        window = Q()
        for p in periods:
            window |= Q(period_start__gte=p.start, period_start__lte=p.end)
        qs = qs.filter(window)
    rows = [
        MeasurementRow(code, start, dept, chan, source, value, sample, recorded)
        for code, start, dept, chan, source, value, sample, recorded in qs.values_list(
            "metric__code",
            "period_start",
            "department__code",
            "channel__code",
            "source",
            "value",
            "sample_size",
            "recorded_at",
        ).iterator(chunk_size=20000)
    ]
    actuals = aggregate(rows, world.metric_defs, world.departments, periods=periods)
    return Actuals(cells=actuals.cells, first_measurement=first)
